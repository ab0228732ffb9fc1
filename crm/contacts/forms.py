import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm.contacts.models import GENDERS, LEGAL_BASES, ORGANISATION_KINDS, SECTORS
from crm.core.concurrency import VersionField
from crm.core.forms import (
    CommaListField,
    MultiCheckboxField,
    email_address,
    german_postcode,
    phone_number,
    strip_filter,
)
from crm.core.once import OnceTokenForm

F = [strip_filter]


def _choices(mapping):
    return [(key, label) for key, label in mapping.items()]


def country_code(form, field):
    field.data = (field.data or "DE").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", field.data):
        raise ValidationError(_l("Please use the two-letter country code (DE, AT, CH ...)."))


def website_url(form, field):
    value = (field.data or "").strip()
    if value and not re.match(r"^https?://", value, re.I):
        value = "https://" + value
    if value and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*\.[^\s]{2,}", value, re.I):
        raise ValidationError(_l("Not a valid web address."))
    field.data = value


class OrganisationForm(OnceTokenForm):
    version = VersionField()  # optimistic locking: the version the form was loaded with
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=200)], filters=F)
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=60)], filters=F)
    kind = SelectField(_l("Kind"), choices=_choices(ORGANISATION_KINDS))
    sector = SelectField(_l("Sector"), choices=_choices(SECTORS))
    ags = StringField(_l("Official municipality key (AGS)"), filters=F)
    parent_id = SelectField(_l("Part of"), coerce=int, default=0)
    municipality_id = SelectField(_l("Municipality"), coerce=int, default=0)
    street = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)], filters=F)
    po_box = StringField(_l("PO box"), validators=[Optional(), Length(max=40)], filters=F)
    postcode = StringField(_l("Postcode"), validators=[german_postcode()])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)], filters=F)
    country = StringField(_l("Country"), default="DE", validators=[country_code])
    email = StringField(_l("E-mail"), validators=[email_address, Length(max=254)])
    phone = StringField(_l("Phone"), validators=[phone_number])
    fax = StringField(_l("Fax"), validators=[phone_number])
    website = StringField(_l("Website"), validators=[website_url, Length(max=300)])
    tags = CommaListField(_l("Tags"), description=_l("Separate with commas"))
    fields_of_action = MultiCheckboxField(_l("Fields of action"), coerce=int)
    target_groups = MultiCheckboxField(_l("Target groups"), coerce=int)
    notes = TextAreaField(_l("Notes"), filters=F)
    # Shown on a new organisation when look-alikes exist: saving then needs this tick.
    create_anyway = BooleanField(_l("Create anyway: it is not one of these"))

    def validate_ags(self, field):
        value = (field.data or "").replace(" ", "")
        field.data = value
        if not value:
            if self.kind.data == "municipality":
                raise ValidationError(_l("A municipality needs its 8-digit AGS."))
            return
        if self.kind.data == "district" and re.fullmatch(r"\d{5}", value):
            value = field.data = value + "000"
        if not re.fullmatch(r"\d{8}", value):
            raise ValidationError(_l("The AGS has exactly 8 digits (e.g. 09676139)."))
        if not 1 <= int(value[:2]) <= 16:
            raise ValidationError(_l("The AGS must begin with a federal state code from 01 to 16."))


