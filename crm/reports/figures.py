"""Every figure of the monitoring page, its CSV files and the activity report (Tätigkeitsbericht),
computed from the data for a period [start, end] (whole days in Europe/Berlin) and an optional field
of action. One function, `compute`, feeds all three: the same numbers everywhere.

Each query groups in the database (GROUP BY) or reads one column for the time series; nothing runs a
query per row. Which records stand behind a figure is answered by `records` with the same selections
(the `*_ids` functions), so that a figure and its list of records cannot disagree.

What is counted:
- meetings: not cancelled, starting in the period; invitees and participants (attended) per body and kind;
  with a field of action: meetings of bodies working in it;
- advisory sessions: interactions of the kind "project advice" in the period, per project;
- interactions by field of action and kind (an interaction in two fields counts in both rows; the total
  counts it once);
- projects: those under way in the period (recorded before its end, not finished before its start) by
  their status today, with costs and funding; cooperation projects among them;
- LAG decisions: decisions of the LAG bodies taken in the period, by result;
- qualification: offers whose first date lies in the period; participants as on the qualification
  figures page (who attended; before attendance is taken: who holds a seat), by target group and by
  municipality;
- campaigns sent in the period and their reach (e-mails sent plus letters);
- new persons and organisations recorded in the period, and the size of the network at its end.
"""
from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, distinct, func, or_, select

from crm.contacts.models import (
    Affiliation,
    FieldOfAction,
    Organisation,
    Person,
    TargetGroup,
    organisation_field,
    person_field,
    person_target_group,
)
from crm.core import time as clock
from crm.extensions import db

MAX_YEARS = 30
# figures that describe a state, not something done in the period
STATE_FIGURES = ("network_persons", "network_organisations", "projects", "funding")


class PeriodError(ValueError):
    """The period cannot be used; the message is German text for the user."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    field_id: int | None = None

    @property
    def lo(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=clock.region_zone()).astimezone(timezone.utc)

    @property
    def hi(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min,
                                tzinfo=clock.region_zone()).astimezone(timezone.utc)

    def args(self, **extra) -> dict:
        out = {"von": self.start.isoformat(), "bis": self.end.isoformat()}
        if self.field_id:
            out["feld"] = self.field_id
        out.update({k: v for k, v in extra.items() if v is not None})
        return out

    @property
    def label(self) -> str:
        return f"{self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}"


def parse_period(args) -> Period:
    """The period of the request: ?von=&bis= (ISO dates), else ?jahr= with an optional ?halbjahr=1|2,
    else the current year; ?feld= a field of action. Raises PeriodError with a German message."""
    from crm.core.converters import parse_id

    field_id = parse_id(args.get("feld"))
    raw_from, raw_to = (args.get("von") or "").strip(), (args.get("bis") or "").strip()
    if raw_from or raw_to:
        try:
            start = date.fromisoformat(raw_from) if raw_from else None
            end = date.fromisoformat(raw_to) if raw_to else None
        except ValueError:
            raise PeriodError(_("Please give the dates of the period as dates (DD.MM.YYYY).")) from None
        if start is None or end is None:
            raise PeriodError(_("Please give both the start and the end of the period."))
    else:
        try:
            year = int(args.get("jahr") or clock.today().year)
        except ValueError:
            raise PeriodError(_("Please give the year as a number.")) from None
        if not 1900 <= year <= 2200:
            raise PeriodError(_("Please give the year as a number."))
        half = args.get("halbjahr") or ""
        if half == "1":
            start, end = date(year, 1, 1), date(year, 6, 30)
        elif half == "2":
            start, end = date(year, 7, 1), date(year, 12, 31)
        else:
            start, end = date(year, 1, 1), date(year, 12, 31)
    return make_period(start, end, field_id)


def make_period(start: date, end: date, field_id: int | None = None) -> Period:
    if end < start:
        raise PeriodError(_("The end of the period lies before its start."))
    if (end - start).days > MAX_YEARS * 366:
        raise PeriodError(_("The period may span at most %(years)s years.", years=MAX_YEARS))
    if field_id is not None and db.session.get(FieldOfAction, field_id) is None:
        field_id = None
    return Period(start, end, field_id)


# ------------------------------------------------------------------ result types


@dataclass
class Row:
    cells: list
    url: str | None = None


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[Row]
    note: str = ""
    total: Row | None = None

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "line" (over time), "bar" (categories), "barh" (long category names)
    categories: list[str]
    series: list[tuple[str, list]]
    category_label: str = ""
    url: str | None = None  # the records behind the chart

    @property
    def empty(self) -> bool:
        return not self.categories or not any(any(v for v in values) for _name, values in self.series)


@dataclass
class KeyFigure:
    key: str
    label: str
    value: object
    url: str | None = None


@dataclass
class Figures:
    period: Period
    field_name: str
    key_figures: list[KeyFigure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, table keys)

    @property
    def empty(self) -> bool:
        """Nothing happened in the period (the size of the network and projects still open are no activity)."""
        return not any(k.value for k in self.key_figures if k.key not in STATE_FIGURES)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)

    def key_figure(self, key: str) -> KeyFigure:
        return next(k for k in self.key_figures if k.key == key)


# ------------------------------------------------------------------ selections (shared with `records`)


def _records_url(what: str, p: Period, **extra) -> str:
    return url_for("reports.records", record_kind=what, **p.args(**extra))


def in_field(column, link, p: Period):
    """`column` is among the ids that `link` (an association table with field_of_action_id) ties to the
    period's field of action."""
    key = next(c for c in link.c if c.name != "field_of_action_id")
    return column.in_(select(key).where(link.c.field_of_action_id == p.field_id))


