"""Forms of the meeting mail pages: the invitation, a change, a cancellation."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.core.forms import strip_filter

F = [strip_filter]


class InvitationForm(FlaskForm):
    text = TextAreaField(_l("Personal text"), filters=F,
                         validators=[DataRequired(_l("Please write the text of the invitation.")), Length(max=20000)])
    confirm_late = BooleanField(_l("Invite anyway, although the invitation period has passed"))


class UpdateForm(FlaskForm):
    note = TextAreaField(_l("What has changed (optional)"), filters=F, validators=[Length(max=5000)])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the cancellation"), filters=F, validators=[Length(max=5000)])
