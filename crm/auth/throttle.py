"""Failed-attempt throttles for the login and the password change.

Counted in the rate-limit storage (RATELIMIT_STORAGE_URI: memory, or Redis shared by all
workers), with moving windows, and always on: unlike the per-address request limit
(LOGIN_RATE_LIMIT, Flask-Limiter) this is not a load limit but the brake on guessing.

The login key is the typed name plus the client address, whether or not the name exists:
the answer and its cost are the same for real and unknown accounts, and a stranger guessing
from elsewhere does not lock the owner out. Several windows make the wait grow with the
number of failures ("5 per 5 minutes; 20 per hour; 50 per day").
"""
import time
from dataclasses import dataclass

from flask import current_app, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass
class Throttle:
    name: str
    limits_config: str  # config key holding e.g. "5 per 5 minutes; 20 per hour"

    def _parts(self):
        state = current_app.extensions.get("crm_throttle")
        if state is None:
            storage = storage_from_string(current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
            state = current_app.extensions["crm_throttle"] = MovingWindowRateLimiter(storage)
        return state, parse_many(current_app.config[self.limits_config])

    def wait_seconds(self, key: str) -> int:
        """0 if another attempt is allowed now, else the seconds until it is."""
        strategy, limits = self._parts()
        wait = 0
        for limit in limits:
            if not strategy.test(limit, self.name, key):
                reset = strategy.get_window_stats(limit, self.name, key).reset_time
                wait = max(wait, int(reset - time.time()) + 1)
        return wait

    def failed(self, key: str) -> None:
        strategy, limits = self._parts()
        for limit in limits:
            strategy.hit(limit, self.name, key)

    def clear(self, key: str) -> None:
        strategy, limits = self._parts()
        for limit in limits:
            strategy.clear(limit, self.name, key)


login_failures = Throttle("login-failures", "LOGIN_FAILURE_LIMITS")
password_failures = Throttle("password-failures", "PASSWORD_FAILURE_LIMITS")
# Wrong codes in the login's second step, per user (the password was right): as many as wrong logins.
code_failures = Throttle("code-failures", "LOGIN_FAILURE_LIMITS")


def login_key(username: str) -> str:
    return f"{(username or '').strip().lower()[:80]}|{request.remote_addr or '-'}"


def minutes(seconds: int) -> int:
    return max(1, (seconds + 59) // 60)
