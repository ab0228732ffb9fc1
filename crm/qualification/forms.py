"""Forms of the qualification pages: the offer, the office registering a person or a Verteiler, the
public registration."""
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from crm.core import time as clock
from crm.core.forms import MultiCheckboxField, email_address, strip_filter
from crm.qualification.models import OFFER_KINDS, OFFER_STATUSES

F = [strip_filter]
_SESSION = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2})[:.](\d{2})"
                      r"(?:\s*[-–]\s*(\d{1,2})[:.](\d{2}))?\s*(.*)$")


def parse_sessions(text: str) -> list[tuple]:
    """'18.03.2027 09:00-16:30 Grundlagen' per line -> [(starts_at, ends_at, topic)] (aware, region time)."""
    zone = clock.region_zone()
    sessions = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _SESSION.match(line)
        if not match:
            raise ValidationError(_l("Line %(number)s: please write the date as 18.03.2027 09:00-16:30 (and a "
                                     "topic if you like).", number=number))
        day, month, year, hour, minute, end_hour, end_minute, topic = match.groups()
        try:
            starts_at = datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=zone)
            ends_at = (datetime(int(year), int(month), int(day), int(end_hour), int(end_minute), tzinfo=zone)
                       if end_hour else None)
        except ValueError as error:
            raise ValidationError(_l("Line %(number)s: this date does not exist.", number=number)) from error
        sessions.append((starts_at, ends_at, topic.strip()))
    return sessions


def sessions_text(offer) -> str:
    from crm.core.formatting import to_berlin

    lines = []
    for s in offer.sessions:
        start = to_berlin(s.starts_at)
        line = start.strftime("%d.%m.%Y %H:%M")
        if s.ends_at:
            line += "-" + to_berlin(s.ends_at).strftime("%H:%M")
        if s.topic:
            line += " " + s.topic
        lines.append(line)
    return "\n".join(lines)


class SessionsField(TextAreaField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.sessions = []

    def pre_validate(self, form):
        self.sessions = parse_sessions(self.data or "")


class OfferForm(FlaskForm):
    title = StringField(_l("Title"), filters=F,
                        validators=[DataRequired(_l("Please enter a title.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(OFFER_KINDS.items()), default="seminar")
    status = SelectField(_l("Status"), choices=list(OFFER_STATUSES.items()), default="draft")
    description = TextAreaField(_l("Description"), filters=F, render_kw={"rows": 4})
    provider_id = SelectField(_l("Provider (organisation)"), coerce=int, default=0)
    trainer_ids = SelectMultipleField(_l("Trainers"), coerce=int, render_kw={"size": 6},
                                      description=_l("Hold Ctrl to choose several."))
    sessions = SessionsField(_l("Course dates"),
                             render_kw={"rows": 3, "placeholder": "18.03.2027 09:00-16:30 Grundlagen"},
                             description=_l("One per line: date, time from-to, topic (optional)."))
    location = StringField(_l("Place"), filters=F, validators=[Length(max=300)])
    online_url = StringField(_l("Online link"), filters=F, validators=[Length(max=500)])
    capacity = IntegerField(_l("Seats"), default=20,
                            validators=[DataRequired(_l("Please give the number of seats (at least 1).")),
                                        NumberRange(min=1, max=10000,
                                                    message=_l("Please give the number of seats (at least 1)."))])
    waitlist = BooleanField(_l("Waitlist when fully booked"), default=True)
    fee = StringField(_l("Fee (EUR)"), filters=F, validators=[Length(max=20)], description=_l("Empty: free of charge."))
    registration_deadline = DateField(_l("Registration deadline"), validators=[Optional()])
    target_group_ids = MultiCheckboxField(_l("Target groups"), coerce=int)
    field_ids = MultiCheckboxField(_l("Fields of action"), coerce=int)


class PersonRegistrationForm(FlaskForm):
    offer_id = SelectField(_l("Offer"), coerce=int)


class SegmentRegistrationForm(FlaskForm):
    segment_id = SelectField(_l("Verteiler"), coerce=int)


class SuggestionSegmentForm(FlaskForm):
    name = StringField(_l("Name of the Verteiler"), filters=F,
                       validators=[DataRequired(_l("Please enter a name.")), Length(max=200)])


class PublicRegistrationForm(FlaskForm):
    first_name = StringField(_l("First name"), filters=F, validators=[Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), filters=F,
                            validators=[DataRequired(message=_l("Please enter your last name.")), Length(max=100)],
                            render_kw={"autocomplete": "family-name"})
    organisation = StringField(_l("Organisation"), filters=F, validators=[Length(max=200)],
                               render_kw={"autocomplete": "organization"})
    email = StringField(_l("E-mail address"), filters=F,
                        validators=[DataRequired(message=_l("Please enter your e-mail address.")), Length(max=254),
                                    email_address],
                        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email"})
    consent = BooleanField(validators=[DataRequired(message=_l("Without your consent we cannot store your "
                                                                "registration."))])
