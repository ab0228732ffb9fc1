from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select

from crm.auth.models import User
from crm.core.models import utcnow
from crm.extensions import db


class LoginRefused(Exception):
    def __init__(self, reason: str, wait_seconds: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.wait_seconds = wait_seconds


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def authenticate(username: str, password: str) -> User:
    """The user for these credentials, or LoginRefused('invalid'|'locked'|'inactive').

    After LOGIN_MAX_FAILURES failures in a row the account waits LOGIN_LOCK_SECONDS before
    a password is checked again, which slows down guessing without locking anyone out for good.
    """
    user = find_user(username)
    if user is None:
        # Same work as a real check, so timing does not reveal which names exist.
        User(password_hash="").set_password(password)
        raise LoginRefused("invalid")
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    lock = timedelta(seconds=current_app.config["LOGIN_LOCK_SECONDS"])
    if user.failed_logins >= limit and user.last_failed_login_at:
        waited = utcnow() - _aware(user.last_failed_login_at)
        if waited < lock:
            raise LoginRefused("locked", int((lock - waited).total_seconds()) + 1)
    if not user.check_password(password):
        user.failed_logins += 1
        user.last_failed_login_at = utcnow()
        db.session.flush()
        raise LoginRefused("invalid")
    if not user.active:
        raise LoginRefused("inactive")
    user.failed_logins = 0
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def create_user(username: str, password: str, role: str = "viewer", **fields) -> User:
    user = User(username=username.strip(), role=role, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
