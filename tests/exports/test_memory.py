"""Large exports stream: the peak memory of an export of 5,000 persons is far below 10x that of 500
(measured with tracemalloc while the response body is read chunk by chunk and thrown away).

The exports read CHUNK persons at a time (500); the test reads 100 at a time so that both runs span
several chunks and the measure is what grows with the rows, not the size of one chunk. Each format is
exported once before anything is measured, so that neither measured run pays for what the first export
of a process allocates once (compiled SQL, translations, imports); both sizes are then measured alike."""
import gc
import tracemalloc

from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.extensions import db

FORMATS = ["csv", "vcf", "xlsx"]


def _peak(client, url: str) -> tuple[int, int]:
    """(peak bytes allocated while exporting, bytes sent)."""
    gc.collect()
    tracemalloc.start()
    try:
        response = client.get(url, buffered=False)
        assert response.status_code == 200
        sent = 0
        for chunk in response.response:
            sent += len(chunk)
        response.close()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sent


def test_peak_memory_does_not_grow_with_ten_times_the_rows(app, client, login, monkeypatch):
    from crm.contacts.demo import generate_region
    from crm.exports import services

    monkeypatch.setattr(services, "CHUNK", 100)
    login("staff")
    generate_region(persons=500, organisations=60, seed=3)
    db.session.commit()
    small_n = db.session.scalar(select(func.count()).select_from(Person))
    for fmt in FORMATS:  # warm-up, not measured
        _peak(client, f"/export/personen.{fmt}")
    small = {fmt: _peak(client, f"/export/personen.{fmt}") for fmt in FORMATS}
    generate_region(persons=small_n * 9, organisations=200, seed=4)
    db.session.commit()
    large_n = db.session.scalar(select(func.count()).select_from(Person))
    assert large_n >= 9 * small_n
    large = {fmt: _peak(client, f"/export/personen.{fmt}") for fmt in FORMATS}
    report = {fmt: (small_n, small[fmt], large_n, large[fmt]) for fmt in FORMATS}
    print("export memory (persons, (peak bytes, sent bytes)):", report)
    for fmt in FORMATS:
        (small_peak, small_sent), (large_peak, large_sent) = small[fmt], large[fmt]
        assert large_sent > 8 * small_sent, fmt  # the file did grow with the rows
        assert large_peak < 3 * small_peak, (fmt, report)
