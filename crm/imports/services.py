"""Import of CSV, XLSX and vCard files: upload -> column assignment -> preview with
validation, duplicate matches and a choice per row -> one all-or-nothing commit -> log and undo.

Nothing in the contact database changes before the commit; the upload and the preview only
write the import's own bookkeeping (import_batch, import_row). Services flush; views commit.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Text, bindparam, cast, delete, func, insert, select, update

from crm.contacts.models import (
    Affiliation,
    FieldOfAction,
    FunctionTitle,
    Organisation,
    Person,
    Tag,
    TargetGroup,
    organisation_tag,
    person_field,
    person_tag,
    person_target_group,
)
from crm.contacts.search import (
    ORGANISATION,
    ORGANISATION_ARCHIVED,
    PERSON,
    PERSON_ARCHIVED,
    PersonRows,
    SearchToken,
    index_new_persons,
    reindex_organisations,
    reindex_persons,
)
from crm.core import time as clock
from crm.core.audit import AuditLog, audit_row, current_actor, record_audit
from crm.core.converters import parse_id
from crm.core.errors import DomainError
from crm.core.models import utcnow
from crm.extensions import db
from crm.imports.bulk import CONTACT_TABLES, bulk_insert, bulk_insert_stream, bulk_step, refresh_planner_statistics
from crm.imports.compare import Change, decide, organisation_changes, person_changes
from crm.imports.fields import (
    N_,
    compact_record,
    full_record,
    organisation_key,
    record_from_row,
    record_is_organisation,
    suggest_mapping,
    validate_record,
)
from crm.imports.models import ContactDetail, ImportBatch, ImportRow, SavedMapping
from crm.interop.dedupe import (
    DuplicateIndex,
    OrganisationRecord,
    PersonRecord,
    address_key,
    compare_persons,
    fold,
)
from crm.interop.tabular import TableError, read_table
from crm.interop.vcard import VCardFileError, parse_vcards
from crm.interop.vcard_records import record_from_vcard

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
UPDATE_THRESHOLD = 90  # a match this strong is proposed as "update" in the preview
STRONG_NAME_ORG_SCORE = 75  # the same name at the same organisation (or e-mail, phone) is proposed as well
CHUNK = 5000


class ImportProblem(DomainError):
    """Something the user has to fix; msgid + params are translated where shown (web) or not (CLI)."""

    def __init__(self, msgid: str, field: str | None = None, **params):
        super().__init__(msgid % params if params else msgid, field)
        self.msgid = msgid
        self.params = params
        self.field = field


def max_upload_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def megabytes(size: int) -> str:
    """A size in MB as the user's locale writes it: "10", "2,5"."""
    from flask_babel import format_decimal

    return format_decimal(round(size / 1024 / 1024, 1), format="#,##0.#")


# ----------------------------------------------------------------------------- upload


def looks_like_vcard(filename: str, data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \r\n\t").upper()
    return filename.lower().endswith((".vcf", ".vcard")) or head.startswith(b"BEGIN:VCARD")


@bulk_step
def start_import(filename: str, data: bytes) -> ImportBatch:
    """Read an uploaded file into a new import batch (rows as read, nothing mapped yet).

    vCards need no column assignment and go straight to the preview.
    """
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:255]
    if len(data) > max_upload_bytes():
        raise ImportProblem(N_("The file is larger than %(limit)s MB."), "file",
                            limit=megabytes(max_upload_bytes()))
    if not data or not data.strip():
        raise ImportProblem(N_("The file is empty."), "file")
    user_id, user_name = current_actor()
    batch = ImportBatch(filename=filename, created_by_id=user_id, created_by_name=user_name)
    if looks_like_vcard(filename, data):
        try:
            parsed = parse_vcards(data)
        except VCardFileError:
            raise ImportProblem(N_("This file contains no vCard."), "file") from None
        if not parsed.contacts:
            raise ImportProblem(N_("No card in this file could be read."), "file")
        batch.source = "vcard"
        batch.problems = [[e.position, e.line, e.message] for e in parsed.errors]
        batch.row_count = len(parsed.contacts)
        db.session.add(batch)
        db.session.flush()
        records = []
        for contact in parsed.contacts:
            record = record_from_vcard(contact)
            records.append((contact.position, _vcard_summary(contact), record))
        _stage(batch, records, lenient=True)
        return batch
    try:
        table = read_table(data, filename)
    except TableError as exc:
        raise ImportProblem(exc.msgid, "file", **exc.params) from None
    batch.source = table.kind
    batch.encoding = table.encoding
    batch.delimiter = table.delimiter
    batch.header = table.header
    batch.samples = table.rows[:3]
    batch.row_count = len(table.rows)
    batch.source_data = data  # rows are read again from the file when the columns are assigned
    batch.status = "mapping"
    db.session.add(batch)
    db.session.flush()
    return batch


def _vcard_summary(contact) -> list[str]:
    """What the card said, in short, for the preview's "in the file" column."""
    name = contact.formatted_name or " ".join(p for p in (contact.given, contact.family) if p)
    org = ", ".join(o for o, _ in contact.organisations)
    lines = [x for x in (name, org, ", ".join(contact.titles)) if x]
    lines += [e.value for e in contact.emails] + [p.value for p in contact.phones]
    lines += [a.one_line() for a in contact.addresses]
    return lines


# ----------------------------------------------------------------------------- mapping


def mapping_for(batch: ImportBatch, saved: SavedMapping | None = None) -> dict[int, str]:
    """The batch's current assignment, or one from a saved mapping, or the suggestion."""
    if saved is not None:
        by_header = {h: t for h, t in saved.columns.items()}
        return {i: by_header[h] for i, h in enumerate(batch.header) if by_header.get(h)}
    if batch.mapping:
        return {int(k): v for k, v in batch.mapping.items() if v}
    return suggest_mapping(batch.header)


def save_mapping(name: str, batch: ImportBatch, mapping: dict[int, str]) -> SavedMapping:
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ImportProblem(N_("Please enter a name for the mapping."), "mapping_name")
    columns = {batch.header[i]: target for i, target in mapping.items() if target and i < len(batch.header)}
    saved = db.session.scalar(select(SavedMapping).where(SavedMapping.name == name))
    _, user_name = current_actor()
    if saved is None:
        saved = SavedMapping(name=name, created_by_name=user_name)
        db.session.add(saved)
    saved.columns = columns
    db.session.flush()
    return saved


def find_saved_mapping(name: str) -> SavedMapping | None:
    return db.session.scalar(select(SavedMapping).where(SavedMapping.name == name))


@bulk_step
def apply_mapping(batch: ImportBatch, mapping: dict[int, str]) -> None:
    """Build, validate and match every row with this column assignment; the batch becomes a preview."""
    if batch.status not in ("mapping", "preview") or batch.source == "vcard":
        raise ImportProblem(N_("This import can no longer be changed."))
    targets = [t for t in mapping.values() if t]
    if not any(t in targets for t in ("last_name", "full_name", "first_name", "organisation")):
        raise ImportProblem(N_("Please assign at least the last name (or a full name, or the organisation)."),
                            "mapping")
    batch.mapping = {str(i): t for i, t in mapping.items() if t}
    table = read_table(batch.source_data or b"", batch.filename)
    t = ImportRow.__table__
    db.session.execute(delete(t).where(t.c.batch_id == batch.id))  # an earlier preview of this file
    records = [(position, row, record_from_row(row, mapping)) for position, row in enumerate(table.rows, start=1)]
    _stage(batch, records, lenient=False)


