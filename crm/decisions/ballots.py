"""The circulation ballot (Umlaufverfahren): start, send the personal links, take the answers, close
with the same check as a vote in a meeting (crm/decisions/rules.py), the result letter.

Who votes: the voting seats of the body on the day the ballot is started; each member gets a ballot,
and so does each member's deputy. As in a meeting (rules.members_on) a seat counts once: the member's
ballot if the member answered in time, else the deputy's. The quorum is the seats that answered in
time ("anwesend" becomes "haben fristgerecht abgestimmt").

One answer per voter, final (like a ballot put into the box): per item yes / no / abstain, or the
declaration of a conflict of interest (then no vote on that item). After the deadline or on a closed
ballot an answer is refused; an attempt after the deadline is counted and shown as late.

Services only flush; the view commits.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.contacts.models import Affiliation, Person
from crm.core import time as clock
from crm.core.audit import record_audit
from crm.core.errors import DomainError
from crm.core.formatting import long_date, to_berlin
from crm.core.mail import MailConnection
from crm.decisions import rules, services
from crm.decisions.ballot_models import VOTES, Ballot, BallotItem, BallotVote, BallotVoter
from crm.extensions import db
from crm.interop import letters as engine
from crm.letters import services as letter_services
from crm.meetings.mailing import check_personal_text
from crm.meetings.services import email_of
from crm.network.models import Body
from crm.projects.models import Project

# Crockford's base 32: no I, L, O, U; 16 characters = 80 random bits, typed from a letter as
# "7KQ2-M9XD-4RTB-HV3C" (dashes, spaces and lower case are all read).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
TOOK_PART = "haben fristgerecht abgestimmt"
TITLE_MAX, TEXT_MAX = 200, 5000


# ------------------------------------------------------------------ codes


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a member types or the link carries -> the stored code ("" when it cannot be one)."""
    value = "".join((text or "").split()).replace("-", "").upper()
    value = value.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(value) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in value):
        return ""
    return value


def code_text(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def personal_link(voter: BallotVoter) -> str:
    return url_for("decisions.ballot_answer", token=voter.token, _external=True)


# ------------------------------------------------------------------ times


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite hands back naive UTC
        return value.replace(tzinfo=timezone.utc)
    return value


def deadline_text(ballot: Ballot) -> str:
    """"05.12.2026 um 12:00 Uhr" (Berlin)."""
    local = to_berlin(ballot.deadline)
    return _("%(date)s at %(time)s", date=local.strftime("%d.%m.%Y"), time=local.strftime("%H:%M"))


def deadline_passed(ballot: Ballot) -> bool:
    return _utc(ballot.deadline) <= clock.utcnow()


def deadline_message(ballot: Ballot) -> str:
    return _("The deadline passed on %(when)s; your vote can no longer be counted.", when=deadline_text(ballot))


def start_day(ballot: Ballot):
    """Whose seat counts: the day the ballot was started (today while it is a draft)."""
    return to_berlin(ballot.started_at).date() if ballot.started_at else clock.today()


# ------------------------------------------------------------------ creating


def _project(project_id) -> Project | None:
    if not project_id:
        return None
    project = db.session.get(Project, int(project_id))
    if project is None:
        raise DomainError(_("The project was not found."), field="project_id")
    return project


def _check_deadline(deadline: datetime | None) -> None:
    if deadline is None:
        raise DomainError(_("Please give the deadline (day and time)."), field="deadline_day")
    if deadline.tzinfo is None:
        raise ValueError("the deadline must be an aware datetime")
    if deadline <= clock.utcnow():
        raise DomainError(_("The deadline lies in the past."), field="deadline_day")


def create_ballot(body: Body | None, data: dict, user=None) -> Ballot:
    """A draft ballot with its first item and the voters of the body today. data: title, deadline
    (aware), text, item_title, item_text, project_id."""
    if body is None or body.archived_at is not None:
        raise DomainError(_("Please choose the body that decides."), field="body_id")
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_("Please give the circulation ballot a title."), field="title")
    _check_deadline(data.get("deadline"))
    text = (data.get("text") or "").strip()
    if len(text) > TEXT_MAX:
        raise DomainError(_("The text is too long (at most %(count)s characters).", count=TEXT_MAX), field="text")
    if text:
        check_personal_text(text)
    ballot = Ballot(body=body, title=title[:TITLE_MAX], text=text, deadline=data["deadline"], status="draft",
                    created_by_id=getattr(user, "id", None))
    db.session.add(ballot)
    db.session.flush()
    add_item(ballot, {"title": data.get("item_title"), "text": data.get("item_text"),
                      "project_id": data.get("project_id")})
    refresh_voters(ballot)
    if not any(v.role == "member" for v in ballot.voters):
        raise DomainError(_("The body has no voting members today; nobody could vote."), field="body_id")
    return ballot


