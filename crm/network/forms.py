from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from crm.contacts.models import SECTORS
from crm.core.concurrency import VersionField
from crm.core.errors import DomainError
from crm.core.forms import MultiCheckboxField, strip_filter
from crm.core.once import OnceTokenForm
from crm.network.models import BODY_KINDS, SEAT_ROLES

F = [strip_filter]


def _choices(mapping):
    return [(key, label) for key, label in mapping.items()]


class PercentField(StringField):
    """A share in percent; accepts "49", "49,5" and "49.5 %". Checked by `share_in_range`."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None or self.data == "":
            return ""
        if isinstance(self.data, Decimal):
            return format(self.data.normalize(), "f").replace(".", ",")
        return str(self.data)


def share_in_range(form, field):
    from crm.network.services import parse_share

    try:
        field.data = parse_share(field.data)
    except DomainError as error:
        raise ValidationError(error.message) from None


class BodyForm(OnceTokenForm):
    version = VersionField()  # optimistic locking: the version the form was loaded with
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=200)], filters=F)
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=60)], filters=F)
    kind = SelectField(_l("Kind"), choices=_choices(BODY_KINDS))
    parent_id = SelectField(_l("Part of"), coerce=int, default=0)
    fields_of_action = MultiCheckboxField(_l("Fields of action"), coerce=int)
    description = TextAreaField(_l("Description"), filters=F)
    quorum_share = PercentField(
        _l("Quorum (%)"), default="50", validators=[share_in_range],
        description=_l("Share of the voting members who must be present."),
    )
    max_group_share = PercentField(
        _l("Maximum share of one interest group (%)"), default="49", validators=[share_in_range],
        description=_l("A warning appears when one interest group holds more. 100 switches the check off."),
    )
    min_non_public_share = PercentField(
        _l("Minimum non-public share (%)"), default="50", validators=[share_in_range],
        description=_l("With 50, a warning appears as soon as the public sector holds half of the votes. "
                       "0 switches the check off."),
    )


def _picked(label_field: str, id_field: str, message):
    """A person or organisation typed into a picker must have been chosen from the list."""

    def check(form, field):
        if getattr(form, label_field).data and not getattr(form, id_field).data:
            raise ValidationError(message)

    return check


class SeatForm(OnceTokenForm):
    person_id = HiddenField(_l("Person"))
    person_label = StringField(
        _l("Person"), filters=F,
        validators=[DataRequired(_l("Please choose a person from the list.")),
                    _picked("person_label", "person_id", _l("Please choose a person from the list."))],
    )
    organisation_id = HiddenField(_l("Organisation represented"))
    organisation_label = StringField(
        _l("Organisation represented"), filters=F,
        validators=[_picked("organisation_label", "organisation_id",
                            _l("Please choose the organisation from the list or leave the field empty."))],
    )
    role = SelectField(_l("Role"), choices=_choices(SEAT_ROLES), default="member")
    voting = BooleanField(_l("Voting right"), default=True)
    interest_group_id = SelectField(_l("Interest group"), coerce=int, default=0)
    deputy_id = HiddenField(_l("Deputy"))
    deputy_label = StringField(
        _l("Deputy"), filters=F,
        validators=[_picked("deputy_label", "deputy_id",
                            _l("Please choose the deputy from the list or leave the field empty."))],
        description=_l("Stands in for the member and votes for the member's interest group."),
    )
    valid_from = DateField(_l("From"), validators=[DataRequired(_l("Please enter the date the seat begins."))])
    valid_to = DateField(_l("Until"), validators=[Optional()])
    resolution = StringField(
        _l("Resolution"), validators=[Optional(), Length(max=200)], filters=F,
        description=_l("The resolution that made this change, e.g. LAG-Beschluss 2026/03"),
    )

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end date lies before the start date."))

    def validate_deputy_label(self, field):
        if self.deputy_id.data and self.deputy_id.data == self.person_id.data:
            raise ValidationError(_l("A person cannot be their own deputy."))

    def seat_data(self) -> dict:
        return {
            "person_id": self.person_id.data, "organisation_id": self.organisation_id.data or None,
            "deputy_id": self.deputy_id.data or None, "interest_group_id": self.interest_group_id.data or None,
            "role": self.role.data, "voting": self.voting.data, "valid_from": self.valid_from.data,
            "valid_to": self.valid_to.data, "resolution": self.resolution.data,
        }


class SeatChangeForm(SeatForm):
    version = VersionField()  # optimistic locking: the version the form was loaded with
    mode = RadioField(
        _l("What do you want to do?"),
        choices=[("change", _l("Change from a date on (the old seat stays in the history)")),
                 ("correct", _l("Correct a mistake (overwrites this seat)"))],
        default="change",
    )


class EndSeatForm(FlaskForm):
    end_valid_to = DateField(_l("Last day of the seat"), validators=[DataRequired(_l("Please enter the date."))])
    end_resolution = StringField(
        _l("Resolution"), validators=[Optional(), Length(max=200)], filters=F,
        description=_l("e.g. resignation letter of 12.03.2026, LAG-Beschluss 2026/04"),
    )


class InterestGroupForm(OnceTokenForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)], filters=F)
    sector = SelectField(_l("Sector"), choices=_choices(SECTORS))
    position = IntegerField(
        _l("Position in lists"), default=0,
        validators=[Optional(), NumberRange(min=0, max=999, message=_l("Please enter a number from 0 to 999."))],
    )
