"""Optimistic locking: two people editing the same record must not silently overwrite each other.

Edited records carry an integer `version` (SQLAlchemy's version_id_col: every UPDATE checks and
bumps it). The edit form carries the version it was loaded with in a hidden field; a save whose
version is no longer the stored one is refused with `StaleEdit`, whose message says who changed
what meanwhile (from the audit trail). The view keeps the user's input in the form and moves the
hidden version on, so that a second save knowingly overwrites.
"""
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy import Integer, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError
from wtforms import IntegerField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from crm.core.errors import DomainError
from crm.core.models import utcnow
from crm.extensions import db


class Versioned:
    """Mixin: the record's row version, checked and bumped by every UPDATE."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


@event.listens_for(Session, "before_flush")
def _bump_on_collection_change(session, flush_context, instances):
    """A change of tags or fields of action only must bump the version too (it changes no column)."""
    for obj in session.dirty:
        if (isinstance(obj, Versioned) and session.is_modified(obj, include_collections=True)
                and not session.is_modified(obj, include_collections=False)):
            obj.updated_at = utcnow()


class StaleEdit(DomainError):
    """Somebody else saved the record after this form was loaded. Nothing is saved.

    The message is read from the audit trail when it is first used, which the views do after
    rolling back (a flush that hit StaleDataError leaves the session unusable until then).
    """

    field = None

    def __init__(self, record, seen_version: int | None):
        ValueError.__init__(self, "stale edit")  # the message is read lazily (see above)
        self.record = record
        self.seen_version = seen_version
        self._message = None

    @property
    def message(self) -> str:
        if self._message is None:
            self._message = _describe_changes_since(self.record, self.seen_version)
        return self._message

    def __str__(self) -> str:
        return self.message

    def after_rollback(self, form) -> None:
        """After the rollback: keep the user's input and move the hidden version on."""
        form.version.advance_to(self.record.version)


def check_version(record, seen_version) -> None:
    """Refuse the save when the form was loaded from an older version of `record`."""
    if record is None or seen_version in (None, ""):
        return
    if int(seen_version) != record.version:
        raise StaleEdit(record, int(seen_version))


@contextmanager
def versioned_edit(record, seen_version):
    """Around a service call that saves `record` from a form loaded at `seen_version`.

    Checks the version first; a conflict in the moment between that check and the UPDATE
    (StaleDataError from a flush inside) becomes the same StaleEdit. No-op for new records.
    """
    check_version(record, seen_version)
    try:
        yield
        db.session.flush()  # the UPDATE and its version check happen here, not at the commit
    except StaleDataError as exc:
        raise StaleEdit(record, seen_version) from exc


def _describe_changes_since(record, seen_version: int | None) -> str:
    from crm.core.audit import history_for
    from crm.core.formatting import local_datetime
    from crm.core.labels import field_label

    newer = max((record.version or 1) - (seen_version or 0), 1)
    rows = [r for r in history_for(record.__tablename__, record.id, limit=min(newer, 5) + 1) if r.action != "create"]
    rows = rows[: min(newer, 5)]
    changes = []
    for row in rows:
        fields = ", ".join(field_label(key, record.__tablename__) for key in row.changes) or _("archive state")
        changes.append(_("%(user)s on %(when)s: %(fields)s", user=row.user_name, when=local_datetime(row.at),
                         fields=fields))
    meanwhile = "; ".join(changes) if changes else _("someone else")
    return _("This record was changed by someone else after you opened the form (%(changes)s). "
             "Nothing has been saved; your input is kept below. Check it against the current data "
             "and save again to overwrite those changes.", changes=meanwhile)


class VersionField(IntegerField):
    """The hidden version an edit form was loaded with."""

    widget = HiddenInput()

    def __init__(self, label="", validators=None, **kwargs):
        super().__init__(label, validators or [Optional()], **kwargs)

    def advance_to(self, version: int) -> None:
        """After a refused save: the next save of the kept input overwrites knowingly."""
        self.data = version
        self.raw_data = None