def _draft_only(ballot: Ballot) -> None:
    if ballot.status != "draft":
        raise DomainError(_("The ballot has been started; its items and voters can no longer be changed."))


def add_item(ballot: Ballot, data: dict) -> BallotItem:
    _draft_only(ballot)
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_("Please give the item a title."), field="item_title")
    project = _project(data.get("project_id"))
    position = max((i.position for i in ballot.items), default=0) + 1
    item = BallotItem(ballot=ballot, position=position, title=title[:300], text=(data.get("text") or "").strip(),
                      project=project)
    db.session.add(item)
    db.session.flush()
    return item


def remove_item(ballot: Ballot, item: BallotItem) -> None:
    _draft_only(ballot)
    if len(ballot.items) <= 1:
        raise DomainError(_("A ballot needs at least one item."))
    ballot.items.remove(item)
    for position, each in enumerate(ballot.items, start=1):
        each.position = position
    db.session.flush()


def refresh_voters(ballot: Ballot) -> list[BallotVoter]:
    """The voters of a draft from the body's voting seats today: each member, and each member's
    deputy (a deputy with a seat of their own gets one ballot, as member)."""
    _draft_only(ballot)
    seats = [s for s in ballot.body.seats_on(start_day(ballot)) if s.voting]
    wanted: dict[int, dict] = {}
    for seat in seats:
        wanted[seat.person_id] = {"role": "member", "deputy_for_id": None, "organisation_id": seat.organisation_id}
    for seat in seats:
        if seat.deputy_id is not None and seat.deputy_id not in wanted:
            wanted[seat.deputy_id] = {"role": "deputy", "deputy_for_id": seat.person_id,
                                      "organisation_id": seat.organisation_id}
    existing = {v.person_id: v for v in ballot.voters}
    for person_id, voter in existing.items():
        if person_id not in wanted:
            ballot.voters.remove(voter)
    persons = _persons(wanted)
    for person_id, values in wanted.items():
        voter = existing.get(person_id)
        has_email = bool(email_of(persons[person_id], values["organisation_id"]))
        if voter is None:
            voter = BallotVoter(ballot=ballot, person_id=person_id, token=new_code(),
                                channel="email" if has_email else "letter")
            db.session.add(voter)
        elif not has_email:  # an address gone since: by letter; a choice of letter made by hand stays
            voter.channel = "letter"
        voter.role, voter.deputy_for_id = values["role"], values["deputy_for_id"]
        voter.organisation_id = values["organisation_id"]
    db.session.flush()
    return ballot.voters


def _persons(ids) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_(list(ids)))
        .options(selectinload(Person.affiliations).selectinload(Affiliation.organisation)))}


def load_ballot(ballot_id: int) -> Ballot | None:
    return db.session.scalar(
        select(Ballot).where(Ballot.id == ballot_id)
        .options(selectinload(Ballot.body), selectinload(Ballot.items).selectinload(BallotItem.project),
                 selectinload(Ballot.voters).selectinload(BallotVoter.person),
                 selectinload(Ballot.voters).selectinload(BallotVoter.deputy_for),
                 selectinload(Ballot.voters).selectinload(BallotVoter.votes)))


def ballots_list() -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).options(selectinload(Ballot.body), selectinload(Ballot.voters))
                                   .order_by(Ballot.created_at.desc(), Ballot.id.desc()).limit(200)))


