"""API tokens: made on the user's page, shown once, checked per request (Authorization: Bearer …)."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from crm.api.models import ApiToken
from crm.carddav.passwords import hashed
from crm.core.models import utcnow
from crm.extensions import db

PREFIX = "rn_"


def create(user, label: str, scope: str) -> tuple[ApiToken, str]:
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, label=label.strip()[:80], scope=scope, secret_hash=hashed(secret),
                   created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row, secret


def active(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.created_at.desc())))


def revoke(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def check(secret: str | None) -> ApiToken | None:
    """The active token of an active user, or None (no reason given to the caller)."""
    if not secret or not secret.startswith(PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == hashed(secret),
                                                   ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row
