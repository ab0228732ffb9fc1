"""Bulk inserts of an import (COPY text on PostgreSQL, executemany on SQLite) store every value as
it was given: tabs, line breaks, backslashes and umlauts in text and in JSON, dates, booleans, NULL;
ids come back in row order; rows may come from a generator."""
from datetime import date

from sqlalchemy import select

from crm.contacts.models import Affiliation, Organisation, Person
from crm.core.models import utcnow
from crm.extensions import db
from crm.imports.bulk import bulk_insert, bulk_insert_stream
from crm.imports.models import ImportBatch, ImportRow

TRICKY = ["Tab\there", "Zeile 1\nZeile 2\r\nZeile 3", "C:\\Daten\\Liste.csv", "Weiß & Söhne „GmbH“", "\\N", "",
          "ends with backslash\\"]


def test_text_and_json_values_come_back_unchanged(session):
    batch = ImportBatch(filename="b.csv")
    session.add(batch)
    session.flush()
    conn = session.connection()

    def rows():
        for position, text in enumerate(TRICKY, start=1):
            yield {"batch_id": batch.id, "position": position, "raw": [text, "x"],
                   "data": {"notes": text, "tags": [text], "nested": {"n": position}}, "kind": "person",
                   "errors": [], "warnings": [["notes", text, {"value": text}]], "matches": [], "action": "create",
                   "target_id": None, "result": {}}

    assert bulk_insert_stream(conn, ImportRow.__table__, rows()) == len(TRICKY)
    stored = session.execute(select(ImportRow.raw, ImportRow.data, ImportRow.warnings, ImportRow.result,
                                    ImportRow.target_id).where(ImportRow.batch_id == batch.id)
                             .order_by(ImportRow.position)).all()
    assert [r.raw[0] for r in stored] == TRICKY
    assert [r.data["notes"] for r in stored] == TRICKY and [r.data["tags"] for r in stored] == [[t] for t in TRICKY]
    assert [r.warnings[0][2]["value"] for r in stored] == TRICKY
    assert all(r.result == {} and r.target_id is None for r in stored)


def test_ids_in_row_order_with_dates_and_booleans(session):
    conn = session.connection()
    now = utcnow()
    people = [{"first_name": f"Vor{i}", "last_name": text, "gender": "unknown", "notes": text, "formal": i % 2 == 0,
               "data_collected_on": date(2026, 3, i + 1), "created_at": now, "updated_at": now}
              for i, text in enumerate(TRICKY)]
    ids = bulk_insert(conn, Person.__table__, people, return_ids=True)
    assert len(set(ids)) == len(TRICKY) and ids == sorted(ids)
    org = Organisation(name="Bulk GmbH", kind="company", sector="economy")
    session.add(org)
    session.flush()
    bulk_insert(conn, Affiliation.__table__, [{"person_id": pid, "organisation_id": org.id, "is_primary": True,
                                               "valid_to": None, "function_label": "Kassier\tin"} for pid in ids])
    session.expire_all()
    for pid, wanted in zip(ids, people):
        person = db.session.get(Person, pid)
        assert (person.last_name, person.notes, person.formal, person.data_collected_on) == (
            wanted["last_name"], wanted["notes"], wanted["formal"], wanted["data_collected_on"])
        assert person.affiliations[0].function_label == "Kassier\tin" and person.affiliations[0].is_primary
    # a later insert gets larger ids: none given twice
    more = bulk_insert(conn, Person.__table__, [{k: v for k, v in people[0].items() if k != "id"}], return_ids=True)
    assert more[0] > ids[-1]
