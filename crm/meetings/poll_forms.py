"""Forms of the date poll and the RSVP overview (organiser side). The public pages read their few
fields from request.form directly (one radio group per slot)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from crm.meetings.models import RSVP_STATES


class SlotForm(FlaskForm):
    action = HiddenField(default="add_slot")
    day = DateField(_l("Day"), validators=[InputRequired(message=_l("Please give the day."))])
    start = TimeField(_l("From"), validators=[InputRequired(message=_l("Please give the start time."))])
    end = TimeField(_l("To"), validators=[Optional()])


class OpenPollForm(FlaskForm):
    action = HiddenField(default="open")
    deadline = DateField(_l("Please answer by"), validators=[Optional()],
                         description=_l("Optional; shown on the answer page."))


class ClosePollForm(FlaskForm):
    slot_id = SelectField(_l("Fixed date"), coerce=int, validate_choice=False)


class RsvpSetForm(FlaskForm):
    state = SelectField(_l("Answer"), choices=[(k, v) for k, v in RSVP_STATES.items()], validate_choice=False)
    comment = StringField(_l("Comment"), validators=[Length(max=2000)])
