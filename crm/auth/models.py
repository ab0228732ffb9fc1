import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from crm.core.audit import Audited
from crm.core.models import TimestampMixin, one_of
from crm.core.permissions import ROLES
from crm.extensions import db


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Audited, TimestampMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (one_of("role", ROLES),)
    __audit_exclude__ = frozenset(
        {"created_at", "updated_at", "password_hash", "failed_logins", "last_failed_login_at", "last_login_at",
         "session_token", "totp_secret", "totp_last_counter", "totp_enabled_at"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="de")
    # Daily e-mail with the user's due and overdue tasks.
    task_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of every session and remember cookie (see get_id); a new token ends all of them.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token, server_default="")
    # Two-factor login (crm.auth.twofactor): the TOTP secret once the user confirmed a first code ("" = off),
    # when that was, and the time step of the last code accepted (a code is never taken twice).
    totp_secret: Mapped[str] = mapped_column(String(64), default="", server_default="")
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and the remember cookie: "<id>:<token>".
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every session and remember cookie of this user stops working (logout everywhere)."""
        self.session_token = new_session_token()

    @property
    def two_factor_enabled(self) -> bool:
        return bool(self.totp_secret)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def audit_label(self) -> str:
        return self.username

    def __str__(self) -> str:
        return self.display_name


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
