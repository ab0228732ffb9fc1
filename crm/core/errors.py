from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from crm.extensions import db


def register_error_handlers(app) -> None:
    def page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(403)
    def forbidden(error):
        return page(403, _("Access denied"), _("Your role does not allow this action."))

    @app.errorhandler(404)
    def not_found(error):
        return page(404, _("Not found"), _("The page or record does not exist (any more)."))

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

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        app.logger.exception("Server error on %s", request.path)
        if request.method in ("GET", "HEAD"):
            # a page that could not be shown: what an earlier request saved stays saved
            return page(500, _("Server error"), _("Something went wrong while showing this page. Please try again."))
        return page(500, _("Server error"), _("Something went wrong. Nothing was saved. Please try again."))
