"""Read-only CardDAV (RFC 6352) with sync-collection (RFC 6578), for phones and mail programs.

Discovery as iOS, macOS Contacts, Thunderbird and DAVx5 do it: /.well-known/carddav -> /carddav/
-> current-user-principal -> addressbook-home-set -> the address books -> the cards. HTTP Basic
with the user name and an app password (crm/carddav/passwords.py); every write method gets 403.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import wraps
from urllib.parse import quote, unquote, urlsplit

from flask import Blueprint, Response, abort, g, redirect, request, url_for

from crm.carddav import books, passwords
from crm.core.confidential import may_see_confidential
from crm.extensions import csrf, db, limiter

bp = Blueprint("carddav", __name__)
csrf.exempt(bp)

DAV, CARD, CS = "DAV:", "urn:ietf:params:xml:ns:carddav", "http://calendarserver.org/ns/"
for _prefix, _uri in (("d", DAV), ("card", CARD), ("cs", CS)):
    ET.register_namespace(_prefix, _uri)

READ_METHODS = ["GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"]
WRITE_METHODS = ["PUT", "DELETE", "POST", "PROPPATCH", "MKCOL", "MKCALENDAR", "MOVE", "COPY", "LOCK", "UNLOCK",
                 "ACL"]
ALL_METHODS = READ_METHODS + WRITE_METHODS
VCARD_TYPE = "text/vcard; charset=utf-8"
LIMIT = "300 per minute"


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _xml(root: ET.Element, status: int = 207) -> Response:
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return Response(body, status=status, content_type='application/xml; charset="utf-8"',
                    headers={"Cache-Control": "no-store"})


def _unauthorised() -> Response:
    # Says nothing about which part was wrong (user name, password, revoked).
    return Response("Anmeldung erforderlich: Benutzername und App-Passwort.\n", status=401,
                    content_type="text/plain; charset=utf-8",
                    headers={"WWW-Authenticate": 'Basic realm="RegioNetz CardDAV", charset="UTF-8"'})


def dav_auth(view):
    """HTTP Basic with an app password; the user in the path must be the one logged in (else 404)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        auth = request.authorization
        user = passwords.check(auth.username, auth.password) if auth and auth.type == "basic" else None
        if user is None:
            db.session.rollback()
            return _unauthorised()
        if "username" in kwargs and kwargs["username"] != user.username:
            abort(404)
        g.dav_user = user
        if request.method in WRITE_METHODS:
            db.session.commit()  # the app password's last use
            return Response("Nur lesender Zugriff: Kontakte werden in RegioNetz geändert.\n", status=403,
                            content_type="text/plain; charset=utf-8")
        if request.method == "OPTIONS":
            db.session.commit()
            return Response("", headers={"DAV": "1, 3, addressbook", "Allow": ", ".join(READ_METHODS)})
        response = view(*args, **kwargs)
        db.session.commit()
        return response

    return wrapper


# ------------------------------------------------------------------ URLs


def home_url(user) -> str:
    return url_for("carddav.home", username=user.username)


def principal_url(user) -> str:
    return url_for("carddav.principal", username=user.username)


def book_url(user, book: books.Book) -> str:
    return url_for("carddav.book", username=user.username, slug=book.slug)


def card_url(user, book: books.Book, name: str) -> str:
    return book_url(user, book) + quote(name)


# ------------------------------------------------------------------ PROPFIND


def _requested_props(body: bytes) -> list[str] | None:
    """The property names asked for; None for allprop / an empty body (RFC 4918: allprop)."""
    if not body.strip():
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        abort(400)
    prop = root.find(q(DAV, "prop"))
    if prop is None:
        return None
    return [child.tag for child in prop]


def _href(parent: ET.Element, url: str) -> None:
    ET.SubElement(parent, q(DAV, "href")).text = url


