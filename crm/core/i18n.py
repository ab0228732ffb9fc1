from flask import current_app, has_request_context, session
from flask.globals import _cv_app
from flask_babel import get_translations
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


def _translations():
    """The translations of the current locale, looked up once per request (and again when the locale changes).

    Flask-Babel's ``get_translations`` finds its context in ``g`` three times and formats the locale as a
    string on every call; a page calls it ~45 times from its templates. The cached object is kept with the
    locale it was made for, so ``force_locale`` (e-mails in German) and ``refresh`` still take effect.
    """
    try:
        g = _cv_app.get().g
    except LookupError:
        return get_translations()
    babel_ctx = g.__dict__.get("_flask_babel")
    locale = getattr(babel_ctx, "babel_locale", None)
    cached = g.__dict__.get("_crm_translations")
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()  # also sets the locale of the request when it was not chosen yet
    g._crm_translations = (getattr(g.__dict__.get("_flask_babel"), "babel_locale", None), translations)
    return translations


def install_template_gettext(app) -> None:
    """Templates' ``_()``, ``gettext``, ``ngettext`` through the per-request translations (after ``babel.init_app``)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
