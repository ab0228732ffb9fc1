"""The duplicate list (a scan over all persons or organisations, kept until the next scan)
and the quick check on the create forms ("Ähnliche Kontakte gibt es bereits")."""
from __future__ import annotations

from sqlalchemy import delete, func, insert, or_, select

from crm.contacts.models import Affiliation, Organisation, Person
from crm.core.models import utcnow
from crm.duplicates.models import DuplicatePair, DuplicateScan
from crm.extensions import db
from crm.imports.services import load_organisation_records, load_person_records
from crm.interop.dedupe import (
    OrganisationRecord,
    PersonRecord,
    compare_organisations,
    compare_persons,
    drop_echo_pairs,
    email_key,
    find_organisation_duplicates,
    find_person_duplicates,
    fold,
    organisation_name_key,
)

MAX_STORED_PAIRS = 20000


def scan_duplicates(kind: str) -> int:
    """Find likely duplicates among the active persons (organisations); replaces the open pairs.

    Pairs marked "not a duplicate" stay so and are not listed again.
    """
    if kind == "person":
        records, _ = load_person_records(active_only=True, org_keys="id")
        pairs = find_person_duplicates(records)
    else:
        records, _ = load_organisation_records(active_only=True)
        pairs = find_organisation_duplicates(records)
    table = DuplicatePair.__table__
    conn = db.session.connection()
    conn.execute(delete(table).where(table.c.kind == kind, table.c.status == "open"))
    ignored = {(r.a_id, r.b_id) for r in conn.execute(select(table.c.a_id, table.c.b_id)
                                                      .where(table.c.kind == kind, table.c.status == "ignored"))}
    now = utcnow()
    rows = []
    pairs = [m for m in pairs if tuple(sorted((int(m.a), int(m.b)))) not in ignored]
    for match in drop_echo_pairs(pairs, limit=MAX_STORED_PAIRS):
        a, b = sorted((int(match.a), int(match.b)))
        rows.append({"kind": kind, "a_id": a, "b_id": b, "score": match.score,
                     "reasons": [r.as_list() for r in match.reasons], "status": "open", "found_at": now})
        if len(rows) >= MAX_STORED_PAIRS:
            break
    for start in range(0, len(rows), 5000):
        conn.execute(insert(table), rows[start : start + 5000])
    scan = db.session.get(DuplicateScan, kind) or DuplicateScan(kind=kind)
    scan.scanned_at = now
    scan.pairs = len(rows)
    db.session.add(scan)
    db.session.flush()
    return len(rows)


def scan_all_duplicates() -> dict[str, int]:
    """One search over persons and organisations ("Erneut suchen" on either tab)."""
    return {kind: scan_duplicates(kind) for kind in ("person", "organisation")}


def ignore_pair(pair: DuplicatePair) -> None:
    pair.status = "ignored"
    db.session.flush()


def last_scan(kind: str):
    scan = db.session.get(DuplicateScan, kind)
    if scan is not None:
        return scan.scanned_at
    return db.session.scalar(select(func.max(DuplicatePair.found_at)).where(DuplicatePair.kind == kind))


def similar_persons(last_name: str, first_name: str = "", email: str = "", limit: int = 5) -> list[dict]:
    """Existing persons that look like the one being typed in (same e-mail, similar name)."""
    last_name = (last_name or "").strip()
    email = email_key(email)
    if len(fold(last_name)) < 2 and not email:
        return []
    conditions = []
    if len(fold(last_name)) >= 2:
        # sort_name starts with the folded last name: same first letter catches Meier / Maier
        conditions.append(Person.sort_name.like(fold(last_name)[:1] + "%"))
    if email:
        conditions.append(func.lower(Person.email) == email)
        conditions.append(Person.id.in_(select(Affiliation.person_id).where(func.lower(Affiliation.email) == email)))
    candidates = db.session.execute(
        select(Person.id, Person.first_name, Person.last_name, Person.email, Person.archived_at)
        .where(or_(*conditions)).limit(20000)
    ).all()
    probe = PersonRecord("new", first_name=first_name, last_name=last_name, emails=(email,)).prepare()
    ids = [c.id for c in candidates]
    work_emails: dict[int, list[str]] = {}
    if email and ids:
        for pid, mail in db.session.execute(select(Affiliation.person_id, Affiliation.email)
                                            .where(func.lower(Affiliation.email) == email)):
            work_emails.setdefault(pid, []).append(mail)
    found = []
    for c in candidates:
        record = PersonRecord(c.id, first_name=c.first_name, last_name=c.last_name,
                              emails=(c.email, *work_emails.get(c.id, []))).prepare()
        score, reasons = compare_persons(probe, record)
        codes = {r.code for r in reasons}
        if score >= 60 or "email" in codes or (not first_name and any(r.code == "name" and r.value >= 90
                                                                        for r in reasons)):
            found.append((score, c))
    found.sort(key=lambda x: (-x[0], x[1].last_name, x[1].first_name))
    found = found[:limit]
    where = {}
    if found:
        for pid, name in db.session.execute(
            select(Affiliation.person_id, Organisation.name)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .where(Affiliation.person_id.in_([c.id for _, c in found]), Affiliation.valid_to.is_(None))
            .order_by(Affiliation.is_primary.desc())
        ):
            where.setdefault(pid, name)
    return [{"id": c.id, "name": f"{c.first_name} {c.last_name}".strip(), "detail": where.get(c.id, ""),
             "score": score, "archived": c.archived_at is not None} for score, c in found]


def similar_organisations(name: str, limit: int = 5) -> list[dict]:
    key = organisation_name_key(name)
    if len(key) < 3:
        return []
    words = sorted(key.split(), key=len, reverse=True)
    conditions = [Organisation.sort_name.like(f"%{w[:4]}%") for w in words[:2] if len(w) >= 3]
    if not conditions:
        return []
    candidates = db.session.execute(select(Organisation.id, Organisation.name, Organisation.city,
                                           Organisation.archived_at).where(or_(*conditions)).limit(5000)).all()
    probe = OrganisationRecord("new", name=name).prepare()
    found = []
    for c in candidates:
        score, _ = compare_organisations(probe, OrganisationRecord(c.id, name=c.name).prepare())
        if score >= 60:
            found.append((score, c))
    found.sort(key=lambda x: (-x[0], x[1].name))
    return [{"id": c.id, "name": c.name, "detail": c.city or "", "score": score, "archived": c.archived_at is not None}
            for score, c in found[:limit]]
