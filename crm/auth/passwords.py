"""Password policy: a minimum length and no password from the list of common ones.

One check for every place a password is set: the user form, the password change and
`flask crm create-user`. The list (crm/auth/data/common-passwords.txt.gz, see its README) is
read once per process.
"""
import gzip
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from wtforms.validators import ValidationError

COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
MAX_LENGTH = 200


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def min_length() -> int:
    return int(current_app.config.get("PASSWORD_MIN_LENGTH", 8))


def password_rule() -> str:
    """The rule as the forms describe it."""
    return _("At least %(min)d characters; no common password such as “passwort1”.", min=min_length())


def password_problem(password: str, username: str = "") -> str | None:
    """None if the password may be used, else the reason in the user's language."""
    password = password or ""
    if len(password) < min_length() or len(password) > MAX_LENGTH:
        return _("The password needs at least %(min)d characters (at most %(max)d).", min=min_length(),
                 max=MAX_LENGTH)
    folded = password.strip().lower()
    if folded in common_passwords():
        return _("This password is one of the most common passwords and easy to guess. Please choose another one.")
    if username and folded == username.strip().lower():
        return _("The password must not be the user name.")
    if len(set(folded)) < 3:
        return _("The password consists of too few different characters. Please choose another one.")
    return None


def password_policy(username_field: str | None = None):
    """WTForms validator; an empty field passes (Optional/DataRequired decide about that)."""

    def check(form, field):
        if not field.data:
            return
        username = getattr(form, username_field).data if username_field and hasattr(form, username_field) else ""
        if username_field is None:
            from flask_login import current_user

            username = getattr(current_user, "username", "") or ""
        problem = password_problem(field.data, username or "")
        if problem:
            raise ValidationError(problem)

    return check
