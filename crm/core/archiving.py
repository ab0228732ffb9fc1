"""Archive and restore buttons, the same for every archivable record."""
from typing import Callable

from flask import flash, redirect
from flask_babel import gettext as _

from crm.core.forms import ConfirmForm
from crm.core.models import utcnow
from crm.extensions import db


def set_archived(record, archived: bool) -> None:
    record.archived_at = utcnow() if archived else None
    db.session.flush()


def archive_toggle(model, record_id: int, archived: bool, back: Callable[[object], str], note: str = ""):
    """POST view body: archive or restore the record, flash, go back to `back(record)`."""
    record = db.get_or_404(model, record_id)
    if ConfirmForm().validate_on_submit():
        set_archived(record, archived)
        db.session.commit()
        if archived:
            flash(" ".join(filter(None, [_("%(name)s has been archived.", name=str(record)), note])), "success")
        else:
            flash(_("%(name)s is active again.", name=str(record)), "success")
    return redirect(back(record))