def meeting_select(p: Period):
    from crm.meetings.models import Meeting
    from crm.network.models import body_field

    stmt = select(Meeting.id).where(Meeting.starts_at >= p.lo, Meeting.starts_at < p.hi, Meeting.status != "cancelled")
    if p.field_id:
        stmt = stmt.where(in_field(Meeting.body_id, body_field, p))
    return stmt


def interaction_select(p: Period, kind: str | None = None):
    from crm.interactions.models import Interaction, interaction_field

    stmt = select(Interaction.id).where(Interaction.occurred_at >= p.lo, Interaction.occurred_at < p.hi)
    if kind:
        stmt = stmt.where(Interaction.kind == kind)
    if p.field_id:
        stmt = stmt.where(in_field(Interaction.id, interaction_field, p))
    return stmt


def project_select(p: Period):
    from crm.projects.models import Project, project_field

    stmt = select(Project.id).where(Project.created_at < p.hi,
                                    or_(Project.end_date.is_(None), Project.end_date >= p.start))
    if p.field_id:
        stmt = stmt.where(in_field(Project.id, project_field, p))
    return stmt


LAG_BODY_KINDS = ("lag_decision", "lag_assembly")


def decision_select(p: Period):
    from crm.decisions.models import Decision
    from crm.meetings.models import AgendaItem, Meeting
    from crm.network.models import Body, body_field
    from crm.projects.models import project_field

    stmt = (select(Decision.id).join(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id).join(Body, Body.id == Meeting.body_id)
            .where(Body.kind.in_(LAG_BODY_KINDS), Decision.decided_at >= p.lo, Decision.decided_at < p.hi))
    if p.field_id:
        stmt = stmt.where(or_(
            in_field(Decision.project_id, project_field, p),
            in_field(Body.id, body_field, p)))
    return stmt


def offer_select(p: Period):
    from crm.qualification.models import OfferSession, offer_field

    first = (select(OfferSession.offer_id, func.min(OfferSession.starts_at).label("first"))
             .group_by(OfferSession.offer_id).subquery())
    stmt = select(first.c.offer_id).where(first.c.first >= p.lo, first.c.first < p.hi)
    if p.field_id:
        stmt = stmt.where(in_field(first.c.offer_id, offer_field, p))
    return stmt


def campaign_select(p: Period):
    from crm.campaigns.campaign_models import Campaign

    return select(Campaign.id).where(Campaign.sent_at >= p.lo, Campaign.sent_at < p.hi, Campaign.status != "draft")


def _contact_select(model, link, p: Period, *, standing: bool):
    """Persons or organisations recorded in the period, or (standing) in the network at its end."""
    if standing:
        when = (model.created_at < p.hi, or_(model.archived_at.is_(None), model.archived_at >= p.hi))
    else:
        when = (model.created_at >= p.lo, model.created_at < p.hi)
    stmt = select(model.id).where(*when)
    if p.field_id:
        stmt = stmt.where(in_field(model.id, link, p))
    return stmt


def person_select(p: Period):
    return _contact_select(Person, person_field, p, standing=False)


def organisation_select(p: Period):
    return _contact_select(Organisation, organisation_field, p, standing=False)


def network_person_select(p: Period):
    return _contact_select(Person, person_field, p, standing=True)


def network_organisation_select(p: Period):
    return _contact_select(Organisation, organisation_field, p, standing=True)


# ------------------------------------------------------------------ time buckets


