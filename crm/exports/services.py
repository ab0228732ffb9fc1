"""Exports of filtered person and organisation lists: CSV (German Excel), XLSX, vCard, ZIP.

Everything streams: persons are read with yield_per in chunks, each chunk's further
details are read in one query, and the text goes out as it is made.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from datetime import datetime
from typing import Iterator

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from crm.contacts.models import Affiliation, Organisation, Person
from crm.contacts.services import ContactFilters, organisation_list_query, person_list_query
from crm.core.formatting import display_phone
from crm.extensions import db
from crm.imports.models import ContactDetail
from crm.interop.dedupe import fold
from crm.interop.vcard import organisation_vcard_for, vcard_for

# persons read at a time: 500 costs no time against 1,000 and some 10 MB less peak memory (bench, issue 17)
CHUNK = 500


def persons_query(filters: ContactFilters | None = None, ids=None) -> Select:
    """The person list's query for these filters, with what the exports need; `ids` (a list, or a
    SELECT of ids such as the recipients of a Verteiler's use) narrows it further."""
    stmt = person_list_query(filters or ContactFilters())
    if ids is not None:
        stmt = stmt.where(Person.id.in_(ids))
    return stmt.options(selectinload(Person.tags), selectinload(Person.fields_of_action),
                        selectinload(Person.target_groups))


def organisations_query(filters: ContactFilters | None = None, ids=None) -> Select:
    stmt = organisation_list_query(filters or ContactFilters())
    if ids is not None:
        stmt = stmt.where(Organisation.id.in_(ids))
    return stmt.options(selectinload(Organisation.tags), selectinload(Organisation.fields_of_action),
                        selectinload(Organisation.target_groups))


# SQLite page cache of the export's connection while it reads (KiB, as PRAGMA cache_size takes it negative)
EXPORT_SQLITE_CACHE_KIB = 2048


class ExportSession(Session):
    """On SQLite, the export reads every page of the persons once; the connection's page cache
    (64 MiB, crm/__init__.py, for the search index) would keep them all, some 40 MB of the peak of a
    100,000-person export. While the export reads, the cache is SQLite's usual 2 MiB; its size is
    put back when the session is closed."""

    def begin_export(self) -> "ExportSession":
        self._sqlite_cache = None
        if self.get_bind().dialect.name == "sqlite":
            connection = self.connection()
            self._sqlite_cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
            connection.exec_driver_sql(f"PRAGMA cache_size=-{EXPORT_SQLITE_CACHE_KIB}")
        return self

    def close(self) -> None:
        cache, self._sqlite_cache = getattr(self, "_sqlite_cache", None), None
        try:
            if cache is not None:
                self.connection().exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
        finally:
            super().close()  # also when the connection failed: the session is closed all the same


def export_session() -> Session:
    """A session of its own for a streamed export.

    The response body is produced after the view has returned, outside the request and app
    context, so the export must not depend on the request's scoped session. Closed at the end.
    """
    return ExportSession(bind=db.engine, autoflush=False, expire_on_commit=False,
                         join_transaction_mode="rollback_only").begin_export()


def stream_chunks(stmt: Select, session: Session) -> Iterator[list]:
    """Lists of at most CHUNK records; earlier chunks are let go (and expunged) as we move on.

    Letting go must free them at once: a function (Affiliation) and its person refer to each other
    (function_name reads `affiliation.person`), and such a cycle is only freed by a full garbage
    collection, which in a process of this size comes after some 100,000 new objects, so every
    chunk up to then stayed in memory (about 4 KB per person; issue 17). The link back to the
    person is dropped here, and a chunk goes by reference counting alone."""
    result = session.execute(stmt.execution_options(yield_per=CHUNK))
    for partition in result.scalars().partitions(CHUNK):
        yield partition
        _moved_on(session, len(partition))
        for obj in partition:
            if obj in session:
                session.expunge(obj)
        # related objects loaded for this chunk (functions) go as well; organisations and the
        # catalogues stay, later chunks need them again
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Affiliation):
                session.expunge(obj)
                # detached and never used again: forget the loaded person (no SQL, no change recorded)
                obj.__dict__.pop("person", None)
        del partition


def _moved_on(session: Session, count: int) -> None:
    """Tell an export job (session.info["on_chunk"], crm/exports/jobs.py) that `count` more records are done."""
    on_chunk = session.info.get("on_chunk")
    if on_chunk is not None:
        on_chunk(count)


def closing(session: Session, chunks: Iterator):
    """Yield from chunks; close the export session at the end or when the client goes away."""
    try:
        yield from chunks
    finally:
        session.close()


def _details_for(person_ids: list[int], session: Session) -> dict[int, list[tuple[str, str, str]]]:
    details = defaultdict(list)
    for d in session.execute(select(ContactDetail.person_id, ContactDetail.kind, ContactDetail.label,
                                       ContactDetail.value).where(ContactDetail.person_id.in_(person_ids))
                                .order_by(ContactDetail.id)):
        details[d.person_id].append((d.kind, d.label, d.value))
    return details


def vcard_stream(stmt: Select, session: Session, private: bool = True) -> Iterator[str]:
    for chunk in stream_chunks(stmt, session):
        details = _details_for([p.id for p in chunk], session)
        for person in chunk:
            yield vcard_for(person, extra=details.get(person.id, ()), private=private)


