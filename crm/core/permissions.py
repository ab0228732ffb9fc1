"""Roles and the decorators that guard routes."""
from functools import wraps

from flask import abort
from flask_login import current_user

# Ordered from least to most rights.
ROLES = ("viewer", "staff", "manager", "admin")


def role_at_least(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return ROLES.index(user.role) >= ROLES.index(role)


def role_required(role: str):
    """Allow the view only to users with at least `role`; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not role_at_least(current_user, role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


# Changing contact data is for the office: staff, managers and admins.
can_edit = role_required("staff")


# Bulk exports (lists as CSV, Excel, vCard, Word) carry many people's data out of the
# application: one policy for all of them, staff and above. Viewers read on screen.
EXPORT_ROLE = "staff"


def may_export(user=None) -> bool:
    return role_at_least(user if user is not None else current_user, EXPORT_ROLE)


def require_export() -> None:
    """For an export that shares its route with a page (?export=csv): 403 unless allowed."""
    if not may_export():
        abort(403)


def export_required(view):
    """Decorator for every bulk export route."""
    wrapped = role_required(EXPORT_ROLE)(view)
    wrapped.is_export = True
    return wrapped
