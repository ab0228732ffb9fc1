"""Core's public audit API: what parts use for changes the automatic audit does not see."""
from sqlalchemy import select

from crm.core.audit import AuditLog, audit_row, current_actor, record_audit
from crm.extensions import db


def test_record_audit_writes_one_row_with_the_actor_and_a_label_that_fits(app, session):
    with app.test_request_context():
        assert current_actor() == (None, "System")
        record_audit("person", 4711, "merge", {"merged_from": ["Anna Alt", "Anna Neu"]}, label="x" * 400)
        db.session.flush()
    row = db.session.scalar(select(AuditLog).where(AuditLog.entity_id == 4711))
    assert (row.entity_type, row.action, row.user_name, row.user_id) == ("person", "merge", "System", None)
    assert row.changes == {"merged_from": ["Anna Alt", "Anna Neu"]} and len(row.label) == 300


def test_audit_row_takes_one_actor_and_time_for_a_batch(app):
    with app.test_request_context():
        row = audit_row("organisation", 7, "delete", actor=(3, "Erika"), label="Markt Eschau")
    assert row["user_id"] == 3 and row["user_name"] == "Erika" and row["changes"] == {}
    assert set(row) == {c.name for c in AuditLog.__table__.columns} - {"id"}