def _catalogue_names(model) -> dict[str, str]:
    return {fold(name): name for name in db.session.scalars(select(model.name))}


def _stage(batch: ImportBatch, records: list[tuple[int, list, dict]], lenient: bool) -> None:
    """Validate and match the records and store them as the batch's preview rows."""
    lookups = _PreviewLookups(
        region=current_app.config.get("PHONE_DEFAULT_REGION", "DE"),
        catalogues=(
            ("fields_of_action", _catalogue_names(FieldOfAction),
             N_("Field of action “%(value)s” is not in the catalogue; left out.")),
            ("target_groups", _catalogue_names(TargetGroup),
             N_("Target group “%(value)s” is not in the catalogue; left out.")),
        ),
        indexes=load_match_indexes(),
        org_keys=organisation_keys(),
    )
    counts = {"create": 0, "update": 0, "skip": 0, "errors": 0, "warnings": 0, "duplicates": 0}
    # The rows are written as they are made: on PostgreSQL through one COPY that the server works
    # through while the next rows are validated and matched.
    rows = _preview_rows(batch.id, records, lenient, lookups, counts)
    batch.row_count = bulk_insert_stream(db.session.connection(), ImportRow.__table__, rows)
    batch.status = "preview"
    batch.counts = counts  # what preview_counts() would count in the rows just written
    db.session.flush()
    db.session.expire(batch, ["rows"])


@dataclass
class _PreviewLookups:
    region: str
    catalogues: tuple  # (record key, folded name -> catalogue name, warning) for fields of action, target groups
    indexes: tuple[DuplicateIndex, DuplicateIndex]  # persons, organisations
    org_keys: dict[str, tuple[int, str]]


def _preview_rows(batch_id: int, records, lenient: bool, lookups: _PreviewLookups, counts: dict):
    """The import rows of the records, validated and matched one by one (no query in here: the rows
    are written while they are made). `counts` is kept as preview_counts() would count."""
    persons, organisations = lookups.indexes
    org_keys = lookups.org_keys
    # earlier rows of the same file: only strong matches are reported, so e-mail and phone suffice
    in_file = DuplicateIndex([], compare_persons, UPDATE_THRESHOLD, contact_keys_only=True)
    in_file_labels: dict[str, int] = {}
    for position, raw, record in records:
        errors, warnings = validate_record(record, lenient=lenient, region=lookups.region)
        for key, catalogue, message in lookups.catalogues:
            if not record[key]:
                continue
            known = []
            for name in record[key]:
                if fold(name) in catalogue:
                    known.append(catalogue[fold(name)])
                else:
                    warnings.append([key, message, {"value": name}])
            record[key] = known
        kind = "organisation" if record_is_organisation(record) else "person"
        matches = []
        if not errors:
            if kind == "person":
                key = f"row{position}"
                probe = person_record_of(record, key)
                found = persons.matches(probe, limit=3)
                matches = found_as_dicts(found, persons)
                known_id = record.get("record_id")
                if known_id and known_id in persons.by_id:
                    # From our own export the ID names the person; an "ID" column of some other list
                    # (a member number) must not: the names have to agree as well.
                    score, reasons = compare_persons(probe, persons.by_id[known_id])
                    if any(r.code == "name" and r.value >= 80 for r in reasons):
                        matches = [{"id": known_id, "score": 100, "reasons": [["id"]],
                                    "label": persons.labels[known_id]}]
                        matches += [m for m in found_as_dicts(found, persons) if m["id"] != known_id][:2]
                    else:
                        warnings.append(["record_id", N_("The ID %(id)s belongs to someone else (%(label)s); "
                                                         "it is not used."),
                                         {"id": known_id, "label": persons.labels[known_id]}])
                earlier = in_file.matches(probe, limit=1)
                if earlier and earlier[0].score >= UPDATE_THRESHOLD:
                    warnings.append(["", N_("Looks like row %(row)s of this file."),
                                     {"row": in_file_labels[earlier[0].b]}])
                in_file_labels[key] = position
                in_file.add(probe)
            else:
                probe = organisation_record_of(record, f"row{position}")
                found = organisations.matches(probe, limit=3)
                matches = found_as_dicts(found, organisations)
            if record["organisation"]:
                known_org = org_keys.get(organisation_key(record["organisation"]))
                if known_org is not None:
                    # what the commit will do: this existing organisation, not a new one
                    record["organisation_id"] = known_org[0]
                    if kind == "organisation" and known_org[0] not in {m["id"] for m in matches}:
                        matches = [{"id": known_org[0], "score": 100, "reasons": [["name", 100]],
                                    "label": organisations.labels.get(known_org[0], known_org[1])}] + matches[:2]
        if errors:
            action, target = "skip", None
        elif matches and is_strong_match(matches[0]):
            action, target = "update", matches[0]["id"]
        else:
            action, target = "create", None
        counts[action] += 1
        counts["errors"] += bool(errors)
        counts["warnings"] += bool(warnings)
        counts["duplicates"] += bool(matches)
        yield {"batch_id": batch_id, "position": position, "raw": raw, "data": compact_record(record), "kind": kind,
               "errors": errors, "warnings": warnings, "matches": matches, "action": action, "target_id": target,
               "result": {}}


def is_strong_match(match: dict) -> bool:
    """A match the preview proposes to update: very similar, or the same name at the same organisation."""
    if match["score"] >= UPDATE_THRESHOLD:
        return True
    reasons = {r[0]: (r[1] if len(r) > 1 else None) for r in match["reasons"]}
    return (match["score"] >= STRONG_NAME_ORG_SCORE and (reasons.get("name") or 0) >= 90
            and ("organisation" in reasons or "email" in reasons or "phone" in reasons))


def organisation_keys() -> dict[str, tuple[int, str]]:
    """organisation_key(name) -> (id, name) of every organisation; active ones and older ones first."""
    o = Organisation.__table__.c
    keys: dict[str, tuple[int, str]] = {}
    for oid, name in db.session.execute(select(o.id, o.name).order_by(o.archived_at.is_not(None), o.id)):
        keys.setdefault(organisation_key(name), (oid, name))
    return keys


def found_as_dicts(found, index) -> list[dict]:
    return [{"id": m.b, "score": m.score, "reasons": [r.as_list() for r in m.reasons],
             "label": index.labels.get(m.b, "")} for m in found]


def preview_counts(batch: ImportBatch) -> dict:
    t = ImportRow.__table__
    counts = {"create": 0, "update": 0, "skip": 0}
    for action, n in db.session.execute(
        select(t.c.action, func.count()).where(t.c.batch_id == batch.id).group_by(t.c.action)
    ):
        counts[action] = n
    # rows with errors, warnings or matches (the JSON lists compared as text: "[]" is empty)
    for key, column in (("errors", t.c.errors), ("warnings", t.c.warnings), ("duplicates", t.c.matches)):
        counts[key] = db.session.scalar(select(func.count()).select_from(t).where(
            t.c.batch_id == batch.id, cast(column, Text) != "[]"))
    return counts