def buckets(p: Period) -> tuple[str, list[tuple[date, str]]]:
    """("month"|"quarter"|"year", [(first day, label)]) covering the period."""
    months = (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1
    if months <= 24:
        unit, step = "month", 1
    elif months <= 96:
        unit, step = "quarter", 3
    else:
        unit, step = "year", 12
    first = date(p.start.year, 1 if unit == "year" else (p.start.month - 1) // step * step + 1, 1)
    out = []
    day = first
    while day <= p.end:
        if unit == "month":
            label = f"{day:%m/%Y}"
        elif unit == "quarter":
            label = f"Q{(day.month - 1) // 3 + 1}/{day.year}"
        else:
            label = str(day.year)
        out.append((day, label))
        month = day.month - 1 + step
        day = date(day.year + month // 12, month % 12 + 1, 1)
    return unit, out


def _bucket_counts(p: Period, values, weights=None) -> list[int]:
    """Counts (or summed weights) of timestamps per bucket of the period (Europe/Berlin days)."""
    _unit, keys = buckets(p)
    starts = [k for k, _label in keys]
    counts = [0] * len(starts)
    zone = clock.region_zone()


    for i, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, datetime):
            if value.tzinfo is None:  # SQLite gives UTC without its zone
                value = value.replace(tzinfo=timezone.utc)
            day = value.astimezone(zone).date()
        else:
            day = value
        pos = bisect.bisect_right(starts, day) - 1
        if 0 <= pos < len(counts):
            counts[pos] += weights[i] if weights is not None else 1
    return counts


# ------------------------------------------------------------------ the figures


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def compute(p: Period) -> Figures:
    from crm.campaigns.campaign_models import Campaign, CampaignRecipient
    from crm.decisions.models import RESULTS, Decision
    from crm.interactions.models import INTERACTION_KINDS, Interaction, interaction_field
    from crm.meetings.models import MEETING_KINDS, Invitee, Meeting
    from crm.network.models import Body
    from crm.projects.models import COOPERATION, PROJECT_STATUSES, Project
    from crm.qualification.models import OFFER_KINDS, Offer, OfferSession, Registration

    field_obj = db.session.get(FieldOfAction, p.field_id) if p.field_id else None
    out = Figures(period=p, field_name=field_obj.name if field_obj else "")
    session = db.session
    fields = {f.id: f.name for f in session.scalars(select(FieldOfAction).order_by(FieldOfAction.position))}

    # ---- meetings per body and kind
    meetings = meeting_select(p).subquery()
    inv = (select(Invitee.meeting_id, func.count(Invitee.id).label("n"),
                  func.sum(case((Invitee.attended.is_(True), 1), else_=0)).label("att"))
           .group_by(Invitee.meeting_id).subquery())
    rows = session.execute(
        select(Meeting.body_id, Meeting.kind, func.count(Meeting.id), func.coalesce(func.sum(inv.c.n), 0),
               func.coalesce(func.sum(inv.c.att), 0))
        .join(meetings, meetings.c.id == Meeting.id).outerjoin(inv, inv.c.meeting_id == Meeting.id)
        .group_by(Meeting.body_id, Meeting.kind)).all()
    bodies = {b.id: b.name for b in session.scalars(select(Body).where(Body.id.in_({r[0] for r in rows if r[0]})))}
    no_body = _("without a body (network meeting)")
    meeting_rows = sorted(
        (Row([bodies.get(body_id, no_body) if body_id else no_body, str(MEETING_KINDS.get(kind, kind)),
              int(n), int(invited), int(came)],
             _records_url("meetings", p, body=body_id or 0, kind=kind))
         for body_id, kind, n, invited, came in rows),
        key=lambda r: (r.cells[0] == no_body, r.cells[0].lower(), r.cells[1]))
    totals = [sum(r.cells[i] for r in meeting_rows) for i in (2, 3, 4)]
    out.tables.append(Table(
        "meetings", _("Meetings per body and kind"),
        [_("Body"), _("Kind"), _("Meetings"), _("Invitees"), _("Participants")], meeting_rows,
        note=_("Participants: invitees whose attendance was recorded."),
        total=Row([_("In total"), ""] + totals, _records_url("meetings", p))))
    per_body = Counter()
    for r in meeting_rows:
        per_body[r.cells[0]] += r.cells[4]

    # ---- advisory sessions per project
    advice = interaction_select(p, "advice").subquery()
    rows = session.execute(
        select(Interaction.project_id, func.count(Interaction.id)).join(advice, advice.c.id == Interaction.id)
        .group_by(Interaction.project_id)).all()
    projects = {pr.id: pr for pr in session.scalars(
        select(Project).where(Project.id.in_({r[0] for r in rows if r[0]})))}
    sponsors = _sponsor_names(projects.values())
    advice_rows = []
    for project_id, n in rows:
        base = {"kind": "advice", "from": p.start.isoformat(), "to": p.end.isoformat(), "field": p.field_id}
        if project_id:
            pr = projects[project_id]
            advice_rows.append(Row([pr.title, sponsors.get(pr.id, ""), int(n)],
                                   url_for("interactions.interaction_list", project=project_id,
                                           **{k: v for k, v in base.items() if v})))
        else:
            advice_rows.append(Row([_("without a project"), "", int(n)], _records_url("advice", p, project=0)))
    advice_rows.sort(key=lambda r: (-r.cells[2], r.cells[0].lower()))
    advice_total = sum(r.cells[2] for r in advice_rows)
    advice_list = url_for("interactions.interaction_list", **{k: v for k, v in {
        "kind": "advice", "from": p.start.isoformat(), "to": p.end.isoformat(), "field": p.field_id}.items() if v})
    out.tables.append(Table(
        "advice", _("Advisory sessions with project sponsors"), [_("Project"), _("Sponsor"), _("Advisory sessions")],
        advice_rows, total=Row([_("In total"), "", advice_total], advice_list)))

    # ---- interactions by field of action and kind
    inter = interaction_select(p).subquery()
    rows = session.execute(
        select(interaction_field.c.field_of_action_id, Interaction.kind, func.count(distinct(Interaction.id)))
        .join(inter, inter.c.id == Interaction.id)
        .outerjoin(interaction_field, interaction_field.c.interaction_id == Interaction.id)
        .group_by(interaction_field.c.field_of_action_id, Interaction.kind)).all()
    if p.field_id:
        rows = [r for r in rows if r[0] == p.field_id]
    interaction_total = session.scalar(select(func.count()).select_from(inter)) or 0
    positions = {fid: i for i, fid in enumerate(fields)}
    no_field = _("without a field of action")
    inter_rows = []
    for fid, kind, n in sorted(rows, key=lambda r: (r[0] is None, positions.get(r[0], 0), r[1])):
        label = fields.get(fid, no_field) if fid else no_field
        if fid:
            url = url_for("interactions.interaction_list", kind=kind, field=fid, **{"from": p.start.isoformat(),
                                                                                    "to": p.end.isoformat()})
        else:
            url = _records_url("interactions", p, field_none=1, kind=kind)
        inter_rows.append(Row([label, str(INTERACTION_KINDS.get(kind, kind)), int(n)], url))
    all_interactions = url_for("interactions.interaction_list", **{k: v for k, v in {
        "from": p.start.isoformat(), "to": p.end.isoformat(), "field": p.field_id}.items() if v})
    out.tables.append(Table(
        "interactions", _("Interactions by field of action and kind"), [_("Field of action"), _("Kind"),
                                                                          _("Interactions")],
        inter_rows, note=_("An interaction in two fields of action counts in both; the total counts it once."),
        total=Row([_("In total"), "", interaction_total], all_interactions)))
    per_field = Counter()
    for r in inter_rows:
        per_field[r.cells[0]] += r.cells[2]

    # ---- projects by status, cooperation
    proj = project_select(p).subquery()
    rows = session.execute(
        select(Project.status, func.count(Project.id), func.sum(Project.total_cost), func.sum(Project.eligible_cost),
               func.sum(Project.funding_amount))
        .join(proj, proj.c.id == Project.id).group_by(Project.status)).all()
    order = {k: i for i, k in enumerate(PROJECT_STATUSES)}
    project_rows = [Row([str(PROJECT_STATUSES.get(s, s)), int(n), _money(tc), _money(ec), _money(fa)],
                        _records_url("projects", p, status=s))
                    for s, n, tc, ec, fa in sorted(rows, key=lambda r: order.get(r[0], 99))]
    ptot = [sum(r.cells[i] for r in project_rows) for i in (1, 2, 3, 4)]
    out.tables.append(Table(
        "projects", _("Projects by status with costs and funding"),
        [_("Status"), _("Projects"), _("Total cost (EUR)"), _("Eligible cost (EUR)"), _("Funding (EUR)")],
        project_rows, note=_("Projects under way in the period (recorded before its end, not finished before its "
                             "start), by their status today."),
        total=Row([_("In total")] + [ptot[0]] + [_money(v) for v in ptot[1:]], _records_url("projects", p))))
    rows = session.execute(
        select(Project.cooperation, func.count(Project.id), func.sum(Project.funding_amount))
        .join(proj, proj.c.id == Project.id).where(Project.cooperation != "").group_by(Project.cooperation)).all()
    coop_rows = [Row([str(COOPERATION.get(c, c)), int(n), _money(fa)], _records_url("projects", p, cooperation=c))
                 for c, n, fa in sorted(rows)]
    out.tables.append(Table(
        "cooperation", _("Cooperation projects"), [_("Cooperation"), _("Projects"), _("Funding (EUR)")], coop_rows,
        total=Row([_("In total"), sum(r.cells[1] for r in coop_rows), _money(sum(r.cells[2] for r in coop_rows))],
                  _records_url("projects", p, cooperation="any"))))

    # ---- LAG decisions
    dec = decision_select(p).subquery()
    rows = session.execute(
        select(Decision.result, func.count(Decision.id), func.count(Decision.project_id))
        .join(dec, dec.c.id == Decision.id).group_by(Decision.result)).all()
    result_order = {k: i for i, k in enumerate(RESULTS)}
    decision_rows = [Row([str(RESULTS.get(r, r)), int(n), int(np_)], _records_url("decisions", p, result=r))
                     for r, n, np_ in sorted(rows, key=lambda r: result_order.get(r[0], 99))]
    out.tables.append(Table(
        "decisions", _("Decisions of the LAG"), [_("Result"), _("Decisions"), _("of them on a project")],
        decision_rows, total=Row([_("In total"), sum(r.cells[1] for r in decision_rows),
                                  sum(r.cells[2] for r in decision_rows)], _records_url("decisions", p))))

    # ---- qualification
    offers = offer_select(p).subquery()
    offer_rows_db = session.execute(
        select(Offer.id, Offer.kind).join(offers, offers.c.offer_id == Offer.id)).all()
    offer_kind = dict(offer_rows_db)
    session_counts = dict(session.execute(
        select(OfferSession.offer_id, func.count(OfferSession.id))
        .join(offers, offers.c.offer_id == OfferSession.offer_id)
        .group_by(OfferSession.offer_id)).all())
    regs = session.execute(
        select(Registration.offer_id, Registration.person_id, Registration.status)
        .join(offers, offers.c.offer_id == Registration.offer_id)).all()
    counted, seats = _counted_participants(regs)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for offer_id, kind in offer_kind.items():
        by_kind[kind][0] += 1
        by_kind[kind][1] += session_counts.get(offer_id, 0)
    for offer_id, _person in seats:
        by_kind[offer_kind[offer_id]][2] += 1
    for offer_id, _person in counted:
        by_kind[offer_kind[offer_id]][3] += 1
    kind_order = {k: i for i, k in enumerate(OFFER_KINDS)}
    qual_rows = [Row([str(OFFER_KINDS.get(k, k))] + v, _records_url("offers", p, kind=k))
                 for k, v in sorted(by_kind.items(), key=lambda kv: kind_order.get(kv[0], 99))]
    out.tables.append(Table(
        "qualification", _("Qualification offers"),
        [_("Kind"), _("Offers"), _("Course dates"), _("Registrations with a seat"), _("Participants")], qual_rows,
        note=_("Offers whose first date lies in the period. Participants: who attended; before attendance is "
               "taken, who holds a seat."),
        total=Row([_("In total")] + [sum(r.cells[i] for r in qual_rows) for i in (1, 2, 3, 4)],
                  _records_url("offers", p))))
    groups, places = _participant_groups(counted)
    out.tables.append(Table(
        "target_groups", _("Participants by target group"), [_("Target group"), _("Participants")],
        [Row([name, n], _records_url("participants", p, target_group=name)) for name, n in groups],
        note=_("A participant in two target groups counts in both."),
        total=Row([_("Participants"), len(counted)], _records_url("participants", p))))
    out.tables.append(Table(
        "municipalities", _("Participants by municipality"), [_("Municipality"), _("Participants")],
        [Row([name, n], _records_url("participants", p, municipality=name)) for name, n in places],
        note=_("The municipality of the participant's primary organisation, else their own place."),
        total=Row([_("In total"), len(counted)], _records_url("participants", p))))

    # ---- campaigns
    camps = campaign_select(p).subquery()
    crow = session.execute(select(Campaign.id, Campaign.subject, Campaign.sent_at, Campaign.channel)
                           .join(camps, camps.c.id == Campaign.id).order_by(Campaign.sent_at)).all()
    stats = defaultdict(Counter)
    for cid, status, n in session.execute(
            select(CampaignRecipient.campaign_id, CampaignRecipient.status, func.count(CampaignRecipient.id))
            .join(camps, camps.c.id == CampaignRecipient.campaign_id)
            .group_by(CampaignRecipient.campaign_id, CampaignRecipient.status)):
        stats[cid][status] += int(n)
    campaign_rows = []
    for cid, subject, sent_at, _channel in crow:
        s = stats[cid]
        campaign_rows.append(Row([subject, clock_date(sent_at), s["sent"], s["letter"], s["failed"], s["excluded"],
                                  s["sent"] + s["letter"]], url_for("campaigns.campaign_detail", campaign_id=cid)))
    out.tables.append(Table(
        "campaigns", _("Campaigns and their reach"),
        [_("Campaign"), _("Sent on"), _("E-mails sent"), _("Letters"), _("Not delivered"), _("Left out"),
         _("Reach")], campaign_rows,
        note=_("Reach: e-mails sent plus letters. Campaigns have no field of action: the filter does not apply."),
        total=Row([_("In total"), ""] + [sum(r.cells[i] for r in campaign_rows) for i in range(2, 7)],
                  _records_url("campaigns", p))))

    # ---- contacts and network
    new_persons = session.scalar(select(func.count()).select_from(person_select(p).subquery())) or 0
    new_orgs = session.scalar(select(func.count()).select_from(organisation_select(p).subquery())) or 0
    net_persons = session.scalar(select(func.count()).select_from(network_person_select(p).subquery())) or 0
    net_orgs = session.scalar(select(func.count()).select_from(network_organisation_select(p).subquery())) or 0
    out.tables.append(Table(
        "network", _("New contacts and size of the network"), [_("Figure"), _("Persons"), _("Organisations")],
        [Row([_("newly recorded in the period"), new_persons, new_orgs], _records_url("persons", p)),
         Row([_("in the network at the end of the period"), net_persons, net_orgs],
             _records_url("persons", p, network=1))],
        note=_("Archived contacts no longer count in the network.")))

    # ---- key figures
    meeting_total = out.table("meetings").total
    q_total = out.table("qualification").total
    c_total = out.table("campaigns").total
    p_total = out.table("projects").total
    d_total = out.table("decisions").total
    out.key_figures = [
        KeyFigure("meetings", _("Meetings"), meeting_total.cells[2], meeting_total.url),
        KeyFigure("meeting_participants", _("Participants in meetings"), meeting_total.cells[4], meeting_total.url),
        KeyFigure("advice", _("Advisory sessions"), advice_total, advice_list),
        KeyFigure("interactions", _("Interactions"), interaction_total, all_interactions),
        KeyFigure("projects", _("Projects under way"), p_total.cells[1], p_total.url),
        KeyFigure("funding", _("Funding of these projects (EUR)"), p_total.cells[4], p_total.url),
        KeyFigure("decisions", _("Decisions of the LAG"), d_total.cells[1], d_total.url),
        KeyFigure("offers", _("Qualification offers"), q_total.cells[1], q_total.url),
        KeyFigure("course_participants", _("Course participants"), q_total.cells[4], q_total.url),
        KeyFigure("campaign_reach", _("Reach of campaigns"), c_total.cells[6], c_total.url),
        KeyFigure("new_persons", _("New persons"), new_persons, _records_url("persons", p)),
        KeyFigure("network_persons", _("Persons in the network"), net_persons, _records_url("persons", p, network=1)),
        KeyFigure("network_organisations", _("Organisations in the network"), net_orgs,
                  _records_url("organisations", p, network=1)),
    ]

    # ---- over time
    unit, keys = buckets(p)
    labels = [label for _d, label in keys]
    meeting_times = session.scalars(select(Meeting.starts_at).join(meetings, meetings.c.id == Meeting.id)).all()
    part = session.execute(select(Meeting.starts_at, inv.c.att).join(meetings, meetings.c.id == Meeting.id)
                           .join(inv, inv.c.meeting_id == Meeting.id)).all()
    inter_times = session.scalars(select(Interaction.occurred_at).join(inter, inter.c.id == Interaction.id)).all()
    advice_times = session.scalars(select(Interaction.occurred_at).join(advice, advice.c.id == Interaction.id)).all()
    person_times = session.scalars(select(Person.created_at).where(Person.id.in_(person_select(p)))).all()
    first_of = dict(session.execute(
        select(OfferSession.offer_id, func.min(OfferSession.starts_at))
        .join(offers, offers.c.offer_id == OfferSession.offer_id).group_by(OfferSession.offer_id)).all())
    course_counts = Counter(offer_id for offer_id, _person in counted)
    unit_label = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}[unit]
    out.charts.append(Chart(
        "activity", _("Activity over time"), "line", labels,
        [(_("Meetings"), _bucket_counts(p, meeting_times)), (_("Advisory sessions"), _bucket_counts(p, advice_times)),
         (_("Interactions"), _bucket_counts(p, inter_times))], unit_label, all_interactions))
    out.charts.append(Chart(
        "people_over_time", _("Participants and new contacts over time"), "line", labels,
        [(_("Participants in meetings"), _bucket_counts(p, [r[0] for r in part], [int(r[1] or 0) for r in part])),
         (_("Course participants"), _bucket_counts(p, list(first_of.get(o) for o in course_counts),
                                                   list(course_counts.values()))),
         (_("New persons"), _bucket_counts(p, person_times))], unit_label, _records_url("persons", p)))
    field_names = [name for name in fields.values() if name in per_field] + (
        [no_field] if no_field in per_field else [])
    out.charts.append(Chart(
        "fields", _("Interactions by field of action"), "barh", field_names,
        [(_("Interactions"), [per_field[name] for name in field_names])], _("Field of action"), all_interactions))
    out.charts.append(Chart(
        "funding", _("Projects by status: funding"), "bar", [r.cells[0] for r in project_rows],
        [(_("Funding (EUR)"), [float(r.cells[4]) for r in project_rows]),
         (_("Total cost (EUR)"), [float(r.cells[2]) for r in project_rows])], _("Status"),
        _records_url("projects", p)))
    body_names = [name for name, _n in sorted(per_body.items(), key=lambda kv: (-kv[1], kv[0]))]
    out.charts.append(Chart(
        "bodies", _("Participants in meetings per body"), "barh", body_names,
        [(_("Participants"), [per_body[name] for name in body_names])], _("Body"), _records_url("meetings", p)))
    out.charts.append(Chart(
        "target_groups", _("Course participants by target group"), "barh", [name for name, _n in groups],
        [(_("Participants"), [n for _name, n in groups])], _("Target group"), _records_url("participants", p)))

    out.sections = [
        (_("Meetings and bodies"), ["meetings", "decisions"]),
        (_("Advice and interactions"), ["advice", "interactions"]),
        (_("Projects"), ["projects", "cooperation"]),
        (_("Qualification"), ["qualification", "target_groups", "municipalities"]),
        (_("Campaigns"), ["campaigns"]),
        (_("Contacts and network"), ["network"]),
    ]
    return out


def clock_date(value: datetime | None) -> str:
    from crm.core.formatting import local_date

    return local_date(value) if value else ""


def _sponsor_names(projects) -> dict[int, str]:
    projects = list(projects)
    org_ids = {pr.sponsor_organisation_id for pr in projects if pr.sponsor_organisation_id}
    person_ids = {pr.sponsor_person_id for pr in projects if pr.sponsor_person_id}
    orgs = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                   .where(Organisation.id.in_(org_ids))).all()) if org_ids else {}
    persons = {pe.id: pe.full_name for pe in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))} \
        if person_ids else {}
    return {pr.id: orgs.get(pr.sponsor_organisation_id) or persons.get(pr.sponsor_person_id, "") for pr in projects}


