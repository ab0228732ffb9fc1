"""Two-factor login with TOTP (RFC 6238, any authenticator app) and one-time recovery codes.

The secret is made when the user starts the setup and kept in the session until the user has
typed a first right code; only then is it stored on the user, and the QR code is never shown
again. A code is accepted in the current 30-second step or one step either side, and never
twice: the step of the last accepted code is stored, and a code of that step or an earlier one
is refused (a code seen over a shoulder cannot be replayed). Recovery codes are shown once,
stored as SHA-256 (they are random, 80 bits), and each works once.
"""
import hashlib
import hmac
import io
import secrets
import time

import pyotp
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from crm.auth.models import RecoveryCode, User
from crm.core.audit import record_audit
from crm.core.models import utcnow
from crm.extensions import db

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed from paper


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_app.config.get("TWO_FACTOR_ISSUER") or "RegioNetz"
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code as an inline SVG element (no image library, no external service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]


def grouped_secret(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return "".join((code or "").split())


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code this is (current step ± 1), or None."""
    code = _digits(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = at if at is not None else time.time()
    step = totp.timecode(_utc(now))
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _utc(timestamp: float):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(timestamp, timezone.utc)


def _take_step(user: User, step: int) -> bool:
    """Store `step` as the last one used unless it (or a later one) was used already; atomic."""
    result = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_counter.is_(None), User.totp_last_counter < step))
        .values(totp_last_counter=step).execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        user.totp_last_counter = step
        db.session.expire(user, ["totp_last_counter"])
        return True
    return False


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def new_recovery_codes(user: User) -> list[str]:
    """Replaces the user's recovery codes by RECOVERY_CODE_COUNT new ones; the plain codes, to show once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    db.session.flush()
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _use_recovery_code(user: User, code: str) -> bool:
    normal = normalise_recovery_code(code)
    if len(normal) != 16:
        return False
    result = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(normal),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def verify(user: User, code: str) -> str | None:
    """'totp' or 'recovery' if the code lets the user in (and uses it up); 'reused' for an app code
    that was used already (or one older than the last used); None for a wrong code."""
    if not user.two_factor_enabled:
        return None
    step = matching_step(user.totp_secret, code)
    if step is not None:
        return "totp" if _take_step(user, step) else "reused"
    if _use_recovery_code(user, code):
        record_audit("user", user.id, "recovery_code", {}, label=user.audit_label())
        return "recovery"
    return None


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Switch two-factor login on if `code` is right for `secret`; the new recovery codes, else None."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_counter = step
    codes = new_recovery_codes(user)
    record_audit("user", user.id, "two_factor_on", {}, label=user.audit_label())
    return codes


def disable(user: User, action: str = "two_factor_off") -> None:
    user.totp_secret = ""
    user.totp_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_audit("user", user.id, action, {}, label=user.audit_label())


def required_for(user) -> bool:
    """Must this user use two-factor login (administrators when TWO_FACTOR_REQUIRED_FOR_ADMINS)?"""
    return bool(current_app.config.get("TWO_FACTOR_REQUIRED_FOR_ADMINS")) and getattr(user, "role", "") == "admin"
