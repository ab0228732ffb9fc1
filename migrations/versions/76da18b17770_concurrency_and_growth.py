"""Concurrency and growth: row versions, last contact per person, audit time index, CHECKs on enum-like columns

Revision ID: 76da18b17770
Revises: 1be502c38ad6
Create Date: 2026-12-02 05:40:00

- `version` (optimistic locking) on person, organisation, body, seat, project, interaction.
- `person.last_contacted_at`, backfilled from the interactions, so "not contacted" on the
  start page reads one column instead of grouping every interaction.
- `ix_audit_log_type_at` for "recent changes" and `ix_person_archived_at` for the counts on the start page.
- CHECK constraints for the enum-like columns. On SQLite these need the table to be rebuilt
  (batch mode); migrations/env.py switches SQLite's foreign keys off meanwhile, or dropping
  the old table would cascade into the rows that point at it.
"""
import sqlalchemy as sa
from alembic import op

revision = "76da18b17770"
down_revision = "1be502c38ad6"
branch_labels = None
depends_on = None

VERSIONED = ("person", "organisation", "body", "seat", "project", "interaction")

# The allowed values as of this revision (the keys of the label dicts in the models).
SECTORS = ("public", "economy", "civil_society")
CHECKS = {
    "person": {
        "gender": ("female", "male", "diverse", "unknown"),
        "legal_basis": ("", "art6_1a", "art6_1b", "art6_1e", "art6_1f"),
    },
    "organisation": {
        "kind": ("municipality", "district", "admin_union", "association", "federation", "company", "chamber",
                 "authority", "advisory_body", "education", "media", "church", "foundation", "other"),
        "sector": SECTORS,
    },
    "interest_group": {"sector": SECTORS},
    "body": {"kind": ("lag_decision", "lag_assembly", "steering_group", "working_group", "project_group",
                      "erfa_group", "network")},
    "seat": {"role": ("chair", "vice_chair", "member", "advisory", "office")},
    "project": {
        "status": ("idea", "advice", "selected", "applied", "approved", "in_progress", "done", "dropped"),
        "programme": ("leader", "ile_regionalbudget", "other"),
        "cooperation": ("", "regional", "transnational"),
    },
    "interaction": {"kind": ("talk", "phone", "email", "visit", "advice", "event", "letter", "note")},
    "task": {"status": ("open", "done")},
    "user": {"role": ("viewer", "staff", "manager", "admin")},
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))

    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("last_contacted_at", sa.DateTime(timezone=True), nullable=True))
    # One grouped pass (UPDATE ... FROM: PostgreSQL, SQLite >= 3.33), not a subquery per person.
    op.execute(
        "UPDATE person SET last_contacted_at = latest.last FROM ("
        " SELECT interaction_person.person_id AS person_id, max(interaction.occurred_at) AS last"
        " FROM interaction_person JOIN interaction ON interaction.id = interaction_person.interaction_id"
        " GROUP BY interaction_person.person_id) AS latest"
        " WHERE person.id = latest.person_id"
    )

    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.create_index("ix_audit_log_type_at", ["entity_type", "at", "id"], unique=False)
    with op.batch_alter_table("person") as batch_op:
        batch_op.create_index("ix_person_archived_at", ["archived_at"], unique=False)

    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(op.f(f"ck_{table}_{column}_valid"), _in(column, values))


def downgrade():
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}_valid"), type_="check")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_index("ix_person_archived_at")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_index("ix_audit_log_type_at")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("last_contacted_at")
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("version")