def _counted_participants(regs) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(counted, with a seat) as (offer_id, person_id): the rule of the qualification figures page."""
    from crm.qualification.models import SEAT_STATUSES

    held = {offer_id for offer_id, _person, status in regs if status in ("attended", "no_show")}
    seats = [(o, pe) for o, pe, s in regs if s in SEAT_STATUSES]
    counted = [(o, pe) for o, pe, s in regs if (s == "attended" if o in held else s in SEAT_STATUSES)]
    return counted, seats


def _municipalities(person_ids: set[int]) -> dict[int, str]:
    """The municipality of each person as crm.qualification.matching._municipality finds it, in two queries."""
    if not person_ids:
        return {}
    today = clock.today()
    muni = db.aliased(Organisation)
    person_filter = Affiliation.person_id.in_(list(person_ids)) if len(person_ids) < 900 else True
    rows = db.session.execute(
        select(Affiliation.person_id, Affiliation.is_primary, Organisation.sort_name, Organisation.kind,
               Organisation.name, Organisation.city, muni.name)
        .join(Organisation, Organisation.id == Affiliation.organisation_id)
        .outerjoin(muni, muni.id == Organisation.municipality_id)
        .where(person_filter, or_(Affiliation.valid_to.is_(None), Affiliation.valid_to >= today))).all()
    best: dict[int, tuple] = {}
    for person_id, primary, sort_name, kind, name, city, muni_name in rows:
        if person_id not in person_ids:
            continue
        key = (not primary, sort_name or "")
        if person_id not in best or key < best[person_id][0]:
            best[person_id] = (key, kind, name, city, muni_name)
    cities = dict(db.session.execute(select(Person.id, Person.city).where(
        Person.id.in_(list(person_ids)) if len(person_ids) < 900 else True)).all())
    out = {}
    for person_id in person_ids:
        if person_id in best:
            _key, kind, name, city, muni_name = best[person_id]
            if kind == "municipality":
                out[person_id] = name
                continue
            if muni_name:
                out[person_id] = muni_name
                continue
            if city:
                out[person_id] = city
                continue
        out[person_id] = cities.get(person_id) or _("unknown")
    return out


def _participant_groups(counted) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    person_ids = {pe for _o, pe in counted}
    groups_of: dict[int, list[str]] = defaultdict(list)
    if person_ids:
        flt = person_target_group.c.person_id.in_(list(person_ids)) if len(person_ids) < 900 else True
        for person_id, name in db.session.execute(
                select(person_target_group.c.person_id, TargetGroup.name)
                .join(TargetGroup, TargetGroup.id == person_target_group.c.target_group_id).where(flt)):
            if person_id in person_ids:
                groups_of[person_id].append(name)
    places_of = _municipalities(person_ids)
    groups, places = Counter(), Counter()
    for _offer, person_id in counted:
        for name in groups_of.get(person_id) or [_("no target group")]:
            groups[name] += 1
        places[places_of[person_id]] += 1

    def order(c):
        return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))

    return order(groups), order(places)


# ------------------------------------------------------------------ records behind a figure

RECORD_KINDS = ("meetings", "advice", "interactions", "projects", "decisions", "offers", "participants", "campaigns",
                "persons", "organisations")
RECORD_LIMIT = 2000


@dataclass
class Records:
    title: str
    header: list[str]
    rows: list[Row]
    more: int = 0  # rows left off


def records(what: str, p: Period, args) -> Records:
    """The records behind one figure: the same selections as `compute`, narrowed by the row's values."""
    from crm.campaigns.campaign_models import Campaign
    from crm.core.converters import parse_id
    from crm.decisions.models import RESULTS, Decision
    from crm.interactions.models import INTERACTION_KINDS, Interaction, interaction_field
    from crm.meetings.models import AgendaItem, Meeting
    from crm.projects.models import PROJECT_STATUSES, Project
    from crm.qualification.models import Offer, Registration

    session = db.session
    if what == "meetings":
        stmt = select(Meeting).where(Meeting.id.in_(meeting_select(p))).order_by(Meeting.starts_at)
        if args.get("body") is not None and args.get("body") != "":
            body_id = parse_id(args.get("body"))
            stmt = stmt.where(Meeting.body_id == body_id if body_id else Meeting.body_id.is_(None))
        if args.get("kind"):
            stmt = stmt.where(Meeting.kind == args["kind"])
        items = session.scalars(stmt.limit(RECORD_LIMIT + 1)).all()
        rows = [Row([m.title, clock_date(m.starts_at), m.kind_label, m.body.name if m.body else ""],
                    url_for("meetings.detail", meeting_id=m.id)) for m in items]
        return _limited(Records(_("Meetings"), [_("Title"), _("Date"), _("Kind"), _("Body")], rows))
    if what in ("advice", "interactions"):
        stmt = select(Interaction).where(Interaction.id.in_(
            interaction_select(p, "advice" if what == "advice" else (args.get("kind") or None))))
        if what == "advice" and args.get("project") == "0":
            stmt = stmt.where(Interaction.project_id.is_(None))
        if args.get("field_none"):
            stmt = stmt.where(~Interaction.id.in_(select(interaction_field.c.interaction_id)))
        items = session.scalars(stmt.order_by(Interaction.occurred_at).limit(RECORD_LIMIT + 1)).all()
        rows = [Row([i.subject, clock_date(i.occurred_at), str(INTERACTION_KINDS.get(i.kind, i.kind))],
                    url_for("interactions.interaction_detail", interaction_id=i.id)) for i in items]
        return _limited(Records(_("Interactions"), [_("Subject"), _("Date"), _("Kind")], rows))
    if what == "projects":
        stmt = select(Project).where(Project.id.in_(project_select(p)))
        if args.get("status") in PROJECT_STATUSES:
            stmt = stmt.where(Project.status == args["status"])
        coop = args.get("cooperation")
        if coop == "any":
            stmt = stmt.where(Project.cooperation != "")
        elif coop:
            stmt = stmt.where(Project.cooperation == coop)
        items = session.scalars(stmt.order_by(Project.sort_title).limit(RECORD_LIMIT + 1)).all()
        rows = [Row([pr.title, pr.status_label, _money(pr.total_cost), _money(pr.funding_amount)],
                    url_for("projects.project_detail", project_id=pr.id)) for pr in items]
        return _limited(Records(_("Projects"), [_("Title"), _("Status"), _("Total cost (EUR)"), _("Funding (EUR)")],
                                rows))
    if what == "decisions":
        stmt = select(Decision).where(Decision.id.in_(decision_select(p)))
        if args.get("result") in RESULTS:
            stmt = stmt.where(Decision.result == args["result"])
        items = session.scalars(stmt.order_by(Decision.decided_at).limit(RECORD_LIMIT + 1)).all()
        meeting_of = dict(session.execute(select(AgendaItem.id, AgendaItem.meeting_id).where(
            AgendaItem.id.in_([d.agenda_item_id for d in items]))).all()) if items else {}
        rows = [Row([d.agenda_item.title, clock_date(d.decided_at), d.result_label,
                     d.project.title if d.project else ""],
                    url_for("decisions.minutes", meeting_id=meeting_of[d.agenda_item_id]) + f"#item-{d.agenda_item_id}")
                for d in items]
        return _limited(Records(_("Decisions of the LAG"), [_("Agenda item"), _("Decided on"), _("Result"),
                                                              _("Project")], rows))
    if what == "offers":
        stmt = select(Offer).where(Offer.id.in_(offer_select(p)))
        if args.get("kind"):
            stmt = stmt.where(Offer.kind == args["kind"])
        items = session.scalars(stmt.order_by(Offer.title).limit(RECORD_LIMIT + 1)).all()
        rows = [Row([o.title, o.kind_label, o.status_label], url_for("qualification.offer_detail", offer_id=o.id))
                for o in items]
        return _limited(Records(_("Qualification offers"), [_("Title"), _("Kind"), _("Status")], rows))
    if what == "participants":
        regs = session.execute(select(Registration.offer_id, Registration.person_id, Registration.status)
                               .where(Registration.offer_id.in_(offer_select(p)))).all()
        counted, _seats = _counted_participants(regs)
        person_ids = {pe for _o, pe in counted}
        if args.get("municipality"):
            places = _municipalities(person_ids)
            person_ids = {pe for pe in person_ids if places[pe] == args["municipality"]}
        if args.get("target_group"):
            name = args["target_group"]
            if name == _("no target group"):
                with_group = set(session.scalars(select(person_target_group.c.person_id)))
                person_ids = {pe for pe in person_ids if pe not in with_group}
            else:
                members = set(session.scalars(
                    select(person_target_group.c.person_id)
                    .join(TargetGroup, TargetGroup.id == person_target_group.c.target_group_id)
                    .where(TargetGroup.name == name)))
                person_ids &= members
        offers = dict(session.execute(select(Offer.id, Offer.title).where(Offer.id.in_(offer_select(p)))).all())
        persons = {pe.id: pe for pe in session.scalars(select(Person).where(Person.id.in_(list(person_ids))))} \
            if person_ids else {}
        rows = [Row([persons[pe].full_name, offers.get(o, "")], url_for("contacts.person_detail", person_id=pe))
                for o, pe in counted if pe in persons]
        rows.sort(key=lambda r: (r.cells[0].lower(), r.cells[1]))
        return _limited(Records(_("Course participants"), [_("Person"), _("Offer")], rows[:RECORD_LIMIT + 1]))
    if what == "campaigns":
        items = session.scalars(select(Campaign).where(Campaign.id.in_(campaign_select(p)))
                                .order_by(Campaign.sent_at).limit(RECORD_LIMIT + 1)).all()
        rows = [Row([c.subject, clock_date(c.sent_at), c.status_label],
                    url_for("campaigns.campaign_detail", campaign_id=c.id)) for c in items]
        return _limited(Records(_("Campaigns"), [_("Subject"), _("Sent on"), _("Status")], rows))
    if what in ("persons", "organisations"):
        return _contact_records(what, p, network=bool(args.get("network")))
    raise KeyError(what)


