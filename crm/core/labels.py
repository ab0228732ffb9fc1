"""Human labels for audit rows: actions, record types, field names. Later parts register theirs."""
import re

from flask import url_for
from flask_babel import lazy_gettext as _l

ACTIONS = {
    "create": _l("created"),
    "update": _l("changed"),
    "archive": _l("archived"),
    "restore": _l("restored"),
    "delete": _l("deleted"),
}

ENTITIES = {
    "person": _l("Person"),
    "organisation": _l("Organisation"),
    "affiliation": _l("Function"),
    "user": _l("User"),
    "function_title": _l("Function catalogue"),
    "tag": _l("Tag"),
    "field_of_action": _l("Field of action"),
    "target_group": _l("Target group"),
    "expertise_topic": _l("Expertise topic"),
    "person_tag": _l("Tags of a person"),
    "person_field": _l("Fields of action of a person"),
    "person_target_group": _l("Target groups of a person"),
    "person_expertise": _l("Expertise of a person"),
    "organisation_tag": _l("Tags of an organisation"),
    "organisation_field": _l("Fields of action of an organisation"),
    "organisation_target_group": _l("Target groups of an organisation"),
    "audit_log": _l("Change history"),
    "search_token": _l("Search index"),
}

FIELDS = {
    "gender": _l("Gender"), "degree": _l("Academic degree"), "nobility": _l("Nobility particle"),
    "first_name": _l("First name"), "last_name": _l("Last name"), "name_suffix": _l("Name suffix"),
    "formal": _l("Formal address"), "salutation_override": _l("Own salutation"), "email": _l("E-mail"),
    "phone": _l("Phone"), "mobile": _l("Mobile"), "fax": _l("Fax"), "street": _l("Street and number"),
    "postcode": _l("Postcode"), "city": _l("City"), "country": _l("Country"), "notes": _l("Notes"),
    "expertise_note": _l("Expert profile"), "legal_basis": _l("Legal basis"), "data_source": _l("Source of the data"),
    "data_collected_on": _l("Collected on"), "last_reviewed_on": _l("Last reviewed on"),
    "contact_objection": _l("Objects to being contacted"), "archived_at": _l("Archived"), "tags": _l("Tags"),
    "fields_of_action": _l("Fields of action"), "target_groups": _l("Target groups"),
    "expertise_topics": _l("Expertise topics"), "name": _l("Name"), "short_name": _l("Short name"),
    "kind": _l("Kind"), "sector": _l("Sector"), "ags": _l("AGS"), "parent_id": _l("Part of"),
    "municipality_id": _l("Municipality"), "po_box": _l("PO box"), "website": _l("Website"),
    "person_id": _l("Person"), "organisation_id": _l("Organisation"), "function_id": _l("Function"),
    "function_label": _l("Function (free text)"), "department": _l("Department"), "valid_from": _l("From"),
    "valid_to": _l("Until"), "is_primary": _l("Primary function"), "username": _l("User name"),
    "full_name": _l("Full name"), "role": _l("Role"), "active": _l("Active"), "locale": _l("Language"),
    "name_male": _l("Male form"), "name_female": _l("Female form"), "name_neutral": _l("Neutral form"),
    "salutation_male": _l("Office title in letters (male)"), "salutation_female": _l("Office title in letters (female)"),
    "is_key_function": _l("Key function"),
}

# Fields holding amounts, rates or shares: shown as German decimals ("12.500,50") in the history,
# also where a whole number was stored. Keys as in FIELDS ("<table>.<field>" or "<field>").
DECIMAL_FIELDS: set[str] = set()

RECORD_URLS = {
    "person": lambda i: url_for("contacts.person_detail", person_id=i),
    "organisation": lambda i: url_for("contacts.organisation_detail", org_id=i),
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "manager": _l("Regional manager"),
    "staff": _l("Office staff"),
    "viewer": _l("Read only"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def entity_label(entity: str) -> str:
    return str(ENTITIES.get(entity, entity))


def field_label(key: str, entity: str = "") -> str:
    """Label of a field; "<entity>.<field>" entries win over plain "<field>" ones."""
    return str(FIELDS.get(f"{entity}.{key}") or FIELDS.get(key, key))


def record_url(entity: str, entity_id: int) -> str | None:
    maker = RECORD_URLS.get(entity)
    return maker(entity_id) if maker else None


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


# Field -> {stored value: label}, for values stored as keys ("civil_society", "male").
# Keys are "<table>.<field>" (or a plain "<field>" for every table).
VALUE_LABELS: dict[str, dict] = {"user.role": ROLE_LABELS}

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T[\d:.]+(\+00:00)?)?$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def _german_decimal(value) -> str:
    from decimal import Decimal

    from babel.numbers import format_decimal

    return format_decimal(Decimal(str(value)), format="#,##0.00##", locale="de")


def audit_value(value, key: str = "", entity: str = "") -> str:
    """A stored value as a German reader expects it: labels for keys, 02.12.2026, 12.500,50, ja/nein."""
    from datetime import date, datetime
    from decimal import Decimal

    from flask_babel import gettext as _

    from crm.core.formatting import local_date, local_datetime

    for mapping_key in (f"{entity}.{key}", key):
        mapping = VALUE_LABELS.get(mapping_key)
        if mapping and isinstance(value, str) and value in mapping:
            return str(mapping[value])
    if isinstance(value, datetime):
        return local_datetime(value)
    if isinstance(value, date):
        return local_date(value)
    if isinstance(value, (Decimal, float)) or (isinstance(value, str) and _DECIMAL.match(value)):
        return _german_decimal(value)
    is_decimal_field = f"{entity}.{key}" in DECIMAL_FIELDS or key in DECIMAL_FIELDS
    if is_decimal_field and not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit())
    ):
        return _german_decimal(value)
    if isinstance(value, str) and (match := _ISO_DATE.match(value)):
        if match.group(4):
            from datetime import datetime

            from crm.core.formatting import local_datetime

            return local_datetime(datetime.fromisoformat(value))
        return f"{match.group(3)}.{match.group(2)}.{match.group(1)}"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    if value in (None, ""):
        return "–"
    return str(value)