def _response(multistatus: ET.Element, url: str, values: dict[str, object], requested: list[str] | None):
    """One <response> with the requested properties: found ones in a 200 propstat, unknown in a 404 one."""
    response = ET.SubElement(multistatus, q(DAV, "response"))
    _href(response, url)
    names = requested if requested is not None else list(values)
    found = ET.Element(q(DAV, "prop"))
    missing = ET.Element(q(DAV, "prop"))
    for name in names:
        value = values.get(name)
        if value is None:
            ET.SubElement(missing, name)
            continue
        element = ET.SubElement(found, name)
        if callable(value):
            value(element)
        else:
            element.text = str(value)
    for prop, status in ((found, "HTTP/1.1 200 OK"), (missing, "HTTP/1.1 404 Not Found")):
        if len(prop):
            propstat = ET.SubElement(response, q(DAV, "propstat"))
            propstat.append(prop)
            ET.SubElement(propstat, q(DAV, "status")).text = status
    return response


def _children(*tags: str):
    def fill(element):
        for tag in tags:
            ET.SubElement(element, tag)
    return fill


def _hrefs(*urls: str):
    def fill(element):
        for url in urls:
            _href(element, url)
    return fill


def _privileges(element):
    for name in ("read", "read-current-user-privilege-set"):
        ET.SubElement(ET.SubElement(element, q(DAV, "privilege")), q(DAV, name))


def _reports(element):
    for ns, name in ((CARD, "addressbook-multiget"), (CARD, "addressbook-query"), (DAV, "sync-collection")):
        report = ET.SubElement(ET.SubElement(element, q(DAV, "supported-report")), q(DAV, "report"))
        ET.SubElement(report, q(ns, name))


def _address_data_types(element):
    ET.SubElement(element, q(CARD, "address-data-type"), {"content-type": "text/vcard", "version": "3.0"})


def _common(user) -> dict[str, object]:
    return {q(DAV, "current-user-principal"): _hrefs(principal_url(user)),
            q(DAV, "principal-URL"): _hrefs(principal_url(user)),
            q(DAV, "owner"): _hrefs(principal_url(user)),
            q(CARD, "addressbook-home-set"): _hrefs(home_url(user)),
            q(DAV, "current-user-privilege-set"): _privileges}


def sync_token(state) -> str:
    return f"{request.url_root}carddav/sync/{state.id}"


def _book_props(user, snap: books.Snapshot) -> dict[str, object]:
    return _common(user) | {
        q(DAV, "resourcetype"): _children(q(DAV, "collection"), q(CARD, "addressbook")),
        q(DAV, "displayname"): snap.book.name,
        q(CARD, "addressbook-description"): snap.book.description,
        q(CS, "getctag"): snap.ctag,
        q(DAV, "sync-token"): sync_token(snap.state),
        q(DAV, "supported-report-set"): _reports,
        q(CARD, "supported-address-data"): _address_data_types,
        q(CARD, "max-resource-size"): "102400",
    }


def _card_props(etag: str, text: str | None = None) -> dict[str, object]:
    props = {q(DAV, "getetag"): etag, q(DAV, "getcontenttype"): VCARD_TYPE, q(DAV, "resourcetype"): _children()}
    if text is not None:
        props[q(CARD, "address-data")] = text
        props[q(DAV, "getcontentlength")] = str(len(text.encode("utf-8")))
    return props


def _depth() -> int:
    return 0 if request.headers.get("Depth", "1") == "0" else 1


@bp.route("/.well-known/carddav", methods=ALL_METHODS)
@limiter.limit(LIMIT)
def well_known():
    return redirect(url_for("carddav.root"), code=301)


@bp.route("/carddav/", methods=ALL_METHODS)
@limiter.limit(LIMIT)
@dav_auth
def root():
    user = g.dav_user
    requested = _requested_props(request.get_data())
    multistatus = ET.Element(q(DAV, "multistatus"))
    _response(multistatus, url_for("carddav.root"), _common(user) | {
        q(DAV, "resourcetype"): _children(q(DAV, "collection")), q(DAV, "displayname"): "RegioNetz"}, requested)
    return _xml(multistatus)


