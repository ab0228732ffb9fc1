"""Form pieces shared by every domain: validators with German messages, list fields."""
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Email, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from crm.core.formatting import ImpossibleNumber, normalise_phone


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CommaListField(StringField):
    """'Tourismus, Jugend' <-> ['Tourismus', 'Jugend']."""

    def _value(self):
        if isinstance(self.data, (list, tuple)):
            return ", ".join(str(v) for v in self.data)
        return self.data or ""

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        seen, items = set(), []
        for part in re.split(r"[,;]", raw):
            part = " ".join(part.split())[:120]
            if part and part.lower() not in seen:
                seen.add(part.lower())
                items.append(part)
        self.data = items

    def process_data(self, value):
        if value is None:
            self.data = []
        else:
            self.data = [str(v) for v in value]


def email_address(form, field):
    if field.data:
        field.data = field.data.strip()
        Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False)(form, field)


def phone_number(form, field):
    if not field.data:
        return
    try:
        field.data = normalise_phone(field.data, current_app.config.get("PHONE_DEFAULT_REGION", "DE"))
    except ImpossibleNumber:
        raise ValidationError(
            _l("No phone number can look like this: please check the digits (e.g. 06022 38245-12 or 0170 1234567).")
        )
    except ValueError:
        raise ValidationError(_l("Not a valid phone number (e.g. 06022 1234 or +49 6022 1234)."))


def german_postcode(country_field: str = "country"):
    def check(form, field):
        value = (field.data or "").strip()
        field.data = value
        country = (getattr(form, country_field).data or "DE").upper() if hasattr(form, country_field) else "DE"
        if value and country == "DE" and not re.fullmatch(r"\d{5}", value):
            raise ValidationError(_l("A German postcode has exactly 5 digits."))

    return check


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class ConfirmForm(FlaskForm):
    """Empty form: only the CSRF token, for button-only POSTs (archive, restore, done ...)."""
