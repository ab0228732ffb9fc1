from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm.core.concurrency import VersionField
from crm.core.forms import MultiCheckboxField, strip_filter
from crm.core.once import OnceTokenForm
from crm.projects.models import COOPERATION, PROGRAMMES, PROJECT_STATUSES
from crm.projects.services import format_number_input, parse_decimal

F = [strip_filter]


def _choices(mapping):
    return [(key, label) for key, label in mapping.items()]


class DecimalInputField(StringField):
    """A number as Germans type it ("12.500,50", "60 %"); the data is a Decimal or None."""

    invalid_message = _l("Please enter a number, e.g. 12.500,00.")
    decimals = 2

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = parse_decimal(valuelist[0])
            except ValueError:
                raise ValueError(str(self.invalid_message))

    def process_data(self, value):
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_number_input(self.data, self.decimals)


class EuroField(DecimalInputField):
    invalid_message = _l("Please enter an amount in euros, e.g. 12.500,00.")


class PercentField(DecimalInputField):
    invalid_message = _l("Please enter a percentage, e.g. 60 or 62,5.")
    decimals = 0


def not_negative(form, field):
    if field.data is not None and field.data < 0:
        raise ValidationError(_l("The amount cannot be negative."))


def percent_range(form, field):
    if field.data is not None and not 0 <= field.data <= 100:
        raise ValidationError(_l("The rate lies between 0 and 100 %."))


def cents(form, field):
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("Please give the amount to the cent at most."))


def within_digits(integer_digits: int):
    def check(form, field):
        if field.data is not None and abs(field.data) >= 10 ** integer_digits:
            raise ValidationError(_l("This number is too large."))

    return check


MONEY = [not_negative, cents, within_digits(10)]
RATE = [percent_range]


class ProjectForm(OnceTokenForm):
    version = VersionField()  # optimistic locking: the version the form was loaded with
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter a title.")), Length(max=200)], filters=F)
    status = SelectField(_l("Status"), choices=_choices(PROJECT_STATUSES), default="idea")
    programme = SelectField(_l("Programme"), choices=_choices(PROGRAMMES), default="leader")
    project_type = SelectField(
        _l("Project type"), default="",
        description=_l("Decides the default funding rate (managers set the defaults)."),
    )
    cooperation = SelectField(_l("Cooperation project"), choices=_choices(COOPERATION), default="")
    sponsor_organisation_id = HiddenField()
    sponsor_organisation_label = StringField(_l("Sponsor: organisation"), filters=F)
    sponsor_person_id = HiddenField()
    sponsor_person_label = StringField(_l("or sponsor: person"), filters=F)
    fields_of_action = MultiCheckboxField(_l("Fields of action"), coerce=int)
    description = TextAreaField(_l("Description"), filters=F)
    total_cost = EuroField(_l("Total cost (€)"), validators=MONEY)
    eligible_cost = EuroField(_l("Eligible cost (€)"), validators=MONEY)
    funding_rate = PercentField(_l("Funding rate (%)"), validators=RATE)
    funding_amount = EuroField(_l("Funding amount (€)"), validators=MONEY)
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    selected_on = DateField(_l("Selected by the LAG on"), validators=[Optional()])
    approved_on = DateField(_l("Approved on"), validators=[Optional()])

    def validate_eligible_cost(self, field):
        total = self.total_cost.data
        if field.data is not None and total is not None and not self.total_cost.errors and field.data > total:
            raise ValidationError(_l("The eligible cost cannot be higher than the total cost."))

    def validate_funding_amount(self, field):
        eligible = self.eligible_cost.data
        if field.data is not None and eligible is not None and not self.eligible_cost.errors and field.data > eligible:
            raise ValidationError(_l("The funding amount cannot be higher than the eligible cost."))

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end lies before the start."))

    def validate_approved_on(self, field):
        if field.data and self.selected_on.data and field.data < self.selected_on.data:
            raise ValidationError(_l("The approval lies before the selection by the LAG."))


class ProjectContactForm(FlaskForm):
    person_id = HiddenField()
    person_label = StringField(_l("Person"), filters=F)
    role = StringField(
        _l("Role in the project"), validators=[Optional(), Length(max=120)], filters=F,
        description=_l("e.g. contact at the municipality, architect, treasurer"),
    )


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=_choices(PROJECT_STATUSES))


class FundingDefaultForm(FlaskForm):
    programme = SelectField(_l("Programme"), choices=_choices(PROGRAMMES))
    project_type = StringField(
        _l("Project type"), validators=[Optional(), Length(max=60)], filters=F,
        description=_l("Empty: every project of the programme without a row of its own"),
    )
    rate = PercentField(_l("Default rate (%)"), validators=RATE)
    max_amount = EuroField(_l("Cap per project (€)"), validators=MONEY, description=_l("optional"))

    def validate_rate(self, field):
        if field.data is None and not field.errors:
            raise ValidationError(_l("Please enter the rate."))


class FundingDefaultEditForm(FlaskForm):
    rate = PercentField(_l("Default rate (%)"), validators=RATE)
    max_amount = EuroField(_l("Cap per project (€)"), validators=MONEY)

    def validate_rate(self, field):
        if field.data is None and not field.errors:
            raise ValidationError(_l("Please enter the rate."))