# ----------------------------------------------------------------------------- matching


def person_record_of(record: dict, key) -> PersonRecord:
    return PersonRecord(
        id=key, first_name=record["first_name"], last_name=record["last_name"],
        emails=(record["email"], record["private_email"]),
        phones=(record["phone"], record["mobile"], record["private_phone"], record.get("private_mobile", "")),
        addresses=(address_key(record["postcode"], record["street"]),
                   address_key(record.get("private_postcode"), record.get("private_street"))),
        organisations=(organisation_key(record["organisation"]),) if record["organisation"] else (),
    )


def organisation_record_of(record: dict, key) -> OrganisationRecord:
    return OrganisationRecord(id=key, name=record["organisation"], emails=(record["email"],),
                              phones=(record["phone"],), addresses=(address_key(record["postcode"], record["street"]),))


def load_person_records(active_only: bool = False, org_keys: str = "name") -> tuple[list[PersonRecord], dict]:
    """Every person as a duplicate-check record (one query per table, no ORM objects), and labels.
    Rows are unpacked as tuples: at 100,000 persons, access by column name costs more than the query."""
    conn = db.session.connection()
    p = Person.__table__.c
    stmt = select(p.id, p.first_name, p.last_name, p.nobility, p.degree, p.email, p.phone, p.mobile, p.street,
                  p.postcode)
    if active_only:
        stmt = stmt.where(p.archived_at.is_(None))
    people = {}
    labels = {}
    for pid, first, last, nobility, degree, email, phone, mobile, street, postcode in conn.execute(stmt):
        # first, last, emails, phones, addresses, organisations
        people[pid] = (first, last, [email], [phone, mobile], [address_key(postcode, street)], [])
        labels[pid] = " ".join([x for x in (degree, first, nobility, last) if x])
    a, o = Affiliation.__table__.c, Organisation.__table__.c
    today = clock.today()
    org_names = dict(conn.execute(select(o.id, o.name)).all())
    keys = {oid: organisation_key(name) for oid, name in org_names.items()} if org_keys == "name" else {}
    for person_id, org_id, email, phone, mobile, street, postcode in conn.execute(
        select(a.person_id, a.organisation_id, a.email, a.phone, a.mobile, a.street, a.postcode)
        .where((a.valid_to.is_(None)) | (a.valid_to >= today))
    ):
        person = people.get(person_id)
        if person is None:
            continue
        person[2].append(email)
        person[3].extend((phone, mobile))
        if street:
            person[4].append(address_key(postcode, street))
        orgs = person[5]
        orgs.append(keys.get(org_id, "") if org_keys == "name" else str(org_id))
        if len(orgs) == 1:
            labels[person_id] += f" ({org_names.get(org_id, '')})"
    records = [
        PersonRecord(pid, first, last, tuple(emails), tuple(phones), tuple(addresses), tuple(orgs))
        for pid, (first, last, emails, phones, addresses, orgs) in people.items()
    ]
    return records, labels


def load_organisation_records(active_only: bool = False) -> tuple[list[OrganisationRecord], dict]:
    conn = db.session.connection()
    o = Organisation.__table__.c
    stmt = select(o.id, o.name, o.email, o.phone, o.street, o.postcode, o.city)
    if active_only:
        stmt = stmt.where(o.archived_at.is_(None))
    records, labels = [], {}
    for row in conn.execute(stmt):
        records.append(OrganisationRecord(id=row.id, name=row.name, emails=(row.email,), phones=(row.phone,),
                                          addresses=(address_key(row.postcode, row.street),)))
        labels[row.id] = f"{row.name} ({row.city})" if row.city else row.name
    return records, labels


def load_match_indexes() -> tuple[DuplicateIndex, DuplicateIndex]:
    records, labels = load_person_records()
    persons = DuplicateIndex.for_persons(records)
    persons.labels = labels
    persons.by_id = {r.id: r for r in persons.records}
    org_records, org_labels = load_organisation_records()
    organisations = DuplicateIndex.for_organisations(org_records)
    organisations.labels = org_labels
    return persons, organisations


# ----------------------------------------------------------------------------- choices


def set_row_actions(batch: ImportBatch, choices: dict[int, str]) -> int:
    """choices: row id -> "create" | "skip" | "update:<id>". Returns how many rows changed."""
    if batch.status != "preview":
        raise ImportProblem(N_("This import can no longer be changed."))
    if not choices:
        return 0
    rows = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id,
                                                     ImportRow.id.in_(list(choices)))).all()
    changed = 0
    for row in rows:
        choice = choices[row.id]
        action, _, target = choice.partition(":")
        if action not in ("create", "update", "skip"):
            continue
        if row.errors and action != "skip":
            continue  # a row with errors can only be skipped
        target_id = parse_id(target) if action == "update" else None
        if action == "update" and target_id not in {m["id"] for m in row.matches}:
            continue
        if (row.action, row.target_id) != (action, target_id):
            row.action, row.target_id = action, target_id
            changed += 1
    db.session.flush()
    batch.counts = preview_counts(batch)
    return changed


def set_field_choices(batch: ImportBatch, choices: dict[int, dict[str, str]]) -> int:
    """choices: row id -> {change key: "old" | "new"} (which value wins, field by field)."""
    if batch.status != "preview":
        raise ImportProblem(N_("This import can no longer be changed."))
    if not choices:
        return 0
    rows = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id,
                                                     ImportRow.id.in_(list(choices)))).all()
    changed = 0
    for row in rows:
        wanted = {k: v for k, v in choices[row.id].items() if v in ("old", "new")}
        merged = dict((row.data or {}).get("field_choices") or {}, **wanted)
        if merged != (row.data or {}).get("field_choices"):
            row.data = dict(row.data or {}, field_choices=merged)  # a new dict: JSON columns see no mutation
            changed += 1
    db.session.flush()
    return changed


def preview_changes(rows: list[ImportRow]) -> dict[int, dict]:
    """For the preview page: row id -> {"changes": [...], "new_function": org name or ""} of the
    rows that update a contact (person or organisation), with the user's choices applied."""
    from sqlalchemy.orm import selectinload

    person_ids = {r.target_id for r in rows if r.action == "update" and r.kind == "person" and r.target_id}
    org_ids = {r.target_id for r in rows if r.action == "update" and r.kind == "organisation" and r.target_id}
    org_ids |= {r.data.get("organisation_id") for r in rows if r.action == "update" and r.kind == "person"
                and r.data.get("organisation_id")}
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_(person_ids)).options(
            selectinload(Person.affiliations).selectinload(Affiliation.function)))} if person_ids else {}
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))} \
        if org_ids else {}
    out: dict[int, dict] = {}
    for row in rows:
        if row.action != "update" or not row.target_id:
            continue
        record = full_record(row.data)
        if row.kind == "organisation":
            org = orgs.get(row.target_id)
            if org is not None:
                out[row.id] = {"changes": decide(organisation_update_changes(record, org),
                                                 record.get("field_choices")), "new_function": ""}
            continue
        person = people.get(row.target_id)
        if person is None:
            continue
        org_id = record.get("organisation_id")
        org = orgs.get(org_id) if org_id else None
        aff = None
        if org is not None:
            current = [a for a in person.affiliations if a.organisation_id == org.id and a.is_current]
            aff = current[0] if current else None
        new_function = record["organisation"] if record["organisation"] and aff is None else ""
        out[row.id] = {"changes": decide(update_changes(record, person, aff, org), record.get("field_choices")),
                       "new_function": new_function, "organisation_exists": org is not None}
    return out


