"""The contact database's start-page panels: the newest changes over three record types, the counts."""
from datetime import datetime, timedelta, timezone

from crm.contacts.dashboard import contact_counts_panel, recent_changes_panel
from crm.core.audit import AuditLog


def test_recent_changes_are_the_ten_newest_of_persons_organisations_and_functions(app, session):
    start = datetime.now(timezone.utc) + timedelta(days=1)  # newer than what the fixtures wrote
    kinds = ("person", "organisation", "affiliation", "interaction", "project")
    for i in range(40):  # the types take turns; ties in time are broken by the newer id
        session.add(AuditLog(at=start + timedelta(minutes=i // 2), action="update", entity_type=kinds[i % 5],
                             entity_id=i, label=f"Datensatz {i}", user_name="Import"))
    session.commit()
    with app.test_request_context("/"):
        rows = recent_changes_panel().context["rows"]
    shown = [i for i in range(40) if i % 5 < 3][-10:][::-1]  # interactions and projects are not shown here
    assert [r.label for r in rows] == [f"Datensatz {i}" for i in shown]


def test_contact_counts_leave_out_the_archived(app, session, make_person, make_org):
    with app.test_request_context("/"):
        before = contact_counts_panel().context
    make_person("Aktiv")
    make_person("Alt").archived_at = datetime.now(timezone.utc)
    make_org("Verein Aktiv")
    session.commit()
    with app.test_request_context("/"):
        after = contact_counts_panel().context
    assert (after["persons"], after["organisations"]) == (before["persons"] + 1, before["organisations"] + 1)