def sorted_voters(ballot: Ballot) -> list[BallotVoter]:
    """Members first, then deputies; by name."""
    return sorted(ballot.voters, key=lambda v: (v.role != "member", v.person.sort_name, v.id))


# ------------------------------------------------------------------ sending


@dataclass
class SendReport:
    sent: int = 0
    failed: list[BallotVoter] = field(default_factory=list)
    letter: int = 0
    mail_folder: str = ""


def default_text(ballot: Ballot) -> str:
    with force_locale("de"):
        return _("{Briefanrede}\n\nthe body decides the following items by circulation ballot, without a meeting. "
                 "Please cast your vote by %(deadline)s with your personal link; votes that arrive later cannot "
                 "be counted.", deadline=deadline_text(ballot))


def _items_text(ballot: Ballot) -> str:
    lines = []
    for item in ballot.items:
        lines.append(f"{item.position}. {item.title}")
        if item.text:
            lines.append(item.text)
    return "\n".join(lines)


def mail_body(ballot: Ballot, voter: BallotVoter, address: str) -> str:
    text = (ballot.text or "").strip() or default_text(ballot)
    addressee = _addressee(voter)
    row = engine.merge_values(addressee, email=address, letter_date=clock.today(), subject=ballot.title)
    with force_locale("de"):
        parts = [engine.fill_text(engine.LetterText(subject="", body=text), row)]
        if voter.role == "deputy" and voter.deputy_for is not None:
            parts.append(_("You vote as deputy of %(name)s; your vote counts only if %(name)s does not vote.",
                           name=voter.deputy_for.full_name))
        parts.append(_("Items:") + "\n" + _items_text(ballot))
        parts.append(_("Your personal link to the ballot (deadline %(deadline)s):", deadline=deadline_text(ballot))
                     + "\n" + personal_link(voter))
        sender = _sender_name_of(ballot)
        parts.append(_("Kind regards") + ("\n" + sender if sender else ""))
    return "\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"


def _sender_name_of(ballot: Ballot) -> str:
    """Who signs: the letterhead's sender, as the meetings' e-mails do."""
    return letter_services.letterhead().sender_name or ""


def subject_of(ballot: Ballot) -> str:
    with force_locale("de"):
        return " ".join(_("Circulation ballot: %(title)s (deadline %(deadline)s)", title=ballot.title,
                          deadline=deadline_text(ballot)).split())[:300]


def _addressee(voter: BallotVoter):
    person = voter.person
    affiliation = next((a for a in person.current_affiliations if a.organisation_id == voter.organisation_id),
                       None) or person.primary_affiliation
    return person.addressee(affiliation)


def _message(ballot: Ballot, voter: BallotVoter, address: str, reply_to: str) -> EmailMessage:
    name = " ".join(voter.person.full_name.replace("\\", " ").replace('"', "'").split())
    return EmailMessage(subject=subject_of(ballot), body=mail_body(ballot, voter, address),
                        to=[f'"{name}" <{address}>' if name else address], reply_to=[reply_to] if reply_to else None)


def _deliver(ballot: Ballot, voters: list[BallotVoter], user=None) -> SendReport:
    report = SendReport()
    now = clock.utcnow()
    reply_to = getattr(user, "email", "") or ""
    batch = []
    for voter in voters:
        if voter.channel == "letter":
            report.letter += 1
            continue
        address = email_of(voter.person, voter.organisation_id)
        voter.email = address
        if not address:
            voter.send_error = _("No e-mail address.")
            report.failed.append(voter)
            continue
        batch.append((voter, address, _message(ballot, voter, address, reply_to)))
    if batch:
        with MailConnection() as connection:
            report.mail_folder = connection.folder
            for voter, address, message in batch:
                reason = connection.send(message, address)
                if reason:
                    voter.send_error = reason[:2000]
                    report.failed.append(voter)
                else:
                    voter.send_error, voter.sent_at = "", now
                    report.sent += 1
    record_audit("ballot", ballot.id, "send", {"sent": [None, report.sent], "failed": [None, len(report.failed)],
                                               "letter": [None, report.letter]}, label=ballot.title)
    db.session.flush()
    return report