def discard_import(batch: ImportBatch) -> None:
    if batch.status not in ("mapping", "preview"):
        raise ImportProblem(N_("An imported file cannot be discarded; undo the import instead."))
    db.session.execute(delete(ImportRow.__table__).where(ImportRow.__table__.c.batch_id == batch.id))
    db.session.delete(batch)
    db.session.flush()


# ----------------------------------------------------------------------------- commit

PERSON_COLUMNS = {
    # record key -> person column
    "gender": "gender", "degree": "degree", "first_name": "first_name", "nobility": "nobility",
    "last_name": "last_name", "name_suffix": "name_suffix", "salutation_override": "salutation_override",
    "private_email": "email", "private_phone": "phone", "private_mobile": "mobile", "private_street": "street",
    "private_postcode": "postcode", "private_city": "city", "private_country": "country", "notes": "notes",
    "expertise_note": "expertise_note",
}
AFFILIATION_COLUMNS = {"department": "department", "email": "email", "phone": "phone", "mobile": "mobile",
                       "street": "street", "postcode": "postcode", "city": "city"}
ORGANISATION_COLUMNS = {"organisation": "name", "street": "street", "postcode": "postcode", "city": "city",
                        "country": "country", "email": "email", "phone": "phone", "fax": "fax", "website": "website",
                        "notes": "notes"}


def _person_values(record: dict) -> dict:
    """Person columns from a record; without an organisation the business data is the person's own."""
    values = {column: record.get(key) or "" for key, column in PERSON_COLUMNS.items()}
    if not record["organisation"]:
        for key, column in (("email", "email"), ("phone", "phone"), ("mobile", "mobile"), ("street", "street"),
                            ("postcode", "postcode"), ("city", "city"), ("country", "country")):
            if record.get(key) and not values[column]:
                values[column] = record[key]
    values["gender"] = values["gender"] or "unknown"
    values["country"] = values["country"] or "DE"
    return values


def _extras(record: dict) -> list:
    """Further details of a person; fax and website belong to an organisation, else they land here."""
    extras = list(record.get("extras", []))
    if not record["organisation"]:
        if record.get("fax"):
            extras.append(["phone", "FAX", record["fax"]])
        if record.get("website"):
            extras.append(["web", "", record["website"]])
    return extras


def wanted_affiliation(record: dict, org) -> dict:
    """The function at the row's organisation as the row describes it (business data that only
    repeats the organisation's own is left out: the organisation's is shown anyway)."""
    values = {"function": record["function"], "department": record["department"], "email": "", "phone": "",
              "mobile": record["mobile"], "street": "", "postcode": "", "city": ""}
    org_email, org_phone = (org.email or "", org.phone or "") if org is not None else ("", "")
    if record["email"] and record["email"].lower() != org_email.lower():
        values["email"] = record["email"]
    if record["phone"] and record["phone"] != org_phone:
        values["phone"] = record["phone"]
    same_address = org is not None and fold(record["street"]) == fold(org.street) and \
        record["postcode"] == org.postcode
    if (record["street"] or record["city"]) and not same_address:
        values.update(street=record["street"], postcode=record["postcode"], city=record["city"])
    return values


def update_changes(record: dict, person, aff, org) -> list[Change]:
    """What updating `person` (an ORM Person) with the record would change, field by field.

    aff is the person's current function at the record's organisation (None: a new function
    would be added), org that organisation (anything with email, phone, street, postcode).
    """
    current = {c: getattr(person, c) for c in set(PERSON_COLUMNS.values())}
    wanted_aff = current_aff = None
    names: tuple[str, ...] = ()
    if aff is not None:
        wanted_aff = wanted_affiliation(record, org)
        current_aff = {c: getattr(aff, c) for c in ("department", "email", "phone", "mobile", "street", "postcode",
                                                    "city")}
        current_aff["function"] = aff.function_name
        function = aff.function
        names = (aff.function_label,) + ((function.name_male, function.name_female, function.name_neutral)
                                          if function is not None else ())
    return person_changes(_person_values(record), current, wanted_aff, current_aff, names)


def organisation_update_changes(record: dict, org) -> list[Change]:
    wanted = {column: record.get(key) or "" for key, column in ORGANISATION_COLUMNS.items()}
    current = {column: getattr(org, column) for column in ORGANISATION_COLUMNS.values()}
    return organisation_changes(wanted, current)


def _guess_org_kind(name: str) -> tuple[str, str]:
    folded = fold(name)
    if re.search(r"\b(gmbh|ag|kg|ohg|ug|e\.? ?k\.?|gbr|mbh)\b", folded):
        return "company", "economy"
    if re.search(r"\be\.? ?v\.?$|\bverein\b", folded):
        return "association", "civil_society"
    if re.match(r"(gemeinde|markt|stadt) ", folded):
        return "municipality", "public"
    if re.match(r"(landkreis|landratsamt) ", folded):
        return "district", "public"
    return "other", "civil_society"


def _apply_change(record, change, before: dict) -> None:
    """Write a field change the file won onto a person or organisation; `before` keeps the old values
    (for the undo). Notes are appended, an empty country means Germany."""
    for column, value in zip(change.columns, change.new):
        current = getattr(record, column)
        if column == "notes" and current:
            value = f"{current}\n\n{value}"
        elif column == "country":
            value = value or "DE"
        if value != current:
            before.setdefault(column, current)
            setattr(record, column, value)


@dataclass
class _PlainRow:
    id: int
    position: int
    data: dict
    kind: str
    action: str
    target_id: int | None


@dataclass
class _OrgInfo:
    id: int
    name: str
    street: str
    postcode: str
    city: str
    email: str
    phone: str
    short_name: str
    sort_name: str


def _org_lookup_columns():
    o = Organisation.__table__.c
    return (o.id, o.name, o.street, o.postcode, o.city, o.email, o.phone, o.short_name, o.sort_name)


