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