def start(ballot: Ballot, user=None) -> SendReport:
    """Opens the ballot (the voters as they stand now) and sends each voter by e-mail the link."""
    _draft_only(ballot)
    if not ballot.items:
        raise DomainError(_("A ballot needs at least one item."))
    _check_deadline(_utc(ballot.deadline))
    refresh_voters(ballot)
    if not any(v.role == "member" for v in ballot.voters):
        raise DomainError(_("The body has no voting members today; nobody could vote."))
    ballot.status = "open"
    ballot.started_at = clock.utcnow()
    ballot.started_by_id = getattr(user, "id", None)
    db.session.flush()
    return _deliver(ballot, sorted_voters(ballot), user)


def retry_failed(ballot: Ballot, user=None) -> SendReport:
    if ballot.status != "open":
        raise DomainError(_("Only an open ballot sends links."))
    failed = [v for v in sorted_voters(ballot) if v.channel == "email" and v.sent_at is None]
    if not failed:
        raise DomainError(_("No message has failed; nothing to send again."))
    return _deliver(ballot, failed, user)


def set_channel(voter: BallotVoter, channel: str) -> None:
    if channel not in ("email", "letter"):
        raise DomainError(_("Unknown channel."))
    if voter.ballot.status == "closed":
        raise DomainError(_("The circulation ballot is closed."))
    voter.channel = channel
    db.session.flush()


# ------------------------------------------------------------------ letters


def letter_voters(ballot: Ballot) -> list[BallotVoter]:
    """Who is reached by post: the voters with the channel letter (no e-mail address)."""
    return [v for v in sorted_voters(ballot) if v.channel == "letter"]


def letters_docx(ballot: Ballot, user=None) -> tuple[bytes, list[str]]:
    """One Word file with a DIN 5008 letter per voter by post (the letter engine's letterhead), each
    with the personal link and the code to type; returns (document, names without a postal address)."""
    if ballot.status != "open":
        raise DomainError(_("Letters with the personal links can be written while the ballot is open."))
    voters = letter_voters(ballot)
    if not voters:
        raise DomainError(_("Every voter is reached by e-mail; no letter is needed."))
    resolution = letter_services.resolve(letter_services.Source(person_ids=[v.person_id for v in voters]),
                                         "at_organisation")
    by_person = {r.person_id: r for r in resolution.recipients}
    reasons = {e.person_id: e.reason for e in resolution.excluded}
    lh = letter_services.engine_letterhead(letter_services.letterhead())
    today = clock.today()
    letters, missing = [], []
    now = clock.utcnow()
    for voter in voters:
        recipient = by_person.get(voter.person_id)
        if recipient is None:
            missing.append(f"{voter.person.full_name}: {reasons.get(voter.person_id, '')}".rstrip(": "))
            continue
        row = engine.merge_values(recipient.addressee, recipient.email, today, ballot.title)
        context = engine.letter_context(lh, engine.LetterText(subject=subject_of(ballot), body=_letter_body(
            ballot, voter), signature=letter_services.letterhead().contact_person), [row])
        letters += context["letters"]
        voter.letter_at = now
    if not letters:
        raise DomainError(_("Nobody to be written to has a postal address: %(names)s", names="; ".join(missing)))
    document = engine.render_letters(lh, letters)
    record_audit("ballot", ballot.id, "send", {"letter": [None, len(letters)]}, label=ballot.title)
    db.session.flush()
    return document, missing


def _brace(text: str) -> str:
    return (text or "").replace("{", "{{").replace("}", "}}")


