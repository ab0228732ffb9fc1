"""Data-protection requests (DSGVO): objection (Art. 21), access (Art. 15), erasure (Art. 17), the
review list and the processing record.

Like the merge (crm/duplicates/merge.py), access and erasure find every table that references a
person in the SQLAlchemy metadata at run time (`references_to`), so tables that later parts add
are covered without a change here. Services flush; the views commit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, delete, func, insert, or_, select, update

from crm.campaigns.models import PURPOSES, Consent
from crm.contacts.models import LEGAL_BASES, Person
from crm.contacts.search import reindex_persons
from crm.core import time as clock
from crm.core.audit import ERASED_ACTION, AuditLog, current_actor, plain_value, record_audit, record_export, was_erased
from crm.core.errors import DomainError
from crm.duplicates.merge import references_to
from crm.extensions import db

ERASED_NAME = "Gelöscht"
ERASE_ACTION = ERASED_ACTION
OBJECTION_ACTION = "objection"
# Columns an access export does not give out: secrets that open personal links (RSVP, ballots, opt-in).
SECRET_COLUMNS = {"token", "token_hash"}
WITHHELD = "(technischer Schlüssel, nicht ausgegeben)"
# Person columns emptied by an erasure (names are set to ERASED_NAME, the rest to these values).
ERASED_PERSON_VALUES = {
    "gender": "unknown", "degree": "", "nobility": "", "first_name": "", "last_name": ERASED_NAME,
    "name_suffix": "", "salutation_override": "", "email": "", "phone": "", "mobile": "", "street": "",
    "postcode": "", "city": "", "country": "DE", "expertise_note": "", "notes": "", "confidential_notes": "",
    "legal_basis": "", "data_source": "", "data_collected_on": None, "last_reviewed_on": None,
    "last_contacted_at": None, "contact_objection": True, "sort_name": ERASED_NAME.lower(),
}
AFFILIATION_CONTACT_COLUMNS = ("department", "email", "phone", "mobile", "street", "postcode", "city")


def _person_values(person: Person) -> list[str]:
    """The personal strings an erasure removes from the audit trail and looks for in free texts."""
    values = [person.full_name, f"{person.first_name} {person.last_name}".strip(), person.email, person.phone,
              person.mobile, person.street]
    return [v for v in dict.fromkeys(v.strip() for v in values if v) if len(v) >= 4]


def is_erased(person: Person) -> bool:
    return was_erased("person", person.id)


# ------------------------------------------------------------------ Art. 21: objection


def object_to_contact(person: Person) -> int:
    """Art. 21: no campaign and no invitation by e-mail any more. Sets the objection and withdraws every
    confirmed consent (withdrawn_via "objection"); audited. Returns the number of consents withdrawn."""
    confirmed = list(db.session.scalars(
        select(Consent).where(Consent.person_id == person.id, Consent.status == "confirmed")))
    if person.contact_objection and not confirmed:
        raise DomainError(_("The objection is recorded already; there is no consent left to withdraw."))
    now = clock.utcnow()
    actor = current_actor()[1]
    for consent in confirmed:
        consent.status = "withdrawn"
        consent.withdrawn_at = now
        consent.withdrawn_via = "objection"
        consent.withdrawn_campaign_id = None
        consent.recorded_by = actor
    person.contact_objection = True
    record_audit("person", person.id, OBJECTION_ACTION,
                 {"contact_objection": [None, True],
                  "consents_withdrawn": [None, sorted(c.purpose for c in confirmed)]},
                 label=person.audit_label())
    db.session.flush()
    return len(confirmed)


# ------------------------------------------------------------------ Art. 15: access


def _rows_of(table, column, person_id: int) -> list[dict]:
    rows = db.session.execute(select(table).where(column == person_id).order_by(*table.primary_key.columns)).all()
    out = []
    for row in rows:
        out.append({key: (WITHHELD if key in SECRET_COLUMNS and value else plain_value(value))
                    for key, value in row._mapping.items()})
    return out


def access_data(person: Person) -> dict:
    """Everything held about the person: the person row, every row of every table with a foreign key to
    person (found in the metadata, one entry per table and column), and the audit rows about them."""
    table = Person.__table__
    data = {
        "format": "RegioNetz Auskunft nach Art. 15 DSGVO",
        "created_at": plain_value(clock.utcnow()),
        "person": _rows_of(table, table.c.id, person.id)[0],
        "references": {},
        "audit": [],
    }
    for ref_table, column in references_to("person"):
        data["references"][f"{ref_table.name}.{column.name}"] = _rows_of(ref_table, column, person.id)
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "person",
                                                      AuditLog.entity_id == person.id).order_by(AuditLog.id))
    data["audit"] = [{"at": plain_value(a.at), "user": a.user_name, "action": a.action, "changes": a.changes}
                     for a in audit]
    return data


def access_json(person: Person) -> bytes:
    data = access_data(person)
    rows = 1 + sum(len(v) for v in data["references"].values())
    record_export("person", "json", rows, entity_id=person.id, label=person.audit_label(),
                  filters={"dsgvo": "Art. 15"})
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


# German names of referencing tables that have no record type label of their own (no history of their own)
TABLE_LABELS = {
    "campaign_recipient": _l("Campaign recipient"), "consent_request": _l("Newsletter sign-up"),
    "segment_member": _l("Member of a fixed mailing list"), "segment_use_entry": _l("Use of a mailing list"),
    "unsubscribe": _l("Unsubscribe"),
}


def _table_label(name: str) -> str:
    from crm.core.registry import current_registry

    label = current_registry().entities.get(name) or TABLE_LABELS.get(name)
    return str(label) if label else name


def _privacy_config() -> dict:
    return {"years": current_app.config.get("PRIVACY_REVIEW_YEARS", 3),
            "officer": current_app.config.get("PRIVACY_OFFICER", "")}


def access_letter_text(person: Person) -> str:
    """The body of the access letter (German, as every letter of the engine)."""
    from crm.core.formatting import local_date

    data = access_data(person)
    held = [f"{_table_label(key.split('.')[0])}: {len(rows)}"
            for key, rows in data["references"].items() if rows]
    stored = [f"{label}: {value}" for label, value in (
        ("Name", person.full_name), ("E-Mail-Adresse", person.email), ("Telefon", person.phone),
        ("Mobiltelefon", person.mobile), ("Anschrift", ", ".join(filter(None, [person.street, person.postcode,
                                                                                person.city]))),
        ("Fachgebiete", person.expertise_note), ("Notizen", person.notes),
        ("Vertrauliche Notizen", person.confidential_notes)) if value]
    consents = list(db.session.scalars(select(Consent).where(Consent.person_id == person.id)))
    consent_lines = [f"{c.purpose_label}: {c.status_label}" for c in consents]
    config = _privacy_config()
    paragraphs = [
        "{Briefanrede}",
        "Sie haben Auskunft darüber verlangt, welche Daten wir über Sie verarbeiten (Art. 15 DSGVO). "
        "Wir beantworten Ihre Anfrage hiermit vollständig; eine maschinenlesbare Kopie aller Daten "
        "(JSON-Datei) erhalten Sie auf Wunsch zusätzlich.",
        "Welche Daten wir gespeichert haben:\n" + "\n".join(f"– {line}" for line in stored or ["nur Ihr Name"]),
        "In diesen Zusammenhängen sind Sie bei uns verzeichnet (Anzahl der Einträge):\n"
        + "\n".join(f"– {line}" for line in held or ["keine"]),
        "Zwecke der Verarbeitung: Zusammenarbeit in der Region (Gremien, Projekte, Veranstaltungen), "
        "Einladungen und Information über die regionale Entwicklung"
        + ("; Einwilligungen: " + "; ".join(consent_lines) if consent_lines else "") + ".",
        f"Rechtsgrundlage: {person.legal_basis_label}. Herkunft der Daten: {person.data_source or 'nicht erfasst'}"
        + (f", erhoben am {local_date(person.data_collected_on)}" if person.data_collected_on else "") + ".",
        "Empfänger: Ihre Daten werden nur vom Regionalmanagement verarbeitet; an Dritte (z. B. Bewilligungsstellen) "
        "geben wir sie nur weiter, wo ein Förderverfahren es verlangt oder Sie eingewilligt haben.",
        f"Speicherdauer: Wir prüfen die Daten spätestens alle {config['years']} Jahre und löschen sie, wenn sie "
        "nicht mehr gebraucht werden und keine Aufbewahrungspflicht besteht.",
        "Ihre Rechte: Sie können Berichtigung (Art. 16), Löschung (Art. 17), Einschränkung der Verarbeitung "
        "(Art. 18) und Datenübertragbarkeit (Art. 20) verlangen, der Verarbeitung widersprechen (Art. 21) und "
        "erteilte Einwilligungen jederzeit widerrufen. Sie können sich bei einer Datenschutz-Aufsichtsbehörde "
        "beschweren (in Bayern: Bayerisches Landesamt für Datenschutzaufsicht)."
        + (f" Unsere Datenschutzbeauftragte / unser Datenschutzbeauftragter: {config['officer']}."
           if config["officer"] else ""),
    ]
    return "\n\n".join(p.replace("{", "{{").replace("}", "}}") if i else p for i, p in enumerate(paragraphs))


def access_letter(person: Person) -> bytes:
    """The readable answer as a DIN 5008 letter on the letterhead (.docx); audited as an export."""
    from crm.interop import letters as engine
    from crm.letters.services import engine_letterhead, letter_problem, letterhead

    row = engine.merge_values(person.addressee(None), person.email, clock.today(), "Auskunft nach Art. 15 DSGVO")
    if not row["Anschrift"].strip():
        row["Anschrift"] = person.full_name  # no postal address: the letter goes by e-mail
    text = engine.LetterText(subject="Auskunft nach Art. 15 DSGVO", body=access_letter_text(person))
    try:
        content = engine.builtin_letters(engine_letterhead(letterhead()), text, [row])
    except engine.LetterError as error:
        raise letter_problem(error) from error
    record_export("person", "docx", 1, entity_id=person.id, label=person.audit_label(),
                  filters={"dsgvo": "Art. 15"})
    return content


# ------------------------------------------------------------------ review list

REVIEW_REASONS = ("any", "not_reviewed", "not_contacted")


def review_cutoff(years: int | None = None) -> date:
    years = years or current_app.config.get("PRIVACY_REVIEW_YEARS", 3)
    today = clock.today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def review_query(years: int | None = None, reason: str = "any", legal_basis: str | None = None, q: str = ""):
    """Active persons not reviewed (last_reviewed_on, else when their data was collected or entered) or not
    contacted (last_contacted_at) for `years` years, longest unreviewed first."""
    cutoff = review_cutoff(years)
    cutoff_at = datetime.combine(cutoff, datetime.min.time()).replace(tzinfo=clock.region_zone())
    not_reviewed = or_(
        Person.last_reviewed_on < cutoff,
        and_(Person.last_reviewed_on.is_(None),
             or_(Person.data_collected_on.is_(None), Person.data_collected_on < cutoff),
             Person.created_at < cutoff_at))
    not_contacted = or_(Person.last_contacted_at.is_(None), Person.last_contacted_at < cutoff_at)
    condition = {"any": or_(not_reviewed, and_(not_contacted, Person.created_at < cutoff_at)),
                 "not_reviewed": not_reviewed,
                 "not_contacted": and_(not_contacted, Person.created_at < cutoff_at)}[reason]
    stmt = select(Person).where(Person.archived_at.is_(None), condition)
    if legal_basis is not None:
        stmt = stmt.where(Person.legal_basis == legal_basis)
    if q:
        stmt = stmt.where(Person.sort_name.ilike(f"%{q.strip().lower()}%"))
    return stmt.order_by(Person.last_reviewed_on.is_not(None), Person.last_reviewed_on, Person.sort_name, Person.id)


def _persons(ids: list[int]) -> list[Person]:
    if not ids:
        raise DomainError(_("Please tick at least one contact."))
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids), Person.archived_at.is_(None))))


def mark_reviewed(ids: list[int]) -> int:
    today = clock.today()
    persons = _persons(ids)
    for person in persons:
        person.last_reviewed_on = today
    db.session.flush()
    return len(persons)


def archive_persons(ids: list[int]) -> int:
    persons = _persons(ids)
    now = clock.utcnow()
    for person in persons:
        person.archived_at = now
    db.session.flush()
    return len(persons)


# ------------------------------------------------------------------ Art. 17: erasure


@dataclass
class ErasurePlan:
    """What an erasure does, said before it runs."""

    person: Person
    open_registrations: list = field(default_factory=list)  # invitees of meetings still to come
    current_seats: list = field(default_factory=list)
    chairs: list = field(default_factory=list)  # seats as chair or vice chair (of the current ones)
    open_tasks: list = field(default_factory=list)
    pending_recipients: list = field(default_factory=list)  # campaign recipients not yet sent to
    sponsored_projects: list = field(default_factory=list)
    interactions: int = 0
    participations: int = 0  # past invitations (attendance), kept as counts
    votes: int = 0  # ballots, kept as counts
    consents: int = 0
    references: dict = field(default_factory=dict)  # "table.column" -> rows


def _upcoming_invitees(person_id: int):
    from crm.meetings.models import Invitee, Meeting

    now = clock.utcnow()
    return (select(Invitee).join(Meeting, Meeting.id == Invitee.meeting_id)
            .where(Invitee.person_id == person_id, Meeting.status.in_(("planned", "fixed")),
                   or_(Meeting.starts_at.is_(None), Meeting.starts_at > now)))


def erasure_plan(person: Person) -> ErasurePlan:
    from crm.campaigns.campaign_models import CampaignRecipient
    from crm.interactions.models import Task, interaction_person
    from crm.meetings.models import Invitee
    from crm.network.models import Seat
    from crm.projects.models import Project

    today = clock.today()
    plan = ErasurePlan(person=person)
    plan.open_registrations = list(db.session.scalars(_upcoming_invitees(person.id)))
    plan.current_seats = list(db.session.scalars(select(Seat).where(
        Seat.person_id == person.id, or_(Seat.valid_to.is_(None), Seat.valid_to >= today))))
    plan.chairs = [s for s in plan.current_seats if s.role in ("chair", "vice_chair")]
    plan.open_tasks = list(db.session.scalars(select(Task).where(Task.person_id == person.id, Task.status == "open")))
    plan.pending_recipients = list(db.session.scalars(select(CampaignRecipient).where(
        CampaignRecipient.person_id == person.id, CampaignRecipient.status.in_(("queued", "sending")))))
    plan.sponsored_projects = list(db.session.scalars(select(Project).where(Project.sponsor_person_id == person.id)))
    plan.interactions = db.session.scalar(select(func.count()).select_from(interaction_person).where(
        interaction_person.c.person_id == person.id)) or 0
    upcoming = {i.id for i in plan.open_registrations}
    plan.participations = len([i for i in db.session.scalars(select(Invitee.id).where(Invitee.person_id == person.id))
                               if i not in upcoming])
    plan.consents = db.session.scalar(select(func.count()).select_from(Consent).where(
        Consent.person_id == person.id)) or 0
    for table, column in references_to("person"):
        n = db.session.scalar(select(func.count()).select_from(table).where(column == person.id)) or 0
        if n:
            label = _table_label(table.name)
            plan.references[label] = plan.references.get(label, 0) + n
            if table.name == "ballot_voter" and column.name == "person_id":
                plan.votes = n
    return plan


# Fields of rows that reference the person whose history an erasure empties (the rows themselves are
# emptied or deleted): contact data and free texts written by or about the person.
SCRUBBED_FIELDS = frozenset({"rsvp_comment", "poll_comment", "email", "phone", "mobile", "street", "postcode",
                             "city", "department", "value", "note", "wording_text", "confirmed_ip", "requested_ip"})


def _referencing_rows(person_id: int) -> dict[str, list[int]]:
    """table name -> ids of its rows that reference the person (tables with an id column only)."""
    found: dict[str, list[int]] = {}
    for table, column in references_to("person"):
        if "id" in table.c and table.name != "person":
            ids = list(db.session.scalars(select(table.c.id).where(column == person_id)))
            if ids:
                found.setdefault(table.name, []).extend(ids)
    return found


def _scrub_audit(person: Person, values: list[str], rows: dict[str, list[int]]) -> int:
    """Takes the erased values out of the audit trail: the person's own rows lose their changes, the rows
    of records that referenced them lose their contact data and free texts, every other row that names
    them has the values replaced. Returns the number of rows changed."""
    changed = 0
    merged_in = rows.pop("person", [])
    if merged_in:
        for row in db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "person",
                                                             AuditLog.entity_id.in_(merged_in))):
            row.label, row.changes = ERASED_NAME, {}
            changed += 1
    for entity_type, ids in rows.items():
        for row in db.session.scalars(select(AuditLog).where(AuditLog.entity_type == entity_type,
                                                             AuditLog.entity_id.in_(ids))):
            if any(key in SCRUBBED_FIELDS for key in row.changes or {}):
                row.changes = {key: ([None, ERASED_NAME] if key in SCRUBBED_FIELDS else value)
                               for key, value in row.changes.items()}
                changed += 1
    own = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "person", AuditLog.entity_id == person.id))
    for row in own:
        row.label, row.changes = ERASED_NAME, {}
        changed += 1
    if not values:
        return changed
    text = cast(AuditLog.changes, String)
    naming = or_(*[AuditLog.label.contains(v) for v in values], *[text.contains(v) for v in values])
    candidates = db.session.scalars(select(AuditLog).where(naming, ~and_(AuditLog.entity_type == "person",
                                                                         AuditLog.entity_id == person.id)))
    for row in candidates:
        label, dumped = row.label, json.dumps(row.changes, ensure_ascii=False)
        for value in values:
            label = label.replace(value, ERASED_NAME)
            dumped = dumped.replace(json.dumps(value, ensure_ascii=False)[1:-1], ERASED_NAME)
        if label != row.label or dumped != json.dumps(row.changes, ensure_ascii=False):
            row.label, row.changes = label[:300], json.loads(dumped)
            changed += 1
    return changed


def erase(person: Person) -> dict:
    """Art. 17: anonymises the person and what names them; keeps what reports count. Returns the counts
    that went into the audit row (which holds no erased value)."""
    from crm.campaigns.campaign_models import CampaignRecipient
    from crm.campaigns.models import ConsentRequest, Unsubscribe
    from crm.contacts.models import Affiliation
    from crm.duplicates.models import DuplicatePair
    from crm.interactions.models import Interaction, Task, interaction_person
    from crm.meetings.models import Invitee
    from crm.network.models import Seat
    from crm.projects.models import Project

    if is_erased(person):
        raise DomainError(_("This person has been erased already."))
    plan = erasure_plan(person)
    values = _person_values(person)
    referencing = _referencing_rows(person.id)
    # records merged into the person: their history is the person's too
    from crm.duplicates.models import MergeLog

    merged = db.session.execute(select(MergeLog.loser_id, MergeLog.loser_label).where(
        MergeLog.kind == "person", MergeLog.winner_id == person.id)).all()
    values += [label for _id, label in merged if len(label or "") >= 4 and label not in values]
    referencing["person"] = [loser_id for loser_id, _label in merged]
    conn = db.session.connection()
    today, now = clock.today(), clock.utcnow()
    user_id, _user_name = current_actor()
    counts: dict[str, int] = {}

    def run(key: str, statement) -> None:
        n = conn.execute(statement).rowcount
        if n:
            counts[key] = counts.get(key, 0) + n

    pid = person.id
    # free texts in interactions that name the person: flagged for review (a task each), not changed
    linked = select(interaction_person.c.interaction_id).where(interaction_person.c.person_id == pid)
    texts = or_(*[or_(Interaction.subject.contains(v), Interaction.results.contains(v)) for v in values[:2]]) \
        if values else None
    # every interaction whose text names them (linked to them or not); without a searchable name, their own
    flagged = list(db.session.scalars(select(Interaction.id).where(
        Interaction.id.in_(linked) if texts is None else texts)))
    # written without the automatic audit: its row would name the interaction by its text, i.e. the person
    if flagged:
        conn.execute(insert(Task.__table__), [
            {"title": _("Data protection: check the text (it names an erased person)"), "notes": "", "status": "open",
             "interaction_id": interaction_id, "assignee_id": user_id, "created_by_id": user_id,
             "due_on": today + timedelta(days=14), "created_at": now, "updated_at": now}
            for interaction_id in flagged])
    counts["interactions_flagged"] = len(flagged)
    # consents kept as counts only
    run("consents", delete(Consent.__table__).where(Consent.__table__.c.person_id == pid))
    run("consent_requests", delete(ConsentRequest.__table__).where(ConsentRequest.__table__.c.person_id == pid))
    run("unsubscribes", delete(Unsubscribe.__table__).where(Unsubscribe.__table__.c.person_id == pid))
    # open registrations are taken back; past invitations stay (attendance counts), without comments
    upcoming = [i.id for i in plan.open_registrations]
    if upcoming:
        run("open_registrations", delete(Invitee.__table__).where(Invitee.__table__.c.id.in_(upcoming)))
    run("invitation_comments", update(Invitee.__table__).where(Invitee.__table__.c.person_id == pid)
        .values(rsvp_comment="", poll_comment=""))
    # seats end today (future ones are removed); the body keeps its history of who held them
    seats = Seat.__table__
    run("seats_removed", delete(seats).where(seats.c.person_id == pid, seats.c.valid_from > today))
    run("seats_ended", update(seats).where(seats.c.person_id == pid, or_(seats.c.valid_to.is_(None),
                                                                         seats.c.valid_to > today))
        .values(valid_to=today))
    run("deputy_cleared", update(seats).where(seats.c.deputy_id == pid).values(deputy_id=None))
    tasks = Task.__table__
    run("tasks_unlinked", update(tasks).where(tasks.c.person_id == pid).values(person_id=None))
    recipients = CampaignRecipient.__table__
    run("campaign_recipients_left_out", update(recipients).where(
        recipients.c.person_id == pid, recipients.c.status.in_(("queued", "sending")))
        .values(status="excluded", reason="Gelöscht (Art. 17 DSGVO)"))
    run("campaign_recipients", update(recipients).where(recipients.c.person_id == pid)
        .values(name=ERASED_NAME, email=""))
    projects = Project.__table__
    run("projects_sponsor_cleared", update(projects).where(projects.c.sponsor_person_id == pid)
        .values(sponsor_person_id=None))
    from crm.projects.models import ProjectContact

    run("project_contacts", delete(ProjectContact.__table__).where(ProjectContact.__table__.c.person_id == pid))
    voters = db.metadata.tables["ballot_voter"]
    run("ballot_addresses", update(voters).where(voters.c.person_id == pid).values(email=""))
    aff = Affiliation.__table__
    run("affiliation_contact_data", update(aff).where(aff.c.person_id == pid)
        .values({c: "" for c in AFFILIATION_CONTACT_COLUMNS}))
    # contact details, tags, topics, lists: personal, not counted anywhere
    for table, column in references_to("person"):
        if table.name in ("contact_detail", "person_tag", "person_expertise", "person_field",
                          "person_target_group", "segment_member"):
            run(table.name, delete(table).where(column == pid))
    pairs = DuplicatePair.__table__
    conn.execute(delete(pairs).where(pairs.c.kind == "person", or_(pairs.c.a_id == pid, pairs.c.b_id == pid)))
    # merges into the person keep the merged-in record's data for an undo: that goes too (the undo then
    # says the merge cannot be undone)
    logs = MergeLog.__table__
    run("merge_logs", update(logs).where(logs.c.kind == "person", or_(logs.c.winner_id == pid, logs.c.loser_id == pid))
        .values(winner_label=ERASED_NAME, loser_label=ERASED_NAME, fields={}, snapshot={}))
    # the person row itself, without the automatic audit (it would keep the old values)
    table = Person.__table__
    conn.execute(update(table).where(table.c.id == pid).values(archived_at=now, **ERASED_PERSON_VALUES))
    db.session.expire_all()
    counts["audit_rows_scrubbed"] = _scrub_audit(person, values, referencing)
    record_audit("person", pid, ERASE_ACTION, {key: [None, n] for key, n in sorted(counts.items())},
                 label=ERASED_NAME)
    db.session.flush()
    reindex_persons(conn, [pid])
    return counts


MAX_BULK_ERASE = 100  # the review list shows 50 a page


def _selected_for_erasure(ids: list[int]) -> list[Person]:
    """The ticked persons in the order of the list; every one must still exist and not be erased yet."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise DomainError(_("Please tick at least one contact."))
    if len(ids) > MAX_BULK_ERASE:
        raise DomainError(_("At most %(count)s contacts can be erased at once.", count=MAX_BULK_ERASE))
    persons = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    if len(persons) < len(ids):
        raise DomainError(_("Some of the ticked contacts no longer exist (merged or deleted meanwhile). "
                            "Nothing was erased; please tick them again."))
    erased = set(db.session.scalars(select(AuditLog.entity_id).where(
        AuditLog.entity_type == "person", AuditLog.entity_id.in_(ids), AuditLog.action == ERASE_ACTION)))
    if erased:
        raise DomainError(_("%(count)s of the ticked contacts have been erased already (meanwhile). Nothing was "
                            "erased; please tick the contacts again.", count=len(erased)))
    return [persons[i] for i in ids]


