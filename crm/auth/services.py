from sqlalchemy import func, select

from crm.auth import throttle
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


_DUMMY_HASH: dict[str, str] = {}


def _spend_a_password_check(password: str) -> None:
    """The cost of one real password check, for answers that must not be faster than one."""
    from werkzeug.security import check_password_hash, generate_password_hash

    if "hash" not in _DUMMY_HASH:
        _DUMMY_HASH["hash"] = generate_password_hash("not a real password")
    check_password_hash(_DUMMY_HASH["hash"], password)


def authenticate(username: str, password: str) -> User:
    """The user for these credentials, or LoginRefused('invalid'|'throttled'|'inactive').

    Failures are counted per typed name and client address (see crm.auth.throttle), for
    unknown names just as for real ones, and every refusal costs one password check: neither
    the message nor the time tells whether an account exists.
    """
    key = throttle.login_key(username)
    wait = throttle.login_failures.wait_seconds(key)
    if wait:
        _spend_a_password_check(password)
        raise LoginRefused("throttled", wait)
    user = find_user(username)
    if user is None:
        _spend_a_password_check(password)
        throttle.login_failures.failed(key)
        raise LoginRefused("invalid")
    if not user.check_password(password):
        user.failed_logins += 1
        user.last_failed_login_at = utcnow()
        db.session.flush()
        throttle.login_failures.failed(key)
        raise LoginRefused("invalid")
    if not user.active:
        raise LoginRefused("inactive")
    throttle.login_failures.clear(key)
    user.failed_logins = 0
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def check_current_password(user: User, password: str) -> tuple[str, int] | None:
    """None if right; 'wrong' or 'throttled' (with the wait) otherwise, for the password change."""
    key = str(user.id)
    wait = throttle.password_failures.wait_seconds(key)
    if wait:
        return "throttled", wait
    if not user.check_password(password):
        throttle.password_failures.failed(key)
        return "wrong", 0
    throttle.password_failures.clear(key)
    return None


def create_user(username: str, password: str, role: str = "viewer", **fields) -> User:
    user = User(username=username.strip(), role=role, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
