"""Logins, roles and user management."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.auth import cli, views
    from crm.core.labels import ROLE_LABELS

    registry.blueprint(views.bp)
    registry.nav("auth.user_list", _l("Users"), order=90, min_role="admin", prefix="auth.user", menu="more")
    registry.nav("auth.audit_search", _l("Change history"), order=95, min_role="admin", prefix="auth.audit_search",
                 menu="more")
    registry.labels(
        entities={"user": _l("User")},
        fields={"username": _l("User name"), "full_name": _l("Full name"), "email": _l("E-mail"), "role": _l("Role"),
                "active": _l("Active"), "locale": _l("Language")},
        values={"user.role": ROLE_LABELS},
        actions={"end_sessions": _l("ended all sessions"), "two_factor_on": _l("switched two-factor login on"),
                 "two_factor_off": _l("switched two-factor login off"),
                 "two_factor_reset": _l("reset two-factor login"), "recovery_codes": _l("made new recovery codes"),
                 "recovery_code": _l("logged in with a recovery code")},
    )
    registry.public("auth.login_code")
    registry.command(cli.create_user_command)
    registry.command(cli.demo_login_command)
