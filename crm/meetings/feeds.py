"""Calendar files of meetings: the event as iCalendar sees it (shared with the invitations), the
download of one meeting, and the subscribed feeds (a user's, a body's) behind secret addresses.

Feeds are METHOD:PUBLISH: no organiser, no attendees, no e-mail address, no personal link. A wrong
or revoked token finds nothing (the view answers 404 and tells nothing more).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from crm.contacts.models import Affiliation, Person
from crm.core import time as clock
from crm.core.errors import DomainError
from crm.extensions import db
from crm.interop import ical
from crm.meetings.models import CalendarFeed, Invitee, Meeting
from crm.meetings.services import place_text
from crm.network.models import Body

# A feed shows the meetings of the last year and all coming ones.
FEED_PAST = timedelta(days=366)


# ------------------------------------------------------------------ the event


def agenda_text(meeting: Meeting) -> str:
    """The agenda as numbered lines, German (it goes into e-mails and calendars)."""
    with force_locale("de"):
        lines = []
        if meeting.description:
            lines += [meeting.description.strip(), ""]
        if meeting.agenda_items:
            lines.append(_("Agenda"))
            for number, item in enumerate(sorted(meeting.agenda_items, key=lambda i: (i.position, i.id)), start=1):
                lines.append(f"{number}. {item.title}")
        if meeting.online_url:
            if lines:
                lines.append("")
            lines.append(_("Online: %(url)s", url=meeting.online_url))
        return "\n".join(lines).strip()


def calendar_event(meeting: Meeting, url: str = "", sequence: int | None = None) -> ical.CalendarEvent:
    """The meeting for iCalendar; its UID is the meeting's for its whole life."""
    if meeting.starts_at is None:
        raise DomainError(_("The meeting has no date yet."), field="starts_at")
    status = {"cancelled": "CANCELLED", "planned": "TENTATIVE"}.get(meeting.status, "CONFIRMED")
    return ical.CalendarEvent(
        uid=meeting.uid, starts_at=meeting.starts_at, ends_at=meeting.ends_at, summary=meeting.title,
        location=place_text(meeting) or meeting.online_url, description=agenda_text(meeting), url=url,
        sequence=meeting.sequence if sequence is None else sequence, status=status, dtstamp=clock.utcnow())


def meeting_ics(meeting: Meeting) -> bytes:
    """The download of one meeting (METHOD:PUBLISH)."""
    return ical.calendar_publish([calendar_event(meeting)], name=meeting.title)


def ics_filename(meeting: Meeting) -> str:
    from crm.core.formatting import to_berlin

    day = to_berlin(meeting.starts_at).strftime("%Y-%m-%d") if meeting.starts_at else "termin"
    return f"termin-{day}-{meeting.id}.ics"


# ------------------------------------------------------------------ feeds


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


def active_feed(user=None, body: Body | None = None) -> CalendarFeed | None:
    stmt = select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))
    if body is not None:
        stmt = stmt.where(CalendarFeed.body_id == body.id)
    else:
        stmt = stmt.where(CalendarFeed.user_id == user.id)
    return db.session.scalar(stmt.order_by(CalendarFeed.id.desc()).limit(1))


def renew_feed(user=None, body: Body | None = None) -> CalendarFeed:
    """A new secret address; the old one (if any) stops working at once. Flushes."""
    revoke_feed(user=user, body=body)
    feed = CalendarFeed(token=new_feed_token(), user_id=None if body is not None else user.id,
                        body_id=body.id if body is not None else None)
    db.session.add(feed)
    db.session.flush()
    return feed


def revoke_feed(user=None, body: Body | None = None) -> int:
    """Ends every active address of this user or body; returns how many. Flushes."""
    count = 0
    while (feed := active_feed(user=user, body=body)) is not None:
        feed.revoked_at = clock.utcnow()
        db.session.flush()
        count += 1
    return count