def vcard_bytes_stream(stmt: Select, session: Session, private: bool = True) -> Iterator[bytes]:
    buffer = []
    size = 0
    for card in vcard_stream(stmt, session, private):
        buffer.append(card)
        size += len(card)
        if size > 64 * 1024:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def organisation_vcard_bytes_stream(stmt: Select, session: Session) -> Iterator[bytes]:
    """Company cards (X-ABShowAs:COMPANY) for the organisations of the list, in chunks."""
    for chunk in stream_chunks(stmt, session):
        yield "".join(organisation_vcard_for(org) for org in chunk).encode("utf-8")


def organisation_vcard_filename(org) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", fold(org.name)).strip("_")[:60]
    return f"{base or 'organisation'}_{org.id}.vcf"


def vcard_filename(person) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", fold(f"{person.last_name}_{person.first_name}")).strip("_")
    return f"{base or 'kontakt'}_{person.id}.vcf"


class _ZipSink(io.RawIOBase):
    """A write-only, unseekable stream: zipfile writes into it, we hand out what it wrote."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self):
        return True

    def write(self, data):
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


def vcard_zip_stream(stmt: Select, session: Session, private: bool = True) -> Iterator[bytes]:
    """A ZIP with one .vcf per person (Outlook imports only the first card of a file)."""
    sink = _ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        used = set()
        for chunk in stream_chunks(stmt, session):
            details = _details_for([p.id for p in chunk], session)
            for person in chunk:
                name = vcard_filename(person)
                if name in used:
                    continue
                used.add(name)
                info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, vcard_for(person, extra=details.get(person.id, ()), private=private)
                                 .encode("utf-8"))
            yield sink.take()
    yield sink.take()


# ----------------------------------------------------------------------------- tables


def person_header() -> list[str]:
    return [_("ID"), _("Salutation (Herr/Frau)"), _("Academic degree"), _("First name"), _("Nobility particle"),
            _("Last name"), _("Name suffix"), _("Function"), _("Organisation"), _("Department"), _("Street and number"),
            _("Postcode"), _("City"), _("E-mail"), _("Phone"), _("Mobile"), _("E-mail (private)"),
            _("Phone (private)"), _("Mobile (private)"), _("Street (private)"), _("Postcode (private)"),
            _("City (private)"), _("Letter salutation"), _("Fields of action"), _("Target groups"), _("Tags"),
            _("Archived")]


def person_rows(stmt: Select, session: Session, private: bool = True) -> Iterator[list]:
    """The rows of the person export; `private=False` leaves the confidential columns empty."""
    from crm.contacts.salutation import letter_salutation

    salutations = {"male": "Herr", "female": "Frau"}
    for chunk in stream_chunks(stmt, session):
        for p in chunk:
            aff = p.primary_affiliation
            a = p.addressee(aff) if aff else None
            yield [
                p.id, salutations.get(p.gender, ""), p.degree, p.first_name, p.nobility, p.last_name, p.name_suffix,
                aff.function_name if aff else "", aff.organisation.name if aff else "",
                aff.department if aff else "", a.street if a else "", a.postcode if a else "", a.city if a else "",
                aff.effective_email if aff else "", display_phone(aff.effective_phone) if aff else "",
                display_phone(aff.mobile) if aff else "",
                *((p.email, display_phone(p.phone), display_phone(p.mobile), p.street, p.postcode, p.city)
                  if private else ("",) * 6),
                letter_salutation(p.addressee(aff)), [f.name for f in p.fields_of_action],
                [t.name for t in p.target_groups], [t.name for t in p.tags],
                p.archived_at is not None,
            ]


def organisation_header() -> list[str]:
    return [_("ID"), _("Name"), _("Short name"), _("Kind"), _("Sector"), _("AGS"), _("Part of"),
            _("Street and number"), _("PO box"), _("Postcode"), _("City"), _("Country"), _("E-mail"), _("Phone"),
            _("Fax"), _("Website"), _("Fields of action"), _("Target groups"), _("Tags"), _("Archived")]


def organisation_rows(stmt: Select, session: Session) -> Iterator[list]:
    """Rows of the organisation export; labels of kinds and sectors in the current language."""
    from crm.contacts.models import ORGANISATION_KINDS, SECTORS

    kinds = {k: str(v) for k, v in ORGANISATION_KINDS.items()}  # translated now, in the request
    sectors = {k: str(v) for k, v in SECTORS.items()}
    return _organisation_rows(stmt, session, kinds, sectors)


def _organisation_rows(stmt, session, kinds, sectors) -> Iterator[list]:
    result = session.execute(stmt.execution_options(yield_per=CHUNK))
    for chunk in result.scalars().partitions(CHUNK):
        for o in chunk:
            yield [o.id, o.name, o.short_name, kinds.get(o.kind, o.kind), sectors.get(o.sector, o.sector), o.ags,
                   o.parent.name if o.parent else "",
                   o.street, o.po_box, o.postcode, o.city, o.country, o.email, display_phone(o.phone),
                   display_phone(o.fax), o.website,
                   [f.name for f in o.fields_of_action], [t.name for t in o.target_groups], [t.name for t in o.tags],
                   o.archived_at is not None]
        _moved_on(session, len(chunk))


def export_filename(base: str, extension: str) -> str:
    return f"{base}-{datetime.now().strftime('%Y-%m-%d')}.{extension}"