class _Committer:
    """Does the commit of one batch; keeps the lookups (organisations, tags, functions) in memory."""

    def __init__(self, batch: ImportBatch, progress=None, total: int = 0):
        self.batch = batch
        self.progress = progress  # progress(done, total) or None (the command line)
        self.total = total
        self.step = max(1, total // 50)  # about 50 reports per import, whatever its size
        self.done = 0
        self.conn = db.session.connection()
        self.now = utcnow()
        self.today = clock.today()
        self.user_id, self.user_name = current_actor()
        o = Organisation.__table__.c
        self.orgs = {}
        self.org_by_id = {}
        for row in self.conn.execute(select(*_org_lookup_columns()).order_by(o.archived_at.is_not(None), o.id)):
            info = _OrgInfo(*row)
            self.orgs.setdefault(organisation_key(row.name), info)
            self.org_by_id[row.id] = info
        self.created_orgs: list[int] = []
        self.created_keys: set[str] = set()
        self.claimed_keys: set[str] = set()  # created organisations already reported by a row
        self.reindex_later: set[int] = set()
        self.new_person_rows = PersonRows([], [], [])  # what create_people wrote, for the search index
        f = FunctionTitle.__table__.c
        self.functions = {}
        self.function_names = {}
        self.function_titles = {}  # id -> (name_male, name_female, is_key_function), for the search index
        for row in self.conn.execute(select(f.id, f.name_male, f.name_female, f.name_neutral, f.is_key_function)):
            self.function_names[row.id] = f"{row.name_male} / {row.name_female}"
            self.function_titles[row.id] = (row.name_male, row.name_female, row.is_key_function)
            for name in (row.name_male, row.name_female, row.name_neutral):
                if name:
                    self.functions.setdefault(fold(name), row.id)
        self.tags = {}
        self.tag_names = {}  # id -> name as stored, for the search index
        for tag_id, name in self.conn.execute(select(Tag.id, Tag.name)):
            self.tags[fold(name)] = tag_id
            self.tag_names[tag_id] = name
        self.fields = {fold(r.name): r.id for r in self.conn.execute(select(FieldOfAction.id, FieldOfAction.name))}
        self.groups = {fold(r.name): r.id for r in self.conn.execute(select(TargetGroup.id, TargetGroup.name))}
        self.audit: list[dict] = []
        self.source = f"Import: {batch.filename}"[:300]

    def tick(self, count: int = 1, force: bool = False) -> None:
        """`count` more rows are done; reports every `step` rows (and when forced)."""
        before = self.done
        self.done += count
        if self.progress is not None and (force or self.done // self.step != before // self.step):
            self.progress(min(self.done, self.total), self.total)

    def audit_row(self, action, entity, entity_id, label, changes):
        """One audit row for a record inserted in bulk (the ORM hooks do not see those)."""
        plain = {}
        for key, (old, new) in changes.items():
            if key == "organisation_id" and new in self.org_by_id:
                new = self.org_by_id[new].name
            elif key == "function_id" and new:
                new = self.function_names.get(new, new)
            elif hasattr(new, "isoformat"):
                new = new.isoformat()
            plain[key] = [old, new]
        self.audit.append(audit_row(entity, entity_id, action, plain, label=label,
                                    actor=(self.user_id, self.user_name), at=self.now))

    # -- catalogues

    def tag_ids(self, names: list[str]) -> list[int]:
        ids = []
        for name in names:
            key = fold(name)
            if key not in self.tags:
                self.tags[key] = self.conn.execute(insert(Tag.__table__).values(name=name[:120])
                                                   .returning(Tag.__table__.c.id)).scalar_one()
                self.tag_names[self.tags[key]] = name[:120]
            ids.append(self.tags[key])
        return list(dict.fromkeys(ids))

    def _new_organisation_values(self, record: dict) -> dict:
        kind, sector = _guess_org_kind(record["organisation"])
        values = {
            "name": record["organisation"][:200], "short_name": "", "kind": kind, "sector": sector, "ags": "",
            "parent_id": None, "municipality_id": None,
            "street": record["street"], "po_box": "", "postcode": record["postcode"], "city": record["city"],
            "country": record["country"] or "DE", "email": "", "phone": "", "fax": record.get("fax", ""),
            "website": record.get("website", ""), "notes": "", "sort_name": fold(record["organisation"])[:200],
            "created_at": self.now, "updated_at": self.now, "archived_at": None,
        }
        if record_is_organisation(record):
            values.update(email=record["email"], phone=record["phone"], notes=record["notes"])
        return values

    def create_organisations(self, records: list[dict]) -> None:
        """Insert every organisation the records name and the database lacks, in bulk (first row wins,
        organisation rows first)."""
        wanted: dict[str, dict] = {}
        # a row (or card) of the organisation itself wins over a person's row naming it
        for record in sorted(records, key=lambda r: not record_is_organisation(r)):
            names = [(record["organisation"], record)] + [
                (org, dict(record, organisation=org, street="", postcode="", city="", country="", fax="",
                           website="", last_name=record["last_name"] or "-"))
                for org, _department, _function in record.get("more_affiliations", [])]
            for name, source in names:
                key = organisation_key(name)
                if name and key not in self.orgs and key not in wanted:
                    wanted[key] = self._new_organisation_values(source)
        if not wanted:
            return
        items = list(wanted.items())
        ids = bulk_insert(self.conn, Organisation.__table__, [values for _, values in items], return_ids=True)
        for (key, values), oid in zip(items, ids):
            info = _OrgInfo(oid, values["name"], values["street"], values["postcode"], values["city"],
                            values["email"], values["phone"], values["short_name"], values["sort_name"])
            self.orgs[key] = self.org_by_id[oid] = info
            self.created_orgs.append(oid)
            self.created_keys.add(key)
            self.audit_row("create", "organisation", oid, values["name"],
                           {k: [None, v] for k, v in values.items()
                            if v and k not in ("id", "sort_name", "created_at", "updated_at")})

    def organisation_for(self, record: dict) -> tuple[int, bool]:
        """Id of the organisation named in the record (created beforehand by create_organisations)."""
        key = organisation_key(record["organisation"])
        if key not in self.orgs:
            self.create_organisations([record])
        return self.orgs[key].id, key in self.created_keys

    def affiliation_values(self, record: dict, person_id: int, org_id: int, primary: bool,
                           function: str = "", department: str | None = None) -> dict:
        org = self.org_by_id[org_id]
        values = {"person_id": person_id, "organisation_id": org_id, "function_id": None, "function_label": "",
                  "department": record["department"] if department is None else department, "email": "",
                  "phone": "", "mobile": "", "street": "", "postcode": "", "city": "", "valid_from": None,
                  "valid_to": None, "is_primary": primary, "created_at": self.now, "updated_at": self.now}
        function = record["function"] if department is None else function
        if function:
            function_id = self.functions.get(fold(function))
            if function_id:
                values["function_id"] = function_id
            else:
                values["function_label"] = function[:120]
        if department is None:
            # business data that only repeats the organisation's is left to the fallback
            if record["email"] and record["email"].lower() != (org.email or "").lower():
                values["email"] = record["email"]
            if record["phone"] and record["phone"] != org.phone:
                values["phone"] = record["phone"]
            values["mobile"] = record["mobile"]
            same_address = fold(record["street"]) == fold(org.street) and record["postcode"] == org.postcode
            if (record["street"] or record["city"]) and not same_address:
                values.update(street=record["street"], postcode=record["postcode"], city=record["city"])
        return values

    # -- rows

    def create_people(self, rows: list[ImportRow]) -> dict[int, int]:
        """Bulk insert of new persons with their functions, tags and further details; row id -> person id."""
        person_rows = []
        for row in rows:
            values = _person_values(row.data)
            values.update(formal=True, legal_basis="", data_source=self.source, data_collected_on=self.today,
                          last_reviewed_on=None, contact_objection=False, archived_at=None,
                          sort_name=fold(f"{values['last_name']} {values['first_name']}")[:220],
                          created_at=self.now, updated_at=self.now)
            # the list's city sort key as the search index keeps it (own city, else the primary
            # function's organisation's), so reindexing finds nothing to correct
            city = values["city"]
            if not city and row.data["organisation"]:
                city = self.org_by_id[self.organisation_for(row.data)[0]].city
            values["sort_city"] = fold(city)[:100] or None
            person_rows.append(values)
        ids = bulk_insert(self.conn, Person.__table__, person_rows, return_ids=True)
        affiliations, tags, fields, groups, details = [], [], [], [], []
        created = {}
        for row, person_id, values in zip(rows, ids, person_rows):
            record = row.data
            created[row.id] = person_id
            self.tick()
            label = " ".join(x for x in (values["degree"], values["first_name"], values["nobility"],
                                         values["last_name"]) if x)
            changes = {k: [None, v] for k, v in values.items()
                       if v not in ("", None, False) and k not in ("id", "sort_name", "sort_city", "created_at",
                                                                   "updated_at", "formal", "country")}
            if record["organisation"]:
                org_id, _ = self.organisation_for(record)
                affiliation = self.affiliation_values(record, person_id, org_id, True)
                affiliations.append(affiliation)
                # the first function is recorded with the person (one audit row per imported person)
                changes["organisation_id"] = [None, org_id]
                for key in ("function_id", "function_label", "department"):
                    if affiliation[key]:
                        changes[key] = [None, affiliation[key]]
            self.audit_row("create", "person", person_id, label, changes)
            for org_name, department, function in record.get("more_affiliations", []):
                if org_name:
                    org_id, _ = self.organisation_for(dict(record, organisation=org_name, street="", postcode="",
                                                           city="", country=""))
                    affiliations.append(self.affiliation_values(record, person_id, org_id, False, function,
                                                                department))
            tags += [{"person_id": person_id, "tag_id": t} for t in self.tag_ids(record["tags"])]
            fields += [{"person_id": person_id, "field_of_action_id": self.fields[fold(n)]}
                       for n in dict.fromkeys(record["fields_of_action"]) if fold(n) in self.fields]
            groups += [{"person_id": person_id, "target_group_id": self.groups[fold(n)]}
                       for n in dict.fromkeys(record["target_groups"]) if fold(n) in self.groups]
            details += [{"person_id": person_id, "kind": kind, "label": (label or "")[:60], "value": value[:500],
                         "import_batch_id": self.batch.id} for kind, label, value in _extras(record)]
        for table, items in ((Affiliation.__table__, affiliations), (person_tag, tags), (person_field, fields),
                             (person_target_group, groups), (ContactDetail.__table__, details)):
            bulk_insert(self.conn, table, items)
        self.new_person_rows = self.search_rows(person_rows, affiliations, tags)
        return created

    def search_rows(self, persons: list[dict], affiliations: list[dict], tags: list[dict]) -> PersonRows:
        """What the search index reads of the new persons, from the values just written."""
        no_title = (None, None, None)
        functions = []
        for aff in affiliations:
            org = self.org_by_id[aff["organisation_id"]]
            name_male, name_female, is_key = self.function_titles.get(aff["function_id"], no_title)
            functions.append((aff["person_id"], aff["function_label"], aff["department"], aff["email"], aff["phone"],
                              aff["mobile"], aff["city"], org.name, org.short_name, org.city, name_male, name_female,
                              is_key, aff["is_primary"], org.sort_name))
        return PersonRows(
            [(p["id"], p["first_name"], p["nobility"], p["last_name"], p["email"], p["phone"], p["mobile"], p["city"],
              p["gender"], None, p["sort_city"]) for p in persons],
            functions,
            [(t["person_id"], self.tag_names[t["tag_id"]]) for t in tags],
        )

    def update_people(self, rows: list[ImportRow]) -> dict[int, dict]:
        """Fill the chosen persons with their rows' values; row id -> what undo needs.

        Persons and their functions are loaded in one go and flushed once (a flush per row
        would reindex and audit each person on its own).
        """
        from sqlalchemy.orm import selectinload

        if not rows:
            return {}
        ids = list({row.target_id for row in rows})
        people = {}
        for start in range(0, len(ids), 1000):
            for person in db.session.scalars(select(Person).where(Person.id.in_(ids[start : start + 1000]))
                                             .options(selectinload(Person.affiliations)
                                                      .selectinload(Affiliation.function),
                                                      selectinload(Person.affiliations)
                                                      .selectinload(Affiliation.organisation))):
                people[person.id] = person
        detail_rows = db.session.execute(select(ContactDetail.person_id, ContactDetail.kind, ContactDetail.value)
                                         .where(ContactDetail.person_id.in_(ids))).all()
        existing_details = {(d.person_id, d.kind, d.value.lower()) for d in detail_rows}
        links = {}
        for table, column in ((person_tag, "tag_id"), (person_field, "field_of_action_id"),
                              (person_target_group, "target_group_id")):
            links[column] = {(r[0], r[1]) for r in self.conn.execute(
                select(table.c.person_id, table.c[column]).where(table.c.person_id.in_(ids)))}
        results: dict[int, dict] = {}
        new_affiliations: list[tuple[dict, Affiliation]] = []
        new_details: list[tuple[dict, ContactDetail]] = []
        new_links = {"tag_id": [], "field_of_action_id": [], "target_group_id": []}
        with db.session.no_autoflush:
            for row in rows:
                self.tick()
                person = people.get(row.target_id)
                if person is None:
                    raise ImportProblem(N_("Row %(row)s: the contact to update no longer exists."), row=row.position)
                record = row.data
                result = {"person_id": person.id, "before": {}, "affiliations": {}, "created_affiliations": [],
                          "tags": [], "fields": [], "groups": [], "details": []}
                results[row.id] = result
                before = result["before"]
                org, aff = None, None
                if record["organisation"]:
                    org_id, _ = self.organisation_for(record)
                    org = self.org_by_id[org_id]
                    current = [a for a in person.affiliations if a.organisation_id == org_id and a.is_current]
                    aff = current[0] if current else None
                changes = decide(update_changes(record, person, aff, org), record.get("field_choices"))
                for change in changes:
                    if change.winner != "new":
                        continue
                    if change.target == "person":
                        _apply_change(person, change, before)
                        continue
                    # a function created by an earlier row of this import has no id yet: its undo
                    # removes it anyway, so its changes need no record
                    aff_changes = {} if aff.id is None else result["affiliations"].setdefault(str(aff.id), {})
                    if change.key == "aff_function":
                        function = change.new[0]
                        function_id = self.functions.get(fold(function))
                        values = {"function_id": function_id, "function_label": "" if function_id else function[:120]}
                    else:
                        values = dict(zip(change.columns, change.new))
                    for column, value in values.items():
                        if value != getattr(aff, column):
                            aff_changes.setdefault(column, getattr(aff, column))
                            setattr(aff, column, value)
                if record["organisation"] and aff is None:
                    wanted = self.affiliation_values(record, person.id, org.id,
                                                     not any(a.is_current for a in person.affiliations))
                    aff = Affiliation(**{k: v for k, v in wanted.items() if k not in ("created_at", "updated_at")})
                    db.session.add(aff)
                    person.affiliations.append(aff)
                    new_affiliations.append((result, aff))
                for column, key, ids_ in (
                    ("tag_id", "tags", self.tag_ids(record["tags"])),
                    ("field_of_action_id", "fields", [self.fields[fold(n)] for n in record["fields_of_action"]
                                                      if fold(n) in self.fields]),
                    ("target_group_id", "groups", [self.groups[fold(n)] for n in record["target_groups"]
                                                   if fold(n) in self.groups]),
                ):
                    for link_id in dict.fromkeys(ids_):
                        if (person.id, link_id) not in links[column]:
                            links[column].add((person.id, link_id))
                            new_links[column].append({"person_id": person.id, column: link_id})
                            result[key].append(link_id)
                known = {v.lower() for v in (person.email, person.phone, person.mobile) if v}
                for aff in person.affiliations:
                    known |= {v.lower() for v in (aff.email, aff.phone, aff.mobile) if v}
                for kind, label, value in _extras(record):
                    if (person.id, kind, value.lower()) in existing_details or value.lower() in known:
                        continue
                    existing_details.add((person.id, kind, value.lower()))
                    detail = ContactDetail(person_id=person.id, kind=kind, label=(label or "")[:60],
                                           value=value[:500], import_batch_id=self.batch.id)
                    db.session.add(detail)
                    new_details.append((result, detail))
        # Links first, then one flush: the flush audits the changed persons and reindexes them
        # (search hook) with their new tags; persons that only got links are reindexed by the caller.
        for table, column in ((person_tag, "tag_id"), (person_field, "field_of_action_id"),
                              (person_target_group, "target_group_id")):
            bulk_insert(self.conn, table, new_links[column])
        linked = {item["person_id"] for items in new_links.values() for item in items}
        changed = {obj.person_id if isinstance(obj, Affiliation) else obj.id
                   for obj in list(db.session.dirty) + list(db.session.new)
                   if isinstance(obj, (Person, Affiliation)) and db.session.is_modified(obj)}
        self.reindex_later |= linked - changed
        db.session.flush()
        for result, aff in new_affiliations:
            result["created_affiliations"].append(aff.id)
        for result, detail in new_details:
            result["details"].append(detail.id)
        return results

    def create_organisation(self, row: ImportRow) -> dict:
        key = organisation_key(row.data["organisation"])
        if key in self.orgs and key not in self.created_keys or key in self.claimed_keys:
            return {"organisation_id": self.orgs[key].id, "existed": True}
        org_id, _ = self.organisation_for(row.data)
        self.claimed_keys.add(key)
        tag_ids = self.tag_ids(row.data["tags"])
        if tag_ids:
            self.conn.execute(insert(organisation_tag), [{"organisation_id": org_id, "tag_id": t} for t in tag_ids])
        return {"organisation_id": org_id, "created": True}

    def update_organisation(self, row: ImportRow) -> dict:
        org = db.session.get(Organisation, row.target_id)
        if org is None:
            raise ImportProblem(N_("Row %(row)s: the contact to update no longer exists."), row=row.position)
        before = {}
        for change in decide(organisation_update_changes(row.data, org), row.data.get("field_choices")):
            if change.winner != "new":
                continue
            _apply_change(org, change, before)
        db.session.flush()
        return {"organisation_id": org.id, "before": before}


def changed_values(result: dict) -> int:
    """How many values an update really changed (fields, functions, links, further details)."""
    return (len(result.get("before", {})) + sum(len(c) for c in result.get("affiliations", {}).values())
            + sum(len(result.get(k, [])) for k in ("created_affiliations", "tags", "fields", "groups", "details")))


# an import of this many rows refreshes the planner's statistics (bulk.refresh_planner_statistics)
STATISTICS_AFTER = 1000


def check_committable(batch: ImportBatch) -> int:
    """ImportProblem when the preview cannot be carried out as it stands; else the number of rows
    it will work through (those not skipped)."""
    if batch.status != "preview":
        raise ImportProblem(N_("This import has already been carried out or discarded."))
    t = ImportRow.__table__
    if db.session.scalar(select(func.count()).select_from(t).where(
            t.c.batch_id == batch.id, t.c.action != "skip", cast(t.c.errors, Text) != "[]")):
        raise ImportProblem(N_("Rows with errors can only be skipped."))
    return db.session.scalar(select(func.count()).select_from(t).where(t.c.batch_id == batch.id,
                                                                        t.c.action != "skip")) or 0


@bulk_step
def commit_import(batch: ImportBatch, progress=None) -> dict:
    """Carry out the preview: every chosen row or none (the caller commits or rolls back).

    `progress(done, total)` hears how far it got (rows worked through), for the job's progress bar."""
    check_committable(batch)
    t = ImportRow.__table__
    # Claim the batch: of two requests that commit it at once (two tabs) only one changes the
    # status; the other waits for the row lock, then finds no row in "preview" and stops.
    b = ImportBatch.__table__
    claimed = db.session.execute(update(b).where(b.c.id == batch.id, b.c.status == "preview")
                                 .values(status="committing").execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ImportProblem(N_("This import has already been carried out or discarded."))
    # plain rows, not ORM objects: 100,000 rows with six JSON columns each would be slow to load
    rows = [_PlainRow(r.id, r.position, full_record(r.data), r.kind, r.action, r.target_id)
            for r in db.session.execute(select(t.c.id, t.c.position, t.c.data, t.c.kind, t.c.action, t.c.target_id)
                                        .where(t.c.batch_id == batch.id, t.c.action != "skip")
                                        .order_by(t.c.position))]
    committer = _Committer(batch, progress, len(rows))
    if progress is not None:
        progress(0, len(rows))
    committer.create_organisations([r.data for r in rows if r.action == "create" or r.kind == "person"])
    results: dict[int, dict] = {}
    creates = [r for r in rows if r.action == "create" and r.kind == "person"]
    created = committer.create_people(creates)
    # which row made which person: one JSON value, not 100,000 row updates
    batch.created_persons = {str(row.position): created[row.id] for row in creates}
    updates = [r for r in rows if r.kind == "person" and r.action == "update"]
    results.update(committer.update_people(updates))

    for row in rows:
        if row.kind == "organisation" and row.action == "create":
            results[row.id] = committer.create_organisation(row)
            committer.tick()
        elif row.kind == "organisation" and row.action == "update":
            results[row.id] = committer.update_organisation(row)
            committer.tick()
    conn = committer.conn
    bulk_insert(conn, AuditLog.__table__, committer.audit)
    updated = unchanged = 0
    for result in results.values():
        if "before" in result:
            result["changed"] = changed_values(result)
            if result["changed"]:
                updated += 1
            else:
                unchanged += 1
    if results:
        items = [{"_id": row_id, "_result": result} for row_id, result in results.items()]
        stmt = (update(ImportRow.__table__).where(ImportRow.__table__.c.id == bindparam("_id"))
                .values(result=bindparam("_result")))
        for start in range(0, len(items), CHUNK):
            conn.execute(stmt, items[start : start + CHUNK])
    new_people = sorted(created.values())
    tokens = SearchToken.__table__
    if new_people:
        conn.execute(delete(tokens).where(tokens.c.kind.in_((PERSON, PERSON_ARCHIVED)),
                                          tokens.c.entity_id >= new_people[0]))
        index_new_persons(conn, committer.new_person_rows)
    if committer.created_orgs:
        conn.execute(delete(tokens).where(tokens.c.kind.in_((ORGANISATION, ORGANISATION_ARCHIVED)),
                                          tokens.c.entity_id >= min(committer.created_orgs)))
        reindex_organisations(conn, committer.created_orgs, fresh=True)
    if committer.reindex_later:
        reindex_persons(conn, committer.reindex_later)
    if len(rows) >= STATISTICS_AFTER:
        refresh_planner_statistics(conn, CONTACT_TABLES)
    committer.tick(0, force=True)
    batch.created_organisations = committer.created_orgs
    batch.source_data = None
    batch.status = "committed"
    batch.committed_at = committer.now
    batch.committed_by_name = committer.user_name
    counts = dict(batch.counts or {})
    counts.update(
        created=len(created) + sum(1 for r in results.values() if r.get("created")),
        updated=updated,
        unchanged=unchanged,
        skipped=batch.row_count - len(rows),
        organisations_created=len(committer.created_orgs),
    )
    batch.counts = counts
    # one row for the import as a whole (the records it made have their own "created" rows)
    record_audit("import_batch", batch.id, "import", {
        "filename": [None, batch.filename], "created": [None, counts["created"]], "updated": [None, updated],
        "organisations_created": [None, counts["organisations_created"]]}, label=batch.filename)
    db.session.flush()
    return counts


# ----------------------------------------------------------------------------- undo


def references_count(table_name: str, ids: list[int]) -> dict[int, int]:
    """How many rows anywhere point at these records (every foreign key in the metadata)."""
    from crm.duplicates.merge import references_to

    counts: dict[int, int] = defaultdict(int)
    conn = db.session.connection()
    for _table, column in references_to(table_name):
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            for value, n in conn.execute(select(column, func.count()).where(column.in_(chunk)).group_by(column)):
                counts[value] += n
    return counts


def check_undoable(batch: ImportBatch) -> int:
    """ImportProblem when the batch cannot be undone; else how many records the undo works through."""
    if batch.status != "committed":
        raise ImportProblem(N_("Only a carried-out import can be undone."))
    return batch.row_count or 0


@bulk_step
def undo_import(batch: ImportBatch, progress=None) -> dict:
    """Remove what the import created, put back what it changed (where nobody changed it since).

    `progress(done, total)` hears how far it got (records worked through)."""
    check_undoable(batch)
    conn = db.session.connection()
    user_id, user_name = current_actor()
    now = utcnow()
    t = ImportRow.__table__
    rows = [r for r in conn.execute(select(t.c.id, t.c.data, t.c.result).where(t.c.batch_id == batch.id)
                                    .order_by(t.c.position.desc())) if r.result]
    created_people = list((batch.created_persons or {}).values())
    kept = 0
    restored = 0
    total = len(rows) + len(created_people)
    step = max(1, total // 50)
    if progress is not None:
        progress(0, total)
    # 1. changed persons and organisations: back to the values before the import
    for done, row in enumerate(rows, 1):
        if progress is not None and done % step == 0:
            progress(done, total)
        result = row.result or {}
        if "before" in result and "person_id" in result:
            person = db.session.get(Person, result["person_id"])
            if person is None:
                continue
            imported = _person_values(full_record(row.data))
            for column, old in result["before"].items():
                now_value = getattr(person, column)
                if column == "notes" or now_value == imported.get(column):
                    setattr(person, column, old)
                    restored += 1
                else:
                    kept += 1  # changed again since the import: the newer value stays
            for aff_id, changes in result.get("affiliations", {}).items():
                if not str(aff_id).isdigit():  # recorded as "None" by imports before 2 December 2026
                    continue
                aff = db.session.get(Affiliation, int(aff_id))
                if aff is not None:
                    for column, old in changes.items():
                        setattr(aff, column, old)
            for aff_id in result.get("created_affiliations", []):
                aff = db.session.get(Affiliation, aff_id)
                if aff is not None:
                    db.session.delete(aff)
            for table, column, key in ((person_tag, "tag_id", "tags"), (person_field, "field_of_action_id", "fields"),
                                       (person_target_group, "target_group_id", "groups")):
                if result.get(key):
                    conn.execute(delete(table).where(table.c.person_id == person.id, table.c[column].in_(result[key])))
            if result.get("details"):
                conn.execute(delete(ContactDetail.__table__).where(ContactDetail.__table__.c.id.in_(result["details"])))
        elif "before" in result and "organisation_id" in result:
            org = db.session.get(Organisation, result["organisation_id"])
            if org is not None:
                for column, old in result["before"].items():
                    setattr(org, column, old)
    db.session.flush()
    # 2. created persons: deleted (their functions, tags and details go with them)
    p = Person.__table__
    existing = []
    labels = {}
    for start in range(0, len(created_people), 1000):
        chunk = created_people[start : start + 1000]
        for row in conn.execute(select(p.c.id, p.c.first_name, p.c.last_name).where(p.c.id.in_(chunk))):
            existing.append(row.id)
            labels[row.id] = f"{row.first_name} {row.last_name}".strip()
    actor = (user_id, user_name)
    audit = [audit_row("person", pid, "delete", label=labels[pid], actor=actor, at=now) for pid in existing]
    for start in range(0, len(existing), 1000):
        conn.execute(delete(p).where(p.c.id.in_(existing[start : start + 1000])))
        if progress is not None:
            progress(len(rows) + min(len(created_people), start + 1000), total)
    # 3. created organisations: deleted unless something else uses them by now
    org_ids = list(batch.created_organisations or [])
    in_use = references_count("organisation", org_ids) if org_ids else {}
    removable = [oid for oid in org_ids if not in_use.get(oid)]
    o = Organisation.__table__
    org_labels = dict(conn.execute(select(o.c.id, o.c.name).where(o.c.id.in_(removable))).all()) if removable else {}
    audit += [audit_row("organisation", oid, "delete", label=org_labels.get(oid, ""), actor=actor, at=now)
              for oid in removable if oid in org_labels]
    if removable:
        conn.execute(delete(o).where(o.c.id.in_(removable)))
    bulk_insert(conn, AuditLog.__table__, audit)
    reindex_persons(conn, existing + [r.result["person_id"] for r in rows if "before" in (r.result or {})
                                      and "person_id" in r.result])
    if org_ids:
        reindex_organisations(conn, org_ids)
    if progress is not None:
        progress(total, total)
    batch.status = "undone"
    batch.undone_at = now
    batch.undone_by_name = user_name
    counts = dict(batch.counts or {})
    counts.update(undo_deleted=len(existing), undo_restored=restored, undo_kept=kept,
                  undo_organisations_kept=len(org_ids) - len(removable))
    batch.counts = counts
    db.session.flush()
    db.session.expire_all()
    return counts
