"""The main navigation of the layout, rendered once per app process for each role, language and page.

Every page's layout shows the navigation items (those the user's role may see, the page's own marked
active) and the "+" menu; that part depends on nothing else, so it is kept as rendered HTML instead of
being built anew for each request (it was a third of the layout's time). The user menu beside it (name,
language forms with their CSRF tokens) is rendered per request in base.html.
"""
from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup


def main_nav() -> Markup:
    role = getattr(current_user, "role", None) if current_user.is_authenticated else None
    key = (str(get_locale()), role, request.endpoint, request.script_root)
    cache = current_app.extensions.setdefault("crm_main_nav", {})
    html = cache.get(key)
    if html is None:
        html = cache[key] = Markup(render_template("core/_main_nav.html"))
    return html
