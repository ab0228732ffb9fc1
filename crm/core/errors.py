"""Errors that speak to the user: DomainError from the services, error pages for the rest."""
from contextlib import contextmanager

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from crm.extensions import db


class DomainError(ValueError):
    """A rule of the domain was broken: `message` is for the user (translated), `field` names the
    form field it belongs to (None: it concerns the form as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def after_rollback(self, form) -> None:
        """Adjust the form once the session is rolled back (e.g. a stale edit moves the version on)."""


def put_error_on_form(form, error: DomainError, prefix: str = "", rename: dict | None = None) -> None:
    """The message next to its field; without a field (or one the form lacks) at the top of the form,
    where the `form_alert` macro shows it. `prefix`/`rename` map a service's field name to the form's."""
    name = (rename or {}).get(error.field, error.field) if error.field else None
    field = getattr(form, prefix + name, None) if name else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


class _Outcome:
    saved = False

    def __bool__(self) -> bool:
        return self.saved


@contextmanager
def saving(form, prefix: str = "", rename: dict | None = None):
    """Runs the service calls of a view in the with-block and commits them; a DomainError rolls back
    and goes on the form instead (nothing saved):

        with saving(form) as saved:
            body = services.save_body(None, form.data)
        if saved:
            flash(...)
            return redirect(...)
    """
    outcome = _Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        error.after_rollback(form)
        put_error_on_form(form, error, prefix, rename)
        return
    db.session.commit()
    outcome.saved = True


@contextmanager
def committing(category: str = "danger"):
    """The same for an action without a form (a button): a DomainError rolls back and is flashed
    (nothing saved), else the block's changes are committed:

        with committing() as done:
            services.set_status(meeting, status)
        if done:
            flash(_("Status: ..."), "success")
    """
    outcome = _Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        flash(error.message, category)
        return
    db.session.commit()
    outcome.saved = True


def register_error_handlers(app) -> None:
    def page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(403)
    def forbidden(error):
        return page(403, _("Access denied"), _("Your role does not allow this action."))

    @app.errorhandler(404)
    def not_found(error):
        return page(404, _("Not found"), _("The page or record does not exist (any more)."))

    @app.errorhandler(400)
    def bad_request(error):
        return page(400, _("Invalid request"),
                    _("The request contained something RegioNetz cannot accept (e.g. an invisible control "
                      "character). Nothing was saved; please check the input and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return page(400, _("Form expired"), _("The form was no longer valid. Please reload the page and try again."))

    @app.errorhandler(413)
    def too_large(error):
        from flask_babel import format_decimal

        size = format_decimal(round((app.config.get("MAX_CONTENT_LENGTH") or 0) / 1024 / 1024, 1), format="#,##0.#")
        return page(413, _("File too large"),
                    _("The upload is too large: at most %(size)s MB can be sent at once. Nothing was saved.",
                      size=size))

    @app.errorhandler(429)
    def too_many(error):
        return page(429, _("Too many attempts"), _("Please wait a moment and try again."))

    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

    def database_unavailable(error):
        """The database went away or is busy (connections ended, restart, failover, a lock held too long):
        503 with a page that needs no database (not base.html: it asks for the logged-in user). The session's
        transaction is rolled back, so a change is saved completely (committed before) or not at all; the
        pool recovers by itself (pool_pre_ping, and SQLAlchemy drops connections found dead)."""
        from flask import g
        from flask_login import current_user

        from crm.extensions import login_manager

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the session is removed at teardown anyway
            pass
        try:  # the language of the page follows the user, who may not have been loaded before the failure
            current_user._get_current_object()
        except Exception:  # noqa: BLE001
            db.session.rollback()
            g._login_user = login_manager.anonymous_user()
        app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path,
                           str(getattr(error, "orig", error)).strip().splitlines()[0:1])
        if request.method in ("GET", "HEAD"):
            message = _("RegioNetz cannot reach its database at the moment. Please reload the page in a few seconds.")
        else:
            message = _("RegioNetz cannot reach its database at the moment. A change is saved completely or not "
                        "at all: please check in a few seconds whether yours is there and send it again if not.")
        body = render_template("errors/unavailable.html", title=_("Database not reachable"), message=message)
        return body, 503, {"Retry-After": "5", "Cache-Control": "no-store"}

    for error_class in (OperationalError, InterfaceError, DisconnectionError):
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        app.logger.exception("Server error on %s", request.path)
        if request.method in ("GET", "HEAD"):
            # a page that could not be shown: what an earlier request saved stays saved
            return page(500, _("Server error"), _("Something went wrong while showing this page. Please try again."))
        return page(500, _("Server error"), _("Something went wrong. Nothing was saved. Please try again."))