@bp.route("/carddav/principals/<username>/", methods=ALL_METHODS)
@limiter.limit(LIMIT)
@dav_auth
def principal(username: str):
    user = g.dav_user
    requested = _requested_props(request.get_data())
    multistatus = ET.Element(q(DAV, "multistatus"))
    _response(multistatus, principal_url(user), _common(user) | {
        q(DAV, "resourcetype"): _children(q(DAV, "collection"), q(DAV, "principal")),
        q(DAV, "displayname"): user.full_name or user.username}, requested)
    return _xml(multistatus)


@bp.route("/carddav/<username>/", methods=ALL_METHODS)
@limiter.limit(LIMIT)
@dav_auth
def home(username: str):
    user = g.dav_user
    requested = _requested_props(request.get_data())
    multistatus = ET.Element(q(DAV, "multistatus"))
    _response(multistatus, home_url(user), _common(user) | {
        q(DAV, "resourcetype"): _children(q(DAV, "collection")),
        q(DAV, "displayname"): user.full_name or user.username}, requested)
    if _depth():
        for book in books.books_for(user):
            snap = books.snapshot(user, book, may_see_confidential(user))
            _response(multistatus, book_url(user, book), _book_props(user, snap), requested)
    return _xml(multistatus)


def _book_or_404(user, slug: str) -> books.Book:
    book = books.find_book(user, slug)
    if book is None:
        abort(404)
    return book


@bp.route("/carddav/<username>/<slug>/", methods=ALL_METHODS)
@limiter.limit(LIMIT)
@dav_auth
def book(username: str, slug: str):
    user = g.dav_user
    book = _book_or_404(user, slug)
    snap = books.snapshot(user, book, may_see_confidential(user))
    if request.method in ("GET", "HEAD"):
        # The whole book as one .vcf file (what a browser gets at the book's address).
        return Response("".join(snap.cards.values()), content_type=VCARD_TYPE,
                        headers={"ETag": f'"{snap.ctag}"', "Cache-Control": "no-store"})
    body = request.get_data()
    if request.method == "REPORT":
        return _report(user, snap, body)
    requested = _requested_props(body)
    multistatus = ET.Element(q(DAV, "multistatus"))
    _response(multistatus, book_url(user, book), _book_props(user, snap), requested)
    if _depth():
        base = book_url(user, book)  # once, not per card (url_for is slow at 100,000 cards)
        for name, etag in snap.etags.items():
            _response(multistatus, base + quote(name), _card_props(etag), requested)
    return _xml(multistatus)


@bp.route("/carddav/<username>/<slug>/<name>", methods=ALL_METHODS)
@limiter.limit(LIMIT)
@dav_auth
def card(username: str, slug: str, name: str):
    user = g.dav_user
    book = _book_or_404(user, slug)
    text = books.card(book, name, may_see_confidential(user))
    if text is None:
        abort(404)
    etag = books.etag(text)
    if request.method == "PROPFIND":
        multistatus = ET.Element(q(DAV, "multistatus"))
        _response(multistatus, card_url(user, book, name), _card_props(etag, text),
                  _requested_props(request.get_data()))
        return _xml(multistatus)
    if request.method == "REPORT":
        abort(405)
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status=304, headers={"ETag": etag})
    return Response(text, content_type=VCARD_TYPE, headers={"ETag": etag, "Cache-Control": "no-store"})


# ------------------------------------------------------------------ REPORT


def _card_name(user, book: books.Book, href: str) -> str | None:
    path = unquote(urlsplit(href).path)
    prefix = unquote(book_url(user, book))
    return path[len(prefix):] if path.startswith(prefix) and "/" not in path[len(prefix):] else None


