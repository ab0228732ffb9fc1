"""The address books a user sees over CardDAV, their cards, ETags and sync states.

Books: "alle" (every active person, and the organisations as company cards), one per body
("gremium-<id>": its current members, each card presenting the member for the organisation
represented) and one per saved Verteiler ("verteiler-<id>": its members now). Cards are the
vCards 3.0 of crm/interop/vcard.py, exactly as the vCard export writes them; a card's ETag is a
hash of its text, so it changes exactly when what the phone would show changes. A sync token
names a stored state ({card name: ETag}); the difference to now is what changed since.

A poll does not render every card while nothing changed (`snapshot`): the newest state of a book
keeps the change marker (`fingerprint`) of the data its cards were made from, the CTag and the ETags.
While the marker is the same, the CTag, the sync token and the ETags come from that state, and only
the cards a client asks for are rendered. The marker is read from indexes: the number and the last
change of persons, organisations and functions, the further contact details, the tag and function
catalogues, the day (a function that ended yesterday leaves today's card), and for the books of
bodies and Verteiler the newest audit entry (seats, members). A state made within SETTLE of the
last change is not trusted (a transaction that began earlier may still commit an older
`updated_at`), nor one checked longer ago than MAX_AGE: then the cards are rendered and compared.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from crm.carddav.models import SyncState
from crm.contacts.models import Affiliation, Organisation, Person
from crm.core.models import utcnow
from crm.extensions import db
from crm.interop.vcard import organisation_uid, organisation_vcard_for, person_uid, vcard_for

CHUNK = 500
KEEP_STATES = 10  # sync states kept per user and book; an older token gets a full sync (RFC 6578 3.2)
SETTLE = timedelta(seconds=60)  # a state made this soon after the last change is not reused
MAX_AGE = timedelta(hours=1)  # nor one checked longer ago: then every card is rendered and compared


@dataclass
class Book:
    slug: str
    name: str
    description: str
    kind: str  # all, body, segment
    ref_id: int | None = None


def books_for(user) -> list[Book]:
    from crm.network.models import Body
    from crm.segments.models import Segment

    books = [Book("alle", _("All contacts"), _("Every person and organisation in RegioNetz"), "all")]
    for body in db.session.scalars(select(Body).where(Body.archived_at.is_(None)).order_by(Body.name)):
        books.append(Book(f"gremium-{body.id}", body.name, _("Current members of the body"), "body", body.id))
    for segment in db.session.scalars(select(Segment).where(Segment.archived_at.is_(None)).order_by(Segment.name)):
        books.append(Book(f"verteiler-{segment.id}", segment.name, _("Members of the mailing list"), "segment",
                          segment.id))
    return books


def find_book(user, slug: str) -> Book | None:
    return next((book for book in books_for(user) if book.slug == slug), None)


def _persons(ids: list[int]) -> Iterator[list[Person]]:
    from crm.exports.services import _details_for

    for start in range(0, len(ids), CHUNK):
        chunk_ids = ids[start:start + CHUNK]
        persons = db.session.scalars(select(Person).where(Person.id.in_(chunk_ids)).options(
            selectinload(Person.tags),
            selectinload(Person.affiliations).selectinload(Affiliation.organisation),
            selectinload(Person.affiliations).selectinload(Affiliation.function))).all()
        details = _details_for(chunk_ids, db.session)
        by_id = {p.id: p for p in persons}
        yield [(by_id[i], details.get(i, ())) for i in chunk_ids if i in by_id]


def _person_cards(ids: list[int], private: bool,
                  represented: dict[int, Organisation] | None = None) -> Iterator[tuple[str, str]]:
    for chunk in _persons(ids):
        for person, extra in chunk:
            organisation = (represented or {}).get(person.id)
            yield f"{person_uid(person.id)}.vcf", vcard_for(person, extra=extra, organisation=organisation,
                                                          private=private)


def _organisation_cards(ids: list[int]) -> Iterator[tuple[str, str]]:
    for start in range(0, len(ids), CHUNK):
        for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids[start:start + CHUNK]))):
            yield f"{organisation_uid(org.id)}.vcf", organisation_vcard_for(org)


def cards(book: Book, private: bool) -> dict[str, str]:
    """{card name: vCard text} of the book right now; `private=False` (viewers) leaves out the
    confidential private contact data, as the vCard export does for them."""
    if book.kind == "all":
        person_ids = list(db.session.scalars(select(Person.id).where(Person.archived_at.is_(None))
                                             .order_by(Person.id)))
        org_ids = list(db.session.scalars(select(Organisation.id).where(Organisation.archived_at.is_(None))
                                          .order_by(Organisation.id)))
        return dict(_person_cards(person_ids, private)) | dict(_organisation_cards(org_ids))
    if book.kind == "body":
        from crm.network.models import Body
        from crm.network.services import body_members

        body = db.session.get(Body, book.ref_id)
        seats = body_members(body) if body is not None else []
        represented: dict[int, Organisation] = {}
        for seat in seats:
            represented.setdefault(seat.person_id, seat.organisation)
        return dict(_person_cards(list(represented), private, represented))
    from crm.segments.models import Segment
    from crm.segments.services import member_ids

    segment = db.session.get(Segment, book.ref_id)
    if segment is None:
        return {}
    person_ids, org_ids = member_ids(segment)
    return dict(_person_cards(person_ids, private)) | dict(_organisation_cards(org_ids))


def card(book: Book, name: str, private: bool) -> str | None:
    """One card of the book by its name, or None (the whole book is rendered only for bodies and lists)."""
    if book.kind != "all":
        return cards(book, private).get(name)
    stem = name.removesuffix(".vcf")
    for prefix, model in (("regionetz-person-", Person), ("regionetz-organisation-", Organisation)):
        if stem.startswith(prefix) and stem[len(prefix):].isdigit():
            record = db.session.get(model, int(stem[len(prefix):]))
            if record is None or record.archived_at is not None:
                return None
            if model is Person:
                return dict(_person_cards([record.id], private)).get(name)
            return organisation_vcard_for(record)
    return None


def etag(card: str) -> str:
    return '"' + hashlib.sha256(card.encode("utf-8")).hexdigest()[:32] + '"'


def etags(book_cards: dict[str, str]) -> dict[str, str]:
    return {name: etag(card) for name, card in book_cards.items()}


def ctag(book_etags: dict[str, str]) -> str:
    """One value that changes whenever any card of the book changes, comes or goes."""
    digest = hashlib.sha256(json.dumps(sorted(book_etags.items())).encode()).hexdigest()[:32]
    return digest


# ------------------------------------------------------------------ the change marker and the snapshot


def _as_utc(value: datetime | None) -> datetime | None:
    from datetime import timezone

    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value  # SQLite keeps no zone


def fingerprint(book: Book, private: bool) -> tuple[str, datetime | None]:
    """(marker, last change): the marker changes whenever a card of `book` may have changed."""
    from crm.contacts.models import FunctionTitle, Tag
    from crm.core import time as clock
    from crm.imports.models import ContactDetail

    parts: list = [book.slug, private, clock.today().isoformat()]
    last = None
    for model in (Person, Organisation, Affiliation):
        count, changed = db.session.execute(select(func.count(), func.max(model.updated_at)).select_from(model)).one()
        changed = _as_utc(changed)
        parts += [count, changed.isoformat() if changed else ""]
        last = max(filter(None, (last, changed)), default=None)
    parts += list(db.session.execute(select(func.count(), func.max(ContactDetail.id)).select_from(ContactDetail)).one())
    catalogues = hashlib.sha256()
    for row in db.session.execute(select(Tag.id, Tag.name).order_by(Tag.id)):
        catalogues.update(f"t{row.id}:{row.name}\n".encode())
    for row in db.session.execute(select(FunctionTitle).order_by(FunctionTitle.id)).scalars():
        catalogues.update(f"f{row.id}:{row.name_male}:{row.name_female}:{row.name_neutral}\n".encode())
    parts.append(catalogues.hexdigest()[:16])
    if book.kind != "all":
        from crm.core.audit import AuditLog

        parts.append(db.session.scalar(select(func.max(AuditLog.id))) or 0)
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest(), last


class Snapshot:
    """A book for one request: its sync state (CTag, token) and, when needed, its ETags and cards."""

    def __init__(self, book: Book, private: bool, state: SyncState, book_cards: dict[str, str] | None = None,
                 book_etags: dict[str, str] | None = None):
        self.book, self.private, self.state = book, private, state
        self._cards, self._etags = book_cards, book_etags

    @property
    def ctag(self) -> str:
        return self.state.ctag

    @property
    def etags(self) -> dict[str, str]:
        if self._etags is None:
            self._etags = _unpack(self.state.cards)
        return self._etags

    @property
    def cards(self) -> dict[str, str]:
        if self._cards is None:
            self._cards = cards(self.book, self.private)
        return self._cards

    def texts(self, names) -> dict[str, str]:
        """{name: vCard} of those cards of the book among `names` (unknown ones left out)."""
        wanted = [name for name in dict.fromkeys(names) if name in self.etags]
        if self._cards is not None or self.book.kind != "all":
            return {name: self.cards[name] for name in wanted if name in self.cards}
        person_ids, org_ids = [], []
        for name in wanted:
            stem = name.removesuffix(".vcf")
            for prefix, ids in (("regionetz-person-", person_ids), ("regionetz-organisation-", org_ids)):
                if stem.startswith(prefix) and stem[len(prefix):].isdigit():
                    ids.append(int(stem[len(prefix):]))
        rendered = dict(_person_cards(person_ids, self.private)) | dict(_organisation_cards(org_ids))
        return {name: rendered[name] for name in wanted if name in rendered}


def snapshot(user, book: Book, private: bool) -> Snapshot:
    """The book now, for `user`: from the newest sync state while the change marker says nothing changed,
    else rendered, compared and stored as the newest state."""
    marker, last_change = fingerprint(book, private)
    now = utcnow()
    newest = _newest(user, book)
    if (newest is not None and newest.fingerprint == marker and newest.checked_at is not None
            and now - _as_utc(newest.checked_at) < MAX_AGE):
        return Snapshot(book, private, newest)
    book_cards = cards(book, private)
    book_etags = etags(book_cards)
    state = state_for(user, book, book_etags)
    settled = last_change is None or now - last_change >= SETTLE
    state.fingerprint = marker if settled else ""
    state.ctag = ctag(book_etags)
    state.checked_at = now
    return Snapshot(book, private, state, book_cards, book_etags)


# ------------------------------------------------------------------ sync states


def _newest(user, book: Book) -> SyncState | None:
    return db.session.scalar(select(SyncState).where(SyncState.user_id == user.id, SyncState.book == book.slug)
                             .order_by(SyncState.id.desc()).limit(1))


def _pack(book_etags: dict[str, str]) -> bytes:
    return zlib.compress(json.dumps(book_etags, separators=(",", ":")).encode())


def _unpack(data: bytes) -> dict[str, str]:
    return json.loads(zlib.decompress(data))


def state_for(user, book: Book, book_etags: dict[str, str]) -> SyncState:
    """The sync state for what the book holds now: the newest one if nothing changed, else a new one."""
    newest = _newest(user, book)
    if newest is not None and _unpack(newest.cards) == book_etags:
        return newest
    state = SyncState(user_id=user.id, book=book.slug, cards=_pack(book_etags), created_at=utcnow())
    db.session.add(state)
    db.session.flush()
    keep = select(SyncState.id).where(SyncState.user_id == user.id, SyncState.book == book.slug) \
        .order_by(SyncState.id.desc()).limit(KEEP_STATES)
    db.session.execute(delete(SyncState).where(SyncState.user_id == user.id, SyncState.book == book.slug,
                                               SyncState.id.not_in(list(db.session.scalars(keep)))))
    return state


def earlier_state(user, book: Book, state_id: int) -> dict[str, str] | None:
    state = db.session.get(SyncState, state_id)
    if state is None or state.user_id != user.id or state.book != book.slug:
        return None
    return _unpack(state.cards)


@dataclass
class Changes:
    changed: list[str]  # new or changed cards
    removed: list[str]


def difference(before: dict[str, str], now: dict[str, str]) -> Changes:
    changed = sorted(name for name, tag in now.items() if before.get(name) != tag)
    removed = sorted(name for name in before if name not in now)
    return Changes(changed, removed)