def _letter_body(ballot: Ballot, voter: BallotVoter) -> str:
    text = (ballot.text or "").strip() or default_text(ballot)
    with force_locale("de"):
        parts = [text, _brace(_("Items:") + "\n" + _items_text(ballot))]
        if voter.role == "deputy" and voter.deputy_for is not None:
            parts.append(_brace(_("You vote as deputy of %(name)s; your vote counts only if %(name)s does not "
                                  "vote.", name=voter.deputy_for.full_name)))
        parts.append(_brace(_("Please vote on the internet by %(deadline)s: open %(link)s or go to %(base)s and "
                              "type your personal code %(code)s.", deadline=deadline_text(ballot),
                              link=personal_link(voter), base=url_for("decisions.ballot_code", _external=True),
                              code=code_text(voter.token))))
    return "\n\n".join(parts)


# ------------------------------------------------------------------ answering


def voter_by_token(token: str) -> BallotVoter | None:
    code = normalise_code(token)
    if not code:
        return None
    return db.session.scalar(
        select(BallotVoter).where(BallotVoter.token == code)
        .options(selectinload(BallotVoter.ballot).selectinload(Ballot.items), selectinload(BallotVoter.votes),
                 selectinload(BallotVoter.person)))


def refusal(voter: BallotVoter) -> str | None:
    """Why this voter cannot vote now (None: they can)."""
    ballot = voter.ballot
    if voter.answered_at is not None:
        return _("You voted on %(when)s; a vote cast cannot be changed.",
                 when=to_berlin(voter.answered_at).strftime("%d.%m.%Y %H:%M"))
    if ballot.status == "draft":
        return _("The circulation ballot has not been opened yet.")
    if deadline_passed(ballot):
        return deadline_message(ballot)
    if ballot.status == "closed":
        return _("The circulation ballot was closed on %(date)s; no more votes are taken.",
                 date=to_berlin(ballot.closed_at).strftime("%d.%m.%Y") if ballot.closed_at else "")
    return None


def record_late(voter: BallotVoter) -> None:
    """An attempt to vote after the deadline: counted, shown as late to the office."""
    voter.late_attempts = (voter.late_attempts or 0) + 1
    voter.last_late_at = clock.utcnow()
    db.session.flush()


@dataclass
class Answer:
    """What the form sent: per item id the values given for its vote, and the items with a conflict."""

    votes: dict = field(default_factory=dict)  # item id -> list of values
    conflicts: set = field(default_factory=set)


def _lock(ballot: Ballot) -> None:
    """Answers and closing take turns on the ballot's row (PostgreSQL: SELECT ... FOR UPDATE; SQLite
    writes one at a time anyway): no vote slips in while a ballot is being counted, and what a
    concurrent request committed meanwhile is read afresh."""
    db.session.flush()
    db.session.execute(select(Ballot.id).where(Ballot.id == ballot.id).with_for_update())
    db.session.expire_all()


def answer(voter: BallotVoter, given: Answer) -> None:
    """Stores the voter's answer on every item, or refuses it as a whole (nothing stored)."""
    _lock(voter.ballot)
    reason = refusal(voter)
    if reason:
        raise DomainError(reason)
    ballot = voter.ballot
    items = {i.id: i for i in ballot.items}
    unknown = [k for k in list(given.votes) + list(given.conflicts) if k not in items]
    if unknown:
        raise DomainError(_("The answer names an item that is not part of this ballot."))
    chosen: dict[int, str | None] = {}
    for item in ballot.items:
        values = [v for v in given.votes.get(item.id, []) if v]
        if len(values) > 1:
            raise DomainError(_("Only one vote per item: “%(item)s” was given %(count)s votes.", item=item.title,
                                count=len(values)), field=f"item-{item.id}")
        value = values[0] if values else None
        if value is not None and value not in VOTES:
            raise DomainError(_("Please vote yes, no or abstain on “%(item)s”.", item=item.title),
                              field=f"item-{item.id}")
        if item.id in given.conflicts:
            if value is not None:
                raise DomainError(_("On “%(item)s” you declared a conflict of interest: you are excluded from this "
                                    "vote. Please leave the vote empty, or take the declaration back.",
                                    item=item.title), field=f"item-{item.id}")
        elif value is None:
            raise DomainError(_("Please vote on “%(item)s” (yes, no or abstain), or declare a conflict of "
                                "interest.", item=item.title), field=f"item-{item.id}")
        chosen[item.id] = value
    for item_id, value in chosen.items():
        db.session.add(BallotVote(voter=voter, item_id=item_id, vote=value, conflicted=value is None))
    voter.answered_at = clock.utcnow()
    db.session.flush()