def _matches(text: str, prop_filter: ET.Element) -> bool:
    """A CardDAV prop-filter with text-match (contains, equals, starts-with, ends-with; case-insensitive)."""
    name = prop_filter.get("name", "").upper()
    values = [line.split(":", 1)[1] for line in text.replace("\r\n ", "").split("\r\n")
              if ":" in line and line.split(":", 1)[0].split(";")[0].upper() == name]
    if prop_filter.find(q(CARD, "is-not-defined")) is not None:
        return not values
    tests = prop_filter.findall(q(CARD, "text-match"))
    if not tests:
        return bool(values)
    results = []
    for test in tests:
        wanted = (test.text or "").casefold()
        kind = test.get("match-type", "contains")
        hit = any({"equals": v.casefold() == wanted, "starts-with": v.casefold().startswith(wanted),
                   "ends-with": v.casefold().endswith(wanted)}.get(kind, wanted in v.casefold()) for v in values)
        results.append(not hit if test.get("negate-condition") == "yes" else hit)
    return all(results) if prop_filter.get("test") == "allof" else any(results)


def _report(user, snap: books.Snapshot, body: bytes) -> Response:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        abort(400)
    book = snap.book
    prop = root.find(q(DAV, "prop"))
    requested = [child.tag for child in prop] if prop is not None else [q(DAV, "getetag")]
    with_text = q(CARD, "address-data") in requested or q(DAV, "getcontentlength") in requested
    multistatus = ET.Element(q(DAV, "multistatus"))
    base = book_url(user, book)

    def add(name, text=None):
        # With the card's text, its ETag is the text's own (the truth even if it changed a moment ago).
        etag = books.etag(text) if text is not None else snap.etags[name]
        _response(multistatus, base + quote(name), _card_props(etag, text), requested)

    def add_all(names):
        texts = snap.texts(names) if with_text else {}
        for name in names:
            add(name, texts.get(name))

    if root.tag == q(CARD, "addressbook-multiget"):
        hrefs = [(href.text or "", _card_name(user, book, href.text or "")) for href in root.findall(q(DAV, "href"))]
        texts = snap.texts([name for _href_text, name in hrefs if name])  # rendered only for these cards
        for href_text, name in hrefs:
            if name in texts:
                add(name, texts[name] if with_text else None)
            else:
                response = ET.SubElement(multistatus, q(DAV, "response"))
                _href(response, href_text)
                ET.SubElement(response, q(DAV, "status")).text = "HTTP/1.1 404 Not Found"
    elif root.tag == q(CARD, "addressbook-query"):
        filter_ = root.find(q(CARD, "filter"))
        prop_filters = filter_.findall(q(CARD, "prop-filter")) if filter_ is not None else []
        all_of = filter_ is not None and filter_.get("test") == "allof"
        limit = root.find(f"{q(CARD, 'limit')}/{q(CARD, 'nresults')}")
        count = 0
        for name, text in snap.cards.items():
            checks = [_matches(text, f) for f in prop_filters]
            if not checks or (all(checks) if all_of else any(checks)):
                if limit is not None and count >= int(limit.text or 0):
                    break
                add(name, text if with_text else None)
                count += 1
    elif root.tag == q(DAV, "sync-collection"):
        token = (root.findtext(q(DAV, "sync-token")) or "").strip()
        prefix = f"{request.url_root}carddav/sync/"
        if token == sync_token(snap.state):
            changes = books.Changes([], [])  # the phone is up to date: nothing to compare
        elif token:
            before = None
            if token.startswith(prefix) and token[len(prefix):].isdigit():
                before = books.earlier_state(user, book, int(token[len(prefix):]))
            if before is None:
                error = ET.Element(q(DAV, "error"))
                ET.SubElement(error, q(DAV, "valid-sync-token"))
                return _xml(error, status=403)
            changes = books.difference(before, snap.etags)
        else:
            changes = books.difference({}, snap.etags)
        add_all(changes.changed)
        for name in changes.removed:
            response = ET.SubElement(multistatus, q(DAV, "response"))
            _href(response, base + quote(name))
            ET.SubElement(response, q(DAV, "status")).text = "HTTP/1.1 404 Not Found"
        ET.SubElement(multistatus, q(DAV, "sync-token")).text = sync_token(snap.state)
    else:
        abort(403)
    return _xml(multistatus)
