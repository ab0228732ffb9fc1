"""App passwords: one per device or program, generated, shown once, revocable."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from crm.auth.models import User
from crm.carddav.models import AppPassword
from crm.core.models import utcnow
from crm.extensions import db

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: typed on a phone
GROUPS, GROUP_LENGTH = 4, 5  # 20 characters of 31: about 99 bits


def hashed(secret: str) -> str:
    """SHA-256 of a generated secret (random and long: no slow hash needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def generate() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))


def create(user: User, label: str) -> tuple[AppPassword, str]:
    secret = generate()
    row = AppPassword(user_id=user.id, label=label.strip()[:80], secret_hash=hashed(secret), created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row, secret


def active(user: User) -> list[AppPassword]:
    return list(db.session.scalars(select(AppPassword).where(AppPassword.user_id == user.id,
                                                             AppPassword.revoked_at.is_(None))
                                   .order_by(AppPassword.created_at.desc())))


def revoke(row: AppPassword) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def check(username: str | None, password: str | None) -> User | None:
    """The active user whose active app password this is; None for anything else (no reason given)."""
    if not username or not password:
        return None
    row = db.session.scalar(select(AppPassword).where(AppPassword.secret_hash == hashed(password.strip().lower()),
                                                      AppPassword.revoked_at.is_(None)))
    same_user = row is not None and hmac.compare_digest(row.user.username.encode(), username.encode())
    if not same_user or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user
