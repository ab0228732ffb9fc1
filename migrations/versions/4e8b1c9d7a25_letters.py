"""letters: the letterhead, stored Word templates and letter runs (with their document)

Revision ID: 4e8b1c9d7a25
Revises: 6f5adeb0d930
Create Date: 2026-12-02 14:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "4e8b1c9d7a25"
down_revision = "6f5adeb0d930"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "letterhead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("return_line", sa.String(length=200), nullable=False),
        sa.Column("contact_person", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=60), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("bank", sa.Text(), nullable=False),
        sa.Column("footer", sa.Text(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letterhead")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "letter_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"], name=op.f("fk_letter_template_uploaded_by_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_template")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "letter_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("template_name", sa.String(length=200), nullable=False),
        sa.Column("segment_use_id", sa.Integer(), nullable=True),
        sa.Column("source_label", sa.String(length=200), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("excluded_count", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.CheckConstraint("rule IN ('person', 'at_organisation', 'organisation')", name=op.f("ck_letter_run_rule_valid")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_letter_run_created_by_id_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["template_id"], ["letter_template.id"],
                                name=op.f("fk_letter_run_template_id_letter_template"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["segment_use_id"], ["segment_use.id"],
                                name=op.f("fk_letter_run_segment_use_id_segment_use"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"],
                                name=op.f("fk_letter_run_interaction_id_interaction"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_run")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_letter_run_created_at"), "letter_run", ["created_at"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_letter_run_created_at"), table_name="letter_run")
    op.drop_table("letter_run")
    op.drop_table("letter_template")
    op.drop_table("letterhead")