def feed_by_token(token: str) -> CalendarFeed | None:
    """The active feed of a token; None for anything unknown, revoked or malformed."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.token == token, CalendarFeed.revoked_at.is_(None)))


def _person_ids_of_user(user) -> list[int]:
    """Persons whose address (own or at an organisation) is the user's login e-mail."""
    email = (user.email or "").strip().lower()
    if not email:
        return []
    own = select(Person.id).where(func.lower(Person.email) == email)
    at_org = select(Affiliation.person_id).where(func.lower(Affiliation.email) == email)
    return list(db.session.scalars(own.union(at_org)))


def feed_meetings(feed: CalendarFeed) -> list[Meeting]:
    since = clock.utcnow() - FEED_PAST
    stmt = (select(Meeting).where(Meeting.starts_at.is_not(None), Meeting.starts_at >= since)
            .options(selectinload(Meeting.location_organisation), selectinload(Meeting.agenda_items))
            .order_by(Meeting.starts_at, Meeting.id))
    if feed.body_id is not None:
        stmt = stmt.where(Meeting.body_id == feed.body_id)
    else:
        person_ids = _person_ids_of_user(feed.user)
        invited = select(Invitee.meeting_id).where(Invitee.person_id.in_(person_ids)) if person_ids else None
        stmt = stmt.where(or_(Meeting.organiser_id == feed.user_id,
                              *([Meeting.id.in_(invited)] if invited is not None else [])))
    return list(db.session.scalars(stmt))


def feed_name(feed: CalendarFeed) -> str:
    with force_locale("de"):
        if feed.body_id is not None:
            return feed.body.name
        return _("Meetings of %(name)s", name=feed.user.display_name)


@dataclass
class FeedContent:
    data: bytes
    etag: str


def feed_content(feed: CalendarFeed) -> FeedContent:
    """The feed's calendar and its ETag (a hash of what it says, so an unchanged feed answers 304)."""
    events = [calendar_event(m) for m in feed_meetings(feed)]
    # DTSTAMP is "now" on every build: the ETag is taken from a build with a fixed stamp
    stable = [ical.CalendarEvent(**{**e.__dict__, "dtstamp": e.starts_at}) for e in events]
    name = feed_name(feed)
    etag = hashlib.sha256(ical.calendar_publish(stable, name=name, refresh=ical.FEED_REFRESH)).hexdigest()[:32]
    return FeedContent(ical.calendar_publish(events, name=name, refresh=ical.FEED_REFRESH), etag)


# ------------------------------------------------------------------ the panel


@dataclass
class FeedPanel:
    """What templates/meetings/_feed_links.html shows for a user's or a body's feed."""

    title: str
    feed: CalendarFeed | None
    renew_url: str
    revoke_url: str
    may_change: bool

    @property
    def https_url(self) -> str:
        return url_for("meetings.feed", token=self.feed.token, _external=True) if self.feed else ""

    @property
    def webcal_url(self) -> str:
        url = self.https_url
        return "webcal://" + url.split("://", 1)[1] if url else ""


def feed_panel(user, body: Body | None = None) -> FeedPanel:
    """The panel for `body`'s feed (changed by staff and above), else for the user's own."""
    from crm.core.permissions import role_at_least

    if body is not None:
        return FeedPanel(title=_("Calendar of %(name)s", name=body.name), feed=active_feed(body=body),
                         renew_url=url_for("meetings.body_feed_renew", body_id=body.id),
                         revoke_url=url_for("meetings.body_feed_revoke", body_id=body.id),
                         may_change=role_at_least(user, "staff"))
    return FeedPanel(title=_("My meetings as a calendar subscription"), feed=active_feed(user=user),
                     renew_url=url_for("meetings.user_feed_renew"), revoke_url=url_for("meetings.user_feed_revoke"),
                     may_change=True)


def feed_bodies() -> list[Body]:
    return list(db.session.scalars(select(Body).where(Body.archived_at.is_(None)).order_by(Body.name)))

