"""Human labels for audit rows: actions, record types, field names, stored values, record URLs.

Core knows the generic actions and roles; each part declares its own labels with
`registry.labels(...)` in crm/<part>/__init__.py.
"""
import re

from flask_babel import lazy_gettext as _l

from crm.core.registry import current_registry

ACTIONS = {
    "create": _l("created"),
    "update": _l("changed"),
    "archive": _l("archived"),
    "restore": _l("restored"),
    "delete": _l("deleted"),
    "export": _l("exported"),
    "import": _l("imported"),
}

# Fields and tables of core's own; every part adds its labels in its crm/<part>/__init__.py.
FIELDS = {"archived_at": _l("Archived"), "format": _l("Format"), "filter": _l("Export filter"), "rows": _l("Rows")}
ENTITIES = {"audit_log": _l("Change history")}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "manager": _l("Regional manager"),
    "staff": _l("Office staff"),
    "viewer": _l("Read only"),
}


def action_label(action: str) -> str:
    return str(current_registry().actions.get(action, action))


def entity_label(entity: str) -> str:
    return str(current_registry().entities.get(entity, entity))


def field_label(key: str, entity: str = "") -> str:
    """Label of a field; "<entity>.<field>" entries win over plain "<field>" ones."""
    fields = current_registry().fields
    return str(fields.get(f"{entity}.{key}") or fields.get(key, key))


def record_url(entity: str, entity_id: int) -> str | None:
    maker = current_registry().record_urls.get(entity)
    return maker(entity_id) if maker else None


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


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

    registry = current_registry()
    # Values stored as keys ("civil_society", "male") per "<table>.<field>" (or a plain "<field>").
    for mapping_key in (f"{entity}.{key}", key):
        mapping = registry.value_labels.get(mapping_key)
        if mapping and isinstance(value, str) and value in mapping:
            return str(mapping[value])
    if isinstance(value, datetime):
        return local_datetime(value)
    if isinstance(value, date):
        return local_date(value)
    if isinstance(value, (Decimal, float)) or (isinstance(value, str) and _DECIMAL.match(value)):
        return _german_decimal(value)
    # Amounts, rates and shares stored as whole numbers are decimals all the same ("12.500,00").
    is_decimal_field = f"{entity}.{key}" in registry.decimal_fields or key in registry.decimal_fields
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
