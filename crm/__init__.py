"""RegioNetz: the CRM for regional management in ILE and LEADER regions."""
import importlib
import os
import pkgutil

from flask import Flask, has_request_context, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.datastructures import ImmutableMultiDict

from crm.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

PUBLIC_ENDPOINTS = {"auth.login", "static", "core.health", "core.set_language"}


def create_app(config_name: str | None = None, **overrides) -> Flask:
    from config import CONFIGS, INSTANCE_DIR

    config_name = config_name or os.environ.get("FLASK_CONFIG", "development")
    config_class = CONFIGS[config_name]
    if hasattr(config_class, "check"):
        config_class.check()

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=os.path.join(os.path.dirname(os.path.dirname(__file__)), "templates"),
    )
    app.config.from_object(config_class)
    app.config["CONFIG_NAME"] = config_name
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY") and config_name == "development":
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    _install_proxy_fix(app)

    from crm.core.logs import configure_logging

    configure_logging(app)

    from crm.core.converters import IdConverter

    app.url_map.converters["id"] = IdConverter  # before any blueprint declares <id:...>
    _init_extensions(app)
    registry = _register_parts(app)
    _register_request_hooks(app)
    _register_template_helpers(app, registry)

    from crm.core.errors import register_error_handlers

    register_error_handlers(app)

    from crm.cli import register_cli

    register_cli(app, registry.commands)
    return app


def part_packages() -> list:
    """The parts of the application: every crm.<part> package whose __init__ has `register(registry)`."""
    packages = (importlib.import_module(f"crm.{m.name}") for m in pkgutil.iter_modules(__path__) if m.ispkg)
    return [package for package in packages if hasattr(package, "register")]


def _instance_secret_key(instance_path: str) -> str:
    """A random key made on the first start of a development instance and reused afterwards.

    A key written in the code would sign sessions that anyone could forge on every instance
    started with the defaults.
    """
    import secrets

    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as handle:
            key = handle.read().strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def _install_proxy_fix(app: Flask) -> None:
    """Behind nginx every request comes from 127.0.0.1; trust X-Forwarded-For/-Proto from N proxies.

    0 (the default) trusts no header: without a proxy, clients could fake their address.
    """
    hops = app.config.get("PROXY_FIX_X_FOR", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=app.config.get("PROXY_FIX_X_PROTO", 0))


def _init_extensions(app: Flask) -> None:
    # Import models so that metadata (and Flask-Migrate) sees every table.
    from crm import models  # noqa: F401
    from crm.core.i18n import install_template_gettext, select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    limiter.init_app(app)
    mail.init_app(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")

    from crm.auth.models import User

    @login_manager.user_loader
    def load_user(session_id: str):
        """The user of a session or remember cookie, if its token is still the user's current one."""
        import hmac

        from crm.core.converters import parse_id

        user_id, _sep, token = (session_id or "").partition(":")
        user = db.session.get(User, parse_id(user_id)) if parse_id(user_id) and token else None
        if user is None or not user.active or not user.session_token:
            return None
        if not hmac.compare_digest(user.session_token.encode(), token.encode()):
            return None
        return user


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite leaves foreign keys off unless asked; the app relies on ON DELETE rules.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # 64 MiB of page cache instead of SQLite's 2 MiB (taken only as it is used): the search index
        # of 100,000 persons is larger than that, and a bulk import writing a million tokens into it
        # took twice as long with the pages spilling in and out.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()


def _register_parts(app: Flask):
    """Core's blueprint first (its "/" must win), then what every part declares in its __init__."""
    from crm.core import labels, views
    from crm.core.registry import Registry

    registry = Registry()
    registry.labels(actions=labels.ACTIONS, entities=labels.ENTITIES, fields=labels.FIELDS)
    app.extensions["crm"] = registry
    app.register_blueprint(views.bp)
    for package in part_packages():
        package.register(registry)
        registry.parts.append(package.__name__)
    for blueprint in registry.blueprints:
        app.register_blueprint(blueprint)
    return registry


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        # No text a person types contains NUL; PostgreSQL refuses it in any text (a 500 at the first query).
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            values = list(request.args.values()) + list(request.form.values())
        else:
            values = list(request.args.values())
        if any("\x00" in value for value in values) or "\x00" in request.path:
            from flask import abort

            abort(400)

    @app.before_request
    def drop_reserved_query_args():
        # Templates rebuild links with url_for(endpoint, **request.args); url_for treats
        # _method, _external, _anchor and _scheme as its own options (?_method=POST was a 500).
        if any(key.startswith("_") for key in request.args):
            request.args = ImmutableMultiDict(
                [(k, v) for k, v in request.args.items(multi=True) if not k.startswith("_")]
            )

    @app.before_request
    def require_login():
        if (request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None
                or request.endpoint in app.extensions["crm"].public_endpoints):
            return None
        if not current_user.is_authenticated:
            next_url = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=next_url))
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'",
        )
        # Pages, search results and exports of a logged-in user hold personal data: no copy
        # in the browser cache or a proxy, nothing to see with "back" after logging out.
        if request.endpoint != "static" and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


def _register_template_helpers(app: Flask, registry) -> None:
    from crm.core import formatting, labels
    from crm.core.confidential import is_hidden, may_see_confidential
    from crm.core.nav import main_nav
    from crm.core.permissions import ROLES, may_export, role_at_least
    from crm.core.registry import sections_for

    app.jinja_env.filters["localdatetime"] = formatting.local_datetime
    app.jinja_env.globals["time_span"] = formatting.time_span
    app.jinja_env.filters["localdate"] = formatting.local_date
    app.jinja_env.filters["longdate"] = formatting.long_date
    app.jinja_env.filters["number"] = formatting.whole_number
    app.jinja_env.filters["phone"] = formatting.display_phone
    app.jinja_env.filters["audit_value"] = labels.audit_value
    app.jinja_env.globals.update(
        action_label=labels.action_label,
        entity_label=labels.entity_label,
        field_label=labels.field_label,
        record_url=labels.record_url,
        role_label=labels.role_label,
        may_see_confidential=may_see_confidential,
        is_hidden=is_hidden,
        nav_items=registry.nav_items,
        main_nav=main_nav,
        sections_for=sections_for,
    )

    @app.context_processor
    def inject_helpers():
        return {
            "can": lambda role: role_at_least(current_user, role),
            "may_export": may_export,
            "allowed_roles": lambda: [r for r in ROLES if role_at_least(current_user, r)],
            "languages": app.config["LANGUAGES"],
            "current_language": (session.get("lang") if has_request_context() else None)
            or getattr(current_user, "locale", None) or "de",
        }
