"""Import batches with their rows (preview, commit, undo), saved column mappings, further
contact details that have no field of their own."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from crm.core.models import utcnow
from crm.extensions import db

BATCH_STATUSES = {
    "mapping": _l("Columns to assign"),
    "preview": _l("Preview"),
    "committed": _l("Imported"),
    "undone": _l("Undone"),
}
ROW_ACTIONS = {"create": _l("Create"), "update": _l("Update"), "skip": _l("Skip")}
SOURCES = {"csv": "CSV", "xlsx": "Excel", "vcard": "vCard"}


class ImportBatch(db.Model):
    """One uploaded file, from upload through preview to commit (and perhaps undo)."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(120), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(10), default="csv")  # csv, xlsx, vcard
    status: Mapped[str] = mapped_column(String(12), default="mapping", index=True)
    encoding: Mapped[str] = mapped_column(String(20), default="")
    delimiter: Mapped[str] = mapped_column(String(5), default="")
    header: Mapped[list] = mapped_column(JSON, default=list)
    samples: Mapped[list] = mapped_column(JSON, default=list)  # the first rows, for the column assignment
    # The uploaded table, read again when the columns are assigned; emptied after the commit.
    source_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # column index (as text) -> target
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # after commit: created, updated, skipped ...
    problems: Mapped[list] = mapped_column(JSON, default=list)  # broken vCards: [position, line, message]
    created_organisations: Mapped[list] = mapped_column(JSON, default=list)  # ids, for undo
    # row position (as text) -> id of the person the row created; for the log and for undo
    created_persons: Mapped[dict] = deferred(mapped_column(JSON, default=dict, nullable=False))
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    committed_by_name: Mapped[str] = mapped_column(String(120), default="")
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_name: Mapped[str] = mapped_column(String(120), default="")

    rows: Mapped[list["ImportRow"]] = relationship(
        back_populates="batch", order_by="ImportRow.position", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def status_label(self) -> str:
        return str(BATCH_STATUSES.get(self.status, self.status))

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)


class ImportRow(db.Model):
    """One row (or vCard) of an import: what the file said, the record made of it, problems,
    likely duplicates, the user's choice and, after the commit, what to undo."""

    __tablename__ = "import_row"
    __table_args__ = (UniqueConstraint("batch_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # data row (or card) number, from 1
    raw: Mapped[list] = mapped_column(JSON, default=list)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(12), default="person")  # person or organisation
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [field, msgid, params]
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    matches: Mapped[list] = mapped_column(JSON, default=list)  # [{"id", "score", "reasons", "label"}]
    action: Mapped[str] = mapped_column(String(10), default="create")
    # Plain ids, not foreign keys: the log must survive when the contact is merged or deleted.
    target_id: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict] = mapped_column(JSON, default=dict)

    batch: Mapped[ImportBatch] = relationship(back_populates="rows")


class SavedMapping(db.Model):
    """A column assignment kept by header names, to reuse for the next file of the same kind."""

    __tablename__ = "import_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    columns: Mapped[dict] = mapped_column(JSON, default=dict)  # header text -> target
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_name: Mapped[str] = mapped_column(String(120), default="")


class ContactDetail(db.Model):
    """A further e-mail address, phone number or address of a person that has no field of
    its own (vCards often carry five e-mail addresses)."""

    __tablename__ = "contact_detail"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # email, phone, address, title
    label: Mapped[str] = mapped_column(String(60), default="")
    value: Mapped[str] = mapped_column(String(500))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"), index=True)