# ------------------------------------------------------------------ the result


@dataclass
class ItemResult:
    item: BallotItem
    check: rules.ItemCheck
    counted: list[int]  # person ids whose votes count on the item


@dataclass
class Progress:
    seats: int  # voting seats
    answered_seats: int  # seats with a ballot in (member or deputy)
    voters: int
    answered: int
    late: int
    failed: int  # by e-mail, not (yet) delivered: refused, or switched from letter to e-mail
    letters: int


def _answered_ids(ballot: Ballot) -> set[int]:
    return {v.person_id for v in ballot.voters if v.answered_at is not None}


def members(ballot: Ballot) -> list[rules.Member]:
    return services.body_members(ballot.body, start_day(ballot), _answered_ids(ballot))


def progress(ballot: Ballot) -> Progress:
    seats = members(ballot)
    return Progress(
        seats=len(seats), answered_seats=sum(1 for m in seats if m.counts), voters=len(ballot.voters),
        answered=sum(1 for v in ballot.voters if v.answered_at is not None),
        late=sum(1 for v in ballot.voters if v.late_attempts),
        failed=sum(1 for v in ballot.voters if ballot.status != "draft" and v.channel == "email" and v.sent_at is None),
        letters=sum(1 for v in ballot.voters if v.channel == "letter"))


def tally(ballot: Ballot) -> list[ItemResult]:
    """Every item checked as it stands now: the seats that answered in time, each counted once (the
    member's ballot before the deputy's), conflicts excluded."""
    seats = members(ballot)
    by_person = {v.person_id: v for v in ballot.voters}
    thresholds = services.body_thresholds(ballot.body)
    results = []
    for item in ballot.items:
        conflicted, counted = set(), []
        yes = no = abstain = 0
        for m in seats:
            voter = by_person.get(m.voter_id) if m.counts else None
            if voter is None:
                continue
            row = next((v for v in voter.votes if v.item_id == item.id), None)
            if row is None:
                continue
            if row.conflicted:
                conflicted.add(voter.person_id)
                continue
            counted.append(voter.person_id)
            yes += row.vote == "yes"
            no += row.vote == "no"
            abstain += row.vote == "abstain"
        try:
            check = rules.check_item(seats, conflicted, rules.Votes(yes, no, abstain), thresholds, took_part=TOOK_PART)
        except rules.VoteError:
            raise DomainError(_("%(cast)s votes on “%(item)s”, but only %(voting)s members may vote on it. The "
                                "ballot cannot be counted; please contact the administrator.",
                                cast=yes + no + abstain, item=item.title, voting=len(counted)))
        results.append(ItemResult(item=item, check=check, counted=counted))
    return results


def close(ballot: Ballot, user=None, early_confirmed: bool = False) -> list[ItemResult]:
    """Closes the ballot and stores per item the counts, the result and the check as it stands; an item
    about a project moves the project on. Before the deadline only with `early_confirmed` unless every
    voting seat has answered."""
    _lock(ballot)
    if ballot.status == "closed":
        raise DomainError(_("The circulation ballot is already closed."))
    if ballot.status != "open":
        raise DomainError(_("The circulation ballot has not been started yet."))
    state = progress(ballot)
    if not deadline_passed(ballot) and state.answered_seats < state.seats and not early_confirmed:
        raise DomainError(_("The deadline (%(when)s) has not passed and %(missing)s voting seats have not voted "
                            "yet. Please confirm that you want to close the ballot early.",
                            when=deadline_text(ballot), missing=state.seats - state.answered_seats),
                          field="confirm_early")
    results = tally(ballot)
    ballot.status = "closed"
    ballot.closed_at = clock.utcnow()
    ballot.closed_by_id = getattr(user, "id", None)
    day = to_berlin(ballot.closed_at).date()
    for result in results:
        item, check = result.item, result.check
        item.votes_yes, item.votes_no, item.votes_abstain = check.yes, check.no, check.abstain
        item.result = check.result
        item.check_result = {**check.as_json(), "answered_ids": sorted(_answered_ids(ballot)),
                             "counted_ids": sorted(result.counted)}
        if item.project is not None:
            services.move_project_on(item.project, check.result, day)
    db.session.flush()
    return results


