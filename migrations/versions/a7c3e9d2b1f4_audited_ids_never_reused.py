"""audited ids are never reused: AUTOINCREMENT on SQLite for every audited table; merges can be undone

The merge log records when a merge was undone (merge_log.undone_at, undone_by_name).
duplicate_scan keeps when the duplicate search last ran per kind, also when it found nothing.

The history of a record is kept by (table, id). SQLite hands out the highest id + 1, so after
the newest persons were deleted (an import undone) new persons got their ids and showed their
history. With AUTOINCREMENT an id is never given out twice. SQLite cannot add it to an
existing table: the tables are rebuilt (same columns, keys and indexes). PostgreSQL
sequences never give out an id twice: nothing to do there.

Revision ID: a7c3e9d2b1f4
Revises: 7a3c5e9d2b18
Create Date: 2026-12-02 05:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = "a7c3e9d2b1f4"
down_revision = "7a3c5e9d2b18"
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
    op.create_table(
        "duplicate_scan",
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_duplicate_scan")),
    )
    with op.batch_alter_table("merge_log") as batch_op:
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("undone_by_name", sa.String(length=120), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("merge_log") as batch_op:
        batch_op.drop_column("undone_by_name")
        batch_op.drop_column("undone_at")
    op.drop_table("duplicate_scan")
    _rebuild(False)
