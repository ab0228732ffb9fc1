"""Logins, roles and user management."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.auth import cli, views
    from crm.core.labels import ROLE_LABELS

    registry.blueprint(views.bp)
    registry.nav("auth.user_list", _l("Users"), order=90, min_role="admin", prefix="auth.user", menu="more")
    registry.labels(
        entities={"user": _l("User")},
        fields={"username": _l("User name"), "full_name": _l("Full name"), "email": _l("E-mail"), "role": _l("Role"),
                "active": _l("Active"), "locale": _l("Language")},
        values={"user.role": ROLE_LABELS},
        actions={"end_sessions": _l("ended all sessions")},
    )
    registry.command(cli.create_user_command)
    registry.command(cli.demo_login_command)