def close_due() -> list[Ballot]:
    """Closes every open ballot whose deadline has passed (flask crm close-ballots)."""
    due = db.session.scalars(select(Ballot.id).where(Ballot.status == "open", Ballot.deadline <= clock.utcnow()))
    closed = []
    for ballot_id in list(due):
        ballot = load_ballot(ballot_id)
        close(ballot)
        closed.append(ballot)
    return closed


def vote_of(voter: BallotVoter, item: BallotItem) -> BallotVote | None:
    return next((v for v in voter.votes if v.item_id == item.id), None)


def project_ballot_items(project: Project) -> list[BallotItem]:
    return list(db.session.scalars(
        select(BallotItem).join(Ballot).where(BallotItem.project_id == project.id, Ballot.status == "closed")
        .options(selectinload(BallotItem.ballot)).order_by(Ballot.closed_at)))


# ------------------------------------------------------------------ the result letter

RESULT_WORDS = {"passed": "angenommen", "rejected": "abgelehnt", "invalid": "kein gültiger Beschluss"}


def result_text(ballot: Ballot) -> str:
    """The body of the result letter: per item the counts, the check in words and the result."""
    with force_locale("de"):
        parts = [_("{Briefanrede}\n\nthe circulation ballot “%(title)s” of %(body)s closed on %(date)s (deadline "
                   "%(deadline)s). The result:", title=_brace(ballot.title), body=_brace(ballot.body.name),
                   date=long_date(to_berlin(ballot.closed_at).date()) if ballot.closed_at else "",
                   deadline=deadline_text(ballot))]
        for item in ballot.items:
            check = item.check_result or {}
            lines = [f"{item.position}. {item.title}"]
            if item.project is not None:
                lines.append(_("Project: %(title)s", title=item.project.title))
            lines.append(_("Yes: %(yes)s, no: %(no)s, abstentions: %(abstain)s; excluded for a conflict of "
                           "interest: %(excluded)s.", yes=item.votes_yes or 0, no=item.votes_no or 0,
                           abstain=item.votes_abstain or 0, excluded=check.get("excluded", 0)))
            lines += list(check.get("reasons", []))
            parts.append(_brace("\n".join(lines)))
    return "\n\n".join(parts)


def result_letter(ballot: Ballot) -> bytes:
    """The result letter to every member of the ballot with a postal address (DIN 5008, the letter
    engine's letterhead), one letter each in one Word file."""
    if ballot.status != "closed":
        raise DomainError(_("The result letter can be written once the ballot is closed."))
    voters = [v for v in sorted_voters(ballot) if v.role == "member"]
    source = letter_services.Source(person_ids=[v.person_id for v in voters])
    resolution = letter_services.resolve(source, "at_organisation")
    text = engine.LetterText(subject=_("Result of the circulation ballot: %(title)s", title=ballot.title)[:200],
                             body=result_text(ballot), signature=letter_services.letterhead().contact_person)
    return letter_services.render(resolution, template=None, letter_date=clock.today(), text=text)


def filename(ballot: Ballot, kind: str) -> str:
    from crm.core.text import fold

    slug = "-".join(fold(ballot.title).split())[:50]
    slug = "".join(ch for ch in slug if ch.isalnum() or ch == "-") or "umlaufverfahren"
    return f"{kind}-{slug}.docx"


def body_ballots(body: Body) -> dict | None:
    """For the body's page: its latest circulation ballots (bodies with voting seats)."""
    recent = list(db.session.scalars(select(Ballot).where(Ballot.body_id == body.id)
                                     .order_by(Ballot.created_at.desc(), Ballot.id.desc()).limit(3)))
    if not recent and not any(s.voting for s in body.seats_on()):
        return None
    return {"body": body, "ballots": recent}
