"""audited ids are never reused: AUTOINCREMENT on SQLite for every audited table

The history of a record is kept by (table, id). SQLite hands out the highest id + 1, so after
the newest persons were deleted (an import undone) new persons got their ids and showed their
history. With AUTOINCREMENT an id is never given out twice. SQLite cannot add it to an
existing table: the tables are rebuilt (same columns, keys and indexes). PostgreSQL
sequences never give out an id twice: nothing to do there.

Revision ID: a7c3e9d2b1f4
Revises: 1be502c38ad6
Create Date: 2026-12-02 05:40:00

"""
from alembic import op


revision = "a7c3e9d2b1f4"
down_revision = "1be502c38ad6"
branch_labels = None
depends_on = None

# Referenced tables first does not matter with foreign keys off (see env.py).
AUDITED_TABLES = [
    "user", "function_title", "organisation", "person", "affiliation", "interest_group", "body", "seat",
    "project", "funding_default", "project_contact", "interaction", "task",
]


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in AUDITED_TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