def erasure_plans(ids: list[int]) -> list[ErasurePlan]:
    """What erasing each ticked person does (the bulk confirmation page); raises DomainError as erase_many."""
    return [erasure_plan(person) for person in _selected_for_erasure(ids)]


def erase_many(ids: list[int]) -> int:
    """Art. 17 for several persons in one transaction: each is erased as erase() does (audited per person,
    without the erased values). One that cannot be erased raises DomainError and the view rolls back all."""
    from sqlalchemy.exc import SQLAlchemyError

    persons = _selected_for_erasure(ids)
    names = [(p.id, p.full_name) for p in persons]  # the ORM objects are expired by each erasure
    for pid, name in names:
        try:
            erase(db.session.get(Person, pid))
        except DomainError as error:
            raise DomainError(_("%(name)s could not be erased: %(reason)s Nothing was erased.",
                                name=name, reason=error.message)) from error
        except SQLAlchemyError as error:
            current_app.logger.exception("Bulk erasure failed at person %s", pid)
            raise DomainError(_("%(name)s could not be erased (database error). Nothing was erased.",
                                name=name)) from error
    return len(names)


# ------------------------------------------------------------------ processing record


def processing_record() -> bytes:
    """The entry of the Verzeichnis der Verarbeitungstätigkeiten (Art. 30 DSGVO) for this application, made
    from its configuration: categories of data (the person columns and the tables referencing a person),
    purposes (consent purposes), legal bases, recipients, deletion periods. A .docx on the letterhead."""
    from crm.interop import letters as engine
    from crm.letters.services import engine_letterhead, letter_problem, letterhead

    head = letterhead()
    config = current_app.config
    controller = config.get("PRIVACY_CONTROLLER") or head.sender_name or "Regionalmanagement"
    tables = sorted({_table_label(t.name) for t, _c in references_to("person")})
    body = [
        f"Verantwortlicher: {controller}"
        + (f"\nDatenschutzbeauftragte(r): {config['PRIVACY_OFFICER']}" if config.get("PRIVACY_OFFICER") else ""),
        "Bezeichnung der Verarbeitung: Kontakt- und Netzwerkverwaltung des Regionalmanagements (RegioNetz): "
        "Akteure, Gremien, Projekte, Veranstaltungen, Kampagnen und Entscheidungen der Region.",
        "Zwecke: Zusammenarbeit in der Region; Einladungen und Sitzungen der Gremien; Begleitung und Förderung "
        "von Projekten; Information der Öffentlichkeit; Zwecke mit Einwilligung: "
        + ", ".join(str(v) for v in PURPOSES.values()) + ".",
        "Rechtsgrundlagen: " + "; ".join(str(v) for k, v in LEGAL_BASES.items() if k) + ".",
        "Kategorien betroffener Personen: Mitglieder und Stellvertretungen von Gremien, Ansprechpersonen von "
        "Kommunen, Vereinen, Unternehmen und Behörden, Projektträger, Teilnehmende von Veranstaltungen, "
        "Newsletter-Abonnenten.",
        "Kategorien personenbezogener Daten: Name, Titel, Anrede, Kontaktdaten (dienstlich und privat), "
        "Funktionen, Fachgebiete, Notizen, vertrauliche Angaben (nur für Mitarbeitende sichtbar); "
        "außerdem Einträge in: " + ", ".join(tables) + ".",
        "Empfänger: Mitarbeitende des Regionalmanagements nach Rollen (Lesen, Bearbeiten, Verwalten); "
        "Bewilligungsstellen im Rahmen von Förderverfahren; Auftragsverarbeiter: Hosting und E-Mail-Versand "
        f"({config.get('MAIL_SERVER', '')}). Keine Übermittlung in Drittländer.",
        f"Löschfristen: Überprüfung jedes Kontakts spätestens nach {config.get('PRIVACY_REVIEW_YEARS', 3)} Jahren "
        "ohne Prüfung oder Kontakt (Prüfliste); nicht mehr benötigte Kontakte werden archiviert oder nach "
        "Art. 17 DSGVO anonymisiert; Unterlagen von Förderverfahren nach den Aufbewahrungsfristen des "
        f"Förderprogramms; unbestätigte Newsletter-Anmeldungen nach {config.get('CONSENT_CONFIRM_DAYS', 7)} Tagen.",
        "Technische und organisatorische Maßnahmen: Anmeldung mit Passwortrichtlinie und optionaler "
        "Zwei-Faktor-Anmeldung, Rollen und Berechtigungen, Protokoll aller Änderungen und Exporte, "
        "Sicherungen (flask crm backup), verschlüsselte Übertragung (HTTPS).",
    ]
    row = {name: "" for name in engine.MERGE_FIELDS}
    row["Anschrift"] = controller
    row["Datum"] = engine.long_date(clock.today())
    text = engine.LetterText(subject="Verzeichnis der Verarbeitungstätigkeiten (Art. 30 DSGVO)",
                             body="\n\n".join(p.replace("{", "{{").replace("}", "}}") for p in body), closing="")
    try:
        return engine.builtin_letters(engine_letterhead(head), text, [row])
    except engine.LetterError as error:
        raise letter_problem(error) from error
