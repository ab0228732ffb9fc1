from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from crm.core.concurrency import VersionField
from crm.core.forms import strip_filter
from crm.core.once import OnceTokenForm
from crm.meetings.models import CHANNELS, MEETING_KINDS
from crm.network.forms import _picked

F = [strip_filter]


def _choices(labels: dict) -> list[tuple[str, object]]:
    return list(labels.items())


class MeetingForm(OnceTokenForm):
    version = VersionField()
    title = StringField(_l("Title"), filters=F,
                        validators=[DataRequired(_l("Please give the meeting a title.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(MEETING_KINDS), default="session")
    body_id = SelectField(_l("Body"), coerce=int, default=0,
                          description=_l("A body's meeting invites its members on the day; their deputies are "
                                         "informed."))
    day = DateField(_l("Date"), validators=[Optional()],
                    description=_l("Leave empty while a date poll is to find the date."))
    start_time = TimeField(_l("From"), validators=[Optional()])
    end_time = TimeField(_l("Until"), validators=[Optional()])
    location_organisation_id = HiddenField(_l("Venue"))
    location_organisation_label = StringField(
        _l("Venue (organisation)"), filters=F,
        validators=[_picked("location_organisation_label", "location_organisation_id",
                            _l("Please choose the organisation from the list or leave the field empty."))])
    location = StringField(_l("Room or address"), filters=F, validators=[Length(max=500)])
    online_url = StringField(_l("Online link"), filters=F, validators=[Length(max=500)])
    description = TextAreaField(_l("Description"), filters=F)


class AgendaItemForm(FlaskForm):
    title = StringField(_l("Agenda item"), filters=F,
                        validators=[DataRequired(_l("Please give the agenda item a title.")), Length(max=300)])
    description = TextAreaField(_l("Notes"), filters=F)
    needs_vote = BooleanField(_l("Item with a decision"))


class DocumentForm(FlaskForm):
    file = FileField(_l("Document"), validators=[FileRequired(_l("Please choose a file."))])


class InviteForm(FlaskForm):
    person_id = HiddenField(_l("Person"))
    person_label = StringField(_l("Person"), filters=F, validators=[
        _picked("person_label", "person_id", _l("Please choose a person from the list."))])
    organisation_id = HiddenField(_l("Organisation"))
    organisation_label = StringField(_l("Organisation (its mayor, chair …)"), filters=F, validators=[
        _picked("organisation_label", "organisation_id", _l("Please choose the organisation from the list."))])
    body_id = SelectField(_l("Members of a body"), coerce=int, default=0)
    segment_id = SelectField(_l("Mailing list"), coerce=int, default=0)


class ChannelForm(FlaskForm):
    channel = SelectField(_l("Invitation by"), choices=_choices(CHANNELS))
