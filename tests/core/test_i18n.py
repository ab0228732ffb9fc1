"""The German catalogue is complete, its placeholders match, and the UI switches language.

If test_every_message_is_translated fails, you added a UI string without a German translation:
    make extract-messages   # updates crm/translations/messages.pot and de/LC_MESSAGES/messages.po
then fill in the empty msgstr lines in crm/translations/de/LC_MESSAGES/messages.po (and `make translations`).
"""
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = ROOT / "babel.cfg"
TRANSLATIONS = ROOT / "crm" / "translations"
DE_PO = TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po"
DE_MO = DE_PO.with_suffix(".mo")

# Same keywords as `make extract-messages`: pybabel's defaults plus -k _l -k lazy_gettext.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# %(name)s, %(minutes)d, %s, %.2f ... ("%%" is a literal percent sign, not a placeholder)
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> Counter:
    return Counter(
        (m.group("name"), m.group("type")) for m in PLACEHOLDER.finditer(text or "") if m.group("type") != "%"
    )


def extracted_messages() -> dict:
    """{(msgid or (singular, plural), context): ["file:line", ...]} from the current source tree."""
    with open(BABEL_CFG, encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(BABEL_CFG))
    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        if isinstance(message, (list, tuple)):
            message = tuple(message[:2]) if len(message) > 1 and message[1] else message[0]
        if not message:
            continue
        found.setdefault((message, context), []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def de_catalog():
    assert DE_PO.exists(), f"{DE_PO.relative_to(ROOT)} is missing: run `make extract-messages` and translate."
    with open(DE_PO, "rb") as f:
        return read_po(f, locale="de")


def test_every_message_is_translated(de_catalog):
    source = extracted_messages()
    assert source, "no messages extracted: is babel.cfg right?"
    missing = []
    for (message, context), where in sorted(source.items(), key=lambda item: item[1][0]):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = de_catalog.get(msgid, context=context)
        strings = entry.string if entry is not None else None
        strings = list(strings) if isinstance(strings, (list, tuple)) else [strings]
        if entry is None:
            problem = "not in the catalogue"
        elif entry.fuzzy:
            problem = "fuzzy"
        elif not all(s and s.strip() for s in strings):
            problem = "empty msgstr"
        else:
            continue
        missing.append(f"  {msgid!r} ({problem}) at {', '.join(where[:3])}")
    assert not missing, (
        f"{len(missing)} of {len(source)} UI strings have no German translation in "
        f"{DE_PO.relative_to(ROOT)} (run `make extract-messages`, then translate):\n" + "\n".join(missing)
    )


def test_placeholders_match(de_catalog):
    wrong = []
    for entry in de_catalog:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, (list, tuple)) else [entry.id]
        strings = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
        for index, text in enumerate(strings):
            if not text:
                continue
            got = placeholders(text)
            if len(ids) == 1:
                ok = got == placeholders(ids[0])
            else:  # plural forms: like msgid_plural; the singular form may also follow msgid
                ok = got == placeholders(ids[1]) or (index == 0 and got == placeholders(ids[0]))
            if not ok:
                wrong.append(f"  {ids[0]!r} -> {text!r}")
    assert not wrong, "placeholders differ between msgid and German translation:\n" + "\n".join(wrong)


# ------------------------------------------------------------------ the running app


@pytest.fixture(scope="module")
def compiled_translations(app):
    """Compile de/messages.po into .mo when it is missing or older (what `make translations` does)."""
    if not DE_MO.exists() or DE_MO.stat().st_mtime < DE_PO.stat().st_mtime:
        with open(DE_PO, "rb") as f:
            catalog = read_po(f, locale="de")
        tmp = DE_MO.with_name(f".messages.{os.getpid()}.mo.tmp")
        with open(tmp, "wb") as f:
            write_mo(f, catalog, use_fuzzy=True)
        os.replace(tmp, DE_MO)
        # Translations loaded before the .mo existed would stay cached for the session.
        babel_config = app.extensions.get("babel")
        domain = getattr(babel_config, "domain_instance", None)
        if domain is not None and hasattr(domain, "cache"):
            domain.cache.clear()
    return DE_MO


def page(client, path: str) -> str:
    """GET a page as a fresh request would see it.

    The autouse `_transaction` fixture keeps one app context open for the whole test, so `g` (and the
    locale Flask-Babel caches in it) would otherwise carry over from the previous request.
    """
    from flask import g

    g.pop("_flask_babel", None)
    return client.get(path).get_data(as_text=True)


def test_login_page_is_german_by_default(client, compiled_translations):
    html = page(client, "/anmelden")
    assert "Anmelden" in html
    assert "Benutzername" in html
    assert "Log in" not in html
    assert 'lang="de"' in html


def test_language_switch_to_english_and_back(client, compiled_translations):
    response = client.post("/sprache", data={"lang": "en", "next": "/anmelden"})
    assert response.status_code == 302
    html = page(client, "/anmelden")
    assert "Log in" in html
    assert "User name" in html
    assert "Anmelden" not in html

    client.post("/sprache", data={"lang": "de"})
    html = page(client, "/anmelden")
    assert "Anmelden" in html and "Log in" not in html


def test_unknown_language_is_ignored(client, compiled_translations):
    client.post("/sprache", data={"lang": "fr"})
    html = page(client, "/anmelden")
    assert "Anmelden" in html


def test_logged_in_pages_follow_the_chosen_language(client, login, compiled_translations):
    login("staff")
    html = page(client, "/")
    assert "Abmelden" in html and "Log out" not in html

    client.post("/sprache", data={"lang": "en"})
    html = page(client, "/")
    assert "Log out" in html and "Abmelden" not in html


def test_command_line_help_is_german(app, compiled_translations):
    """An administrator typing `flask crm --help` reads German, like the web interface."""
    from crm import create_app

    fresh = create_app("testing")  # the group's help texts are translated when the app is built
    runner = fresh.test_cli_runner()
    overview = runner.invoke(args=["crm", "--help"]).output
    assert "RegioNetz-Verwaltung." in overview
    # the overview shortens each help to the terminal's width (how much depends on the longest command name)
    assert "Baut den Index der Schnellsuche aus der" in overview
    assert "Baut den Index der Schnellsuche aus der Datenbank neu auf." in runner.invoke(
        args=["crm", "reindex", "--help"]).output
    details = runner.invoke(args=["crm", "import", "--help"]).output
    assert "Prüfen und zeigen, was geschähe; nichts ändern." in details
    assert "Check and show" not in details


def test_templates_follow_force_locale_within_a_request(app, compiled_translations):
    """Templates look the translations up once per request, yet an e-mail rendered in German
    (``force_locale``) inside an English request is German, and the page around it stays English."""
    from flask import g, render_template_string, session
    from flask_babel import force_locale

    g.pop("_flask_babel", None)
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert render_template_string("{{ _('Persons') }}") == "Persons"
        with force_locale("de"):
            assert render_template_string("{{ _('Persons') }}") == "Personen"
        assert render_template_string("{{ _('Persons') }}") == "Persons"