def _contact_records(what: str, p: Period, *, network: bool) -> Records:
    """The persons or organisations recorded in the period (network: in the network at its end)."""
    if what == "persons":
        model, title, endpoint, key, name = Person, _("Persons"), "contacts.person_detail", "person_id", "full_name"
        stmt = network_person_select(p) if network else person_select(p)
    else:
        model, title, endpoint, key, name = (Organisation, _("Organisations"), "contacts.organisation_detail", "org_id",
                                             "name")
        stmt = network_organisation_select(p) if network else organisation_select(p)
    items = db.session.scalars(select(model).where(model.id.in_(stmt)).order_by(model.sort_name)
                               .limit(RECORD_LIMIT + 1)).all()
    rows = [Row([getattr(r, name), clock_date(r.created_at)], url_for(endpoint, **{key: r.id})) for r in items]
    return _limited(Records(title, [_("Name"), _("Recorded on")], rows))


def _limited(rec: Records) -> Records:
    if len(rec.rows) > RECORD_LIMIT:
        rec.more = len(rec.rows) - RECORD_LIMIT
        rec.rows = rec.rows[:RECORD_LIMIT]
    return rec


# ------------------------------------------------------------------ text of a cell


def cell_text(value) -> str:
    """German text of a figure: 1.234 and 12.500,00."""
    from crm.core.formatting import whole_number
    from crm.projects.services import format_eur

    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        return format_eur(value, True).replace("\u00a0€", "")
    if isinstance(value, int):
        return whole_number(value)
    return str(value)