class PersonForm(FlaskForm):
    version = VersionField()  # optimistic locking: the version the form was loaded with
    gender = SelectField(_l("Gender (for the salutation)"), choices=_choices(GENDERS), default="unknown")
    degree = StringField(_l("Academic degree"), validators=[Optional(), Length(max=60)], filters=F)
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)], filters=F)
    nobility = StringField(_l("Nobility particle"), validators=[Optional(), Length(max=40)], filters=F)
    last_name = StringField(
        _l("Last name"), validators=[DataRequired(_l("Please enter a last name.")), Length(max=100)], filters=F
    )
    name_suffix = StringField(_l("Name suffix"), validators=[Optional(), Length(max=40)], filters=F)
    formal = RadioField(
        _l("Form of address"),
        choices=[("1", _l("formal (Sie)")), ("0", _l("informal (Du)"))],
        default="1",
    )
    salutation_override = StringField(
        _l("Own salutation"),
        validators=[Optional(), Length(max=200)],
        filters=F,
        description=_l("Replaces the computed salutation, e.g. 'Lieber Sepp,'"),
    )
    email = StringField(_l("E-mail (private)"), validators=[email_address, Length(max=254)])
    phone = StringField(_l("Phone (private)"), validators=[phone_number])
    mobile = StringField(_l("Mobile"), validators=[phone_number])
    street = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)], filters=F)
    postcode = StringField(_l("Postcode"), validators=[german_postcode()])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)], filters=F)
    country = StringField(_l("Country"), default="DE", validators=[country_code])
    tags = CommaListField(_l("Tags"), description=_l("Separate with commas"))
    fields_of_action = MultiCheckboxField(_l("Fields of action"), coerce=int)
    target_groups = MultiCheckboxField(_l("Target groups"), coerce=int)
    expertise_topics = CommaListField(_l("Expertise topics"), description=_l("Makes the person findable as an expert"))
    expertise_note = TextAreaField(_l("Expert profile"), filters=F)
    notes = TextAreaField(_l("Notes"), filters=F)
    confidential_notes = TextAreaField(_l("Confidential notes"), filters=F,
                                       description=_l("Like the private address, phone and e-mail: hidden from "
                                                      "read-only users and left out of their exports."))
    legal_basis = SelectField(_l("Legal basis"), choices=_choices(LEGAL_BASES))
    data_source = StringField(
        _l("Source of the data"), validators=[Optional(), Length(max=300)], filters=F,
        description=_l("e.g. business card at the LAG meeting, municipal website"),
    )
    data_collected_on = DateField(_l("Collected on"), validators=[Optional()])
    last_reviewed_on = DateField(_l("Last reviewed on"), validators=[Optional()])
    contact_objection = BooleanField(_l("Objects to being contacted"))


class AffiliationForm(OnceTokenForm):
    organisation_id = HiddenField(_l("Organisation"))
    organisation_label = StringField(_l("Organisation"), filters=F)
    function_id = SelectField(_l("Function"), coerce=int, default=0)
    function_label = StringField(
        _l("Function (free text)"), validators=[Optional(), Length(max=120)], filters=F,
        description=_l("Only if the function is not in the list"),
    )
    department = StringField(_l("Department"), validators=[Optional(), Length(max=120)], filters=F)
    email = StringField(_l("E-mail (business)"), validators=[email_address, Length(max=254)])
    phone = StringField(_l("Phone (business)"), validators=[phone_number])
    mobile = StringField(_l("Mobile (business)"), validators=[phone_number])
    valid_from = DateField(_l("From"), validators=[Optional()])
    valid_to = DateField(_l("Until"), validators=[Optional()])
    is_primary = BooleanField(_l("Primary function"), default=True)
    version = VersionField()  # optimistic locking when editing: the version the form was loaded with

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end date lies before the start date."))


class PersonCreateForm(PersonForm, OnceTokenForm):
    """A new person, optionally with a first function at an organisation."""

    aff_organisation_id = HiddenField()
    aff_organisation_label = StringField(_l("Organisation"), filters=F)
    aff_function_id = SelectField(_l("Function"), coerce=int, default=0)
    aff_function_label = StringField(_l("Function (free text)"), validators=[Optional(), Length(max=120)], filters=F)
    aff_department = StringField(_l("Department"), validators=[Optional(), Length(max=120)], filters=F)
    aff_email = StringField(_l("E-mail (business)"), validators=[email_address, Length(max=254)])
    aff_phone = StringField(_l("Phone (business)"), validators=[phone_number])
    aff_valid_from = DateField(_l("From"), validators=[Optional()])

    def wants_function(self) -> bool:
        """True when anything of the first function was filled in (it then needs an organisation)."""
        return bool(
            self.aff_organisation_id.data or self.aff_organisation_label.data or self.aff_function_id.data
            or self.aff_function_label.data or self.aff_department.data or self.aff_email.data
            or self.aff_phone.data or self.aff_valid_from.data
        )

    # The rules of save_affiliation, checked here too, so that every mistake shows in one round.
    def validate_aff_organisation_label(self, field):
        from crm.contacts.models import Organisation
        from crm.extensions import db

        if not self.wants_function():
            return
        org_id = (self.aff_organisation_id.data or "").strip()
        if not org_id.isdigit() or len(org_id) > 18 or db.session.get(Organisation, int(org_id)) is None:
            raise ValidationError(_l("Please choose an organisation from the list."))

    def validate_aff_function_id(self, field):
        if self.wants_function() and not field.data and not self.aff_function_label.data:
            raise ValidationError(_l("Please choose a function or enter one as free text."))


class EndAffiliationForm(FlaskForm):
    valid_to = DateField(_l("Ended on"), validators=[DataRequired(_l("Please enter the date."))])

