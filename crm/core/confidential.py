"""Confidential fields: a person's private address, phone and e-mail and the confidential notes.

Read-only users (role "viewer", e.g. the LAG board) do not see them: not on the pages, not in the
history, not in a vCard or any export. One list and one check for every place that shows them.
"""
from flask_login import current_user

from crm.core.permissions import role_at_least

# Minimum role that sees confidential fields.
CONFIDENTIAL_ROLE = "staff"

CONFIDENTIAL_FIELDS = {
    "person": frozenset({"email", "phone", "mobile", "street", "postcode", "city", "confidential_notes"}),
}


def may_see_confidential(user=None) -> bool:
    return role_at_least(user if user is not None else current_user, CONFIDENTIAL_ROLE)


def is_hidden(entity_type: str, field: str, user=None) -> bool:
    """Is this field of this record type hidden from the (current) user?"""
    return field in CONFIDENTIAL_FIELDS.get(entity_type, ()) and not may_see_confidential(user)


def private_label(label: str) -> bool:
    """Is a further contact detail (import, vCard) with this type label a private one (HOME)?"""
    return "HOME" in (label or "").upper().replace(" ", "").split(",")
