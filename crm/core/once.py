"""One-time tokens for forms that create records.

Going back in the browser after saving and sending the form again must not create the record
a second time. Every create form carries a random token (OnceTokenForm); the view stores the
token with the record it created (remember_creation, in the same transaction), and a form
that comes back with a used token is answered with the record already created
(previously_created) instead of a second one.
"""
import uuid
from datetime import datetime

from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField
from wtforms.widgets import HiddenInput

from crm.core.models import utcnow
from crm.extensions import db


def new_token() -> str:
    return uuid.uuid4().hex


class FormSubmission(db.Model):
    """A create form that was saved: its token and the record it created."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class _RestorableHidden(HiddenInput):
    """The token as an invisible text input, filled in by app.js from data-once-token.

    When the user goes back to a saved form, the browser may fetch the page anew (no-store) with
    a new token; it then restores what the inputs held, and the token already used must win.
    Browsers restore text inputs (not type=hidden), and only values that differ from the
    default, hence the empty value attribute and the script.
    """

    input_type = "text"

    def __call__(self, field, **kwargs):
        kwargs.update({"hidden": True, "tabindex": "-1", "aria-hidden": "true", "autocomplete": "on",
                       "data-once-token": field.data or "", "value": ""})
        return super().__call__(field, **kwargs)


class OnceTokenForm(FlaskForm):
    """Base for create forms: a hidden one-time token, new on every GET."""

    once_token = HiddenField(default=new_token, widget=_RestorableHidden())


def _token_of(form) -> str:
    field = getattr(form, "once_token", None)
    value = (field.data or "") if field is not None else ""
    value = value.strip().lower()
    return value if len(value) == 32 and all(c in "0123456789abcdef" for c in value) else ""


def previously_created(form, model):
    """The record an earlier submission of this very form created, or None.

    A token of another record type, or of a record deleted since, counts as unused.
    """
    token = _token_of(form)
    if not token:
        return None
    row = db.session.scalar(select(FormSubmission).where(FormSubmission.token == token))
    if row is None or row.entity_type != model.__tablename__:
        return None
    return db.session.get(model, row.entity_id)


def remember_creation(form, record) -> None:
    """Store the form's token with the record just created (call before the commit)."""
    token = _token_of(form)
    if not token or record.id is None:
        return
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    db.session.merge(FormSubmission(
        token=token, entity_type=record.__tablename__, entity_id=record.id,
        user_id=user_id,
    ))
    db.session.flush()


def replay(form, model, record_url):
    """Redirect to the record an earlier submission of this form created, or None to go on.

    Views call it first thing on POST: `if (done := replay(form, Task, url_of)) is not None: return done`.
    """
    from flask import flash, redirect, request
    from flask_babel import gettext as _

    if request.method != "POST":
        return None
    record = previously_created(form, model)
    if record is None:
        return None
    flash(_("This form had already been saved; here is the record it created, no second one was made."), "info")
    return redirect(record_url(record))
