"""Qualification offers (issue 15): courses with sessions, public registration with double opt-in,
waitlist, attendance, certificates, matching and figures."""


def register(registry) -> None:
    from crm.qualification import models  # noqa: F401
