from flask import current_app, has_request_context, session
from flask_login import current_user


def select_locale() -> str:
    """The session's choice, else the user's, else German. Outside requests (CLI, jobs): German."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        chosen = session.get("lang")
        if chosen in languages:
            return chosen
        user_locale = getattr(current_user, "locale", None) if current_user else None
        if user_locale in languages:
            return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
