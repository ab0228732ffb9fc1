"""Serienbrief at scale: `mailmerge_1000_s` and `mailmerge_ratio` (issue 11).

    .venv/bin/python bench/run.py --only letters [--backend sqlite|postgresql|all] [--postgres-url URL]

On the database seeded by run.py: 1,000 letters from the built-in DIN 5008 letter into one .docx,
timed from loading the recipients to the finished file:

* `recipient_rows()` is the recipient source, one call: a fixed Verteiler of 1,000 persons (made
  before the timing) resolved as a letter run resolves it (`crm.segments.services.resolve`, the
  person at the organisation, postal address needed: persons, functions, organisations loaded in
  a few queries), turned into merge values (address block and Briefanrede from salutation.py).
* `crm.interop.letters.builtin_letters()` builds the letter template (its cache is cleared, so
  every round pays for it) and renders it with docxtpl.

`mailmerge_ratio` compares the merge itself with the raw library in the same run, in CPU time of the
process (both are pure Python here; wall-clock time on a busy machine measures the waits for a core):
`builtin_letters()` from the merge values (template built anew, text checked, context made,
rendered, saved) divided by docxtpl alone rendering the same template with the same context
(prepared beforehand) and saving it. Since issue 17 `builtin_letters()` renders and writes the
letters 100 at a time (its working memory no longer grows with the letters) while docxtpl alone
renders all 1,000 at once; both make the same file, part for part (tests/interop/test_letters.py
compares them), so the ratio still compares the engine with the raw library doing the same work.
The memory itself is measured in fresh processes by tests/interop/test_letter_memory.py.
Info figures: `mailmerge_load_s` (the recipient source alone) and `mailmerge_raw_s` (docxtpl alone).
Each figure is the median of `rounds` rounds after a warm-up round.
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import date

LETTERS = 1000


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def letter_segment(limit: int = LETTERS) -> int:
    """A fixed Verteiler of `limit` persons who can get a letter at their organisation (made once, before
    the timing): persons with a current function at an organisation with a postal address, no objection."""
    from sqlalchemy import or_, select
    from sqlalchemy.orm import selectinload

    from crm.contacts.models import Affiliation, Person
    from crm.core import time as clock
    from crm.extensions import db
    from crm.interop.letters import has_postal_address
    from crm.segments import services as segments

    today = clock.today()
    current = select(Affiliation.person_id).where(or_(Affiliation.valid_to.is_(None), Affiliation.valid_to >= today))
    persons = db.session.scalars(
        select(Person)
        .where(Person.archived_at.is_(None), Person.contact_objection.is_(False), Person.id.in_(current))
        .order_by(Person.sort_name, Person.id)
        .limit(limit * 2)
        .options(selectinload(Person.affiliations).selectinload(Affiliation.organisation),
                 selectinload(Person.affiliations).selectinload(Affiliation.function))
    ).all()
    chosen = [p.id for p in persons if has_postal_address(p.addressee(p.primary_affiliation))][:limit]
    segment = segments.save_segment(None, {"name": "Bench: 1.000 Briefe", "kind": "fixed"})
    segments.add_members(segment, chosen)
    db.session.commit()
    return segment.id


def recipient_rows(segment_id: int, letter_date: date, subject: str) -> list[dict[str, str]]:
    """The recipient source of the bench: the Verteiler resolved as a letter run resolves it (the person
    at the organisation, postal address needed), turned into merge values."""
    from crm.extensions import db
    from crm.interop.letters import merge_values
    from crm.segments import services as segments
    from crm.segments.models import Segment

    resolution = segments.resolve(db.session.get(Segment, segment_id), "at_organisation", "letter")
    return [merge_values(r.addressee, r.email, letter_date, subject) for r in resolution.recipients]


LETTERHEAD_ARGS = dict(
    organisation="Regionalmanagement Untermain", address_lines=("Hauptstraße 1", "63820 Elsenfeld"),
    contact="Maria Muster", phone="06022 12345-11", email="info@untermain.example", website="www.untermain.example",
    bank="Sparkasse Miltenberg-Obernburg · IBAN DE12 7965 0000 0000 1234 56 · BIC BYLADEM1MIL",
    footer="Vereinsregister Aschaffenburg VR 1234",
)
BODY = ("wir laden Sie herzlich zur Regionalkonferenz am 14. Januar 2027 in die Stadthalle Erlenbach ein.\n\n"
        "Im Mittelpunkt stehen die Projekte des Jahres 2026 und die Auswahl der Vorhaben für 2027. "
        "Bitte geben Sie die Einladung auch an Ihre Kolleginnen und Kollegen bei {Organisation} weiter.\n\n"
        "Wir freuen uns auf Ihre Rückmeldung bis zum 20. Dezember 2026 an {E-Mail}.")


def bench_letters(app, rounds: int = 5) -> dict:
    from crm.core import time as clock
    from crm.extensions import db
    from crm.interop import letters

    letterhead = letters.Letterhead(**LETTERHEAD_ARGS)
    text = letters.LetterText(subject="Einladung zur Regionalkonferenz", body=BODY, signature="Maria Muster\nRegionalmanagerin")
    ours, loads, raws, ratios = [], [], [], []
    with app.app_context():
        segment_id = letter_segment()
        for round_ in range(rounds + 1):  # the first round warms up imports and caches of the database
            db.session.remove()
            letters.letter_template.cache_clear()
            start = time.perf_counter()
            rows = recipient_rows(segment_id, clock.today(), text.subject)
            loaded = time.perf_counter()
            cpu_start = time.process_time()
            data = letters.builtin_letters(letterhead, text, rows)
            engine_cpu_s = time.process_time() - cpu_start
            done = time.perf_counter()
            total_s, load_s, engine_s = done - start, loaded - start, done - loaded

            # the raw library on the same template and data
            template = letters.letter_template(letterhead)
            context = letters.letter_context(letterhead, text, rows)
            start = time.perf_counter()
            cpu_start = time.process_time()
            raw = letters.render_template(template, context)
            raw_cpu_s = time.process_time() - cpu_start
            raw_s = time.perf_counter() - start
            if round_:
                ours.append(total_s)
                loads.append(load_s)
                raws.append(raw_s)
                # CPU time of this process: both sides are pure Python in one process, and on a busy
                # machine the wall-clock ratio mostly measures who waited longer for a core
                ratios.append(engine_cpu_s / raw_cpu_s)
            log(f"  letters round {round_}: {len(rows)} letters in {total_s:.3f} s (recipients {load_s:.3f} s), "
                f"letters {engine_s:.3f} s, docxtpl alone {raw_s:.3f} s; {len(data) // 1024} KB / {len(raw) // 1024} KB")
        db.session.remove()
    assert len(rows) == LETTERS, f"only {len(rows)} recipients with a postal address"
    return {"mailmerge_1000_s": round(statistics.median(ours), 3),
            "mailmerge_ratio": round(statistics.median(ratios), 2),
            "mailmerge_load_s": round(statistics.median(loads), 3),
            "mailmerge_raw_s": round(statistics.median(raws), 3)}
