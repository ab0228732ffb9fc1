"""A fixture region whose figures for 2025 are counted by hand in tests/reports/test_figures.py:
140 persons, five organisations, two bodies, seven meetings, six projects, nineteen interactions, four
decisions, three qualification offers, three campaigns — with records just outside the year on both
sides (Europe/Berlin: 31.12.2025 23:30 is still 2025)."""
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import count

import pytest

from crm.extensions import db

UTC = timezone.utc
_uid = count(1)


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def region(app):
    from crm.campaigns.campaign_models import Campaign, CampaignRecipient
    from crm.contacts.models import Affiliation, FieldOfAction, Organisation, Person, TargetGroup
    from crm.decisions.models import Decision
    from crm.interactions.models import Interaction
    from crm.meetings.models import AgendaItem, Invitee, Meeting
    from crm.network.models import Body
    from crm.projects.models import Project
    from crm.qualification.models import Offer, OfferSession, Registration

    s = db.session
    f1, f2, f3 = (FieldOfAction(name=n, position=i) for i, n in enumerate(("Tourismus", "Klima", "Kultur"), 1))
    youth, farmers = TargetGroup(name="Jugend"), TargetGroup(name="Landwirte")
    s.add_all([f1, f2, f3, youth, farmers])
    old = at(2024, 1, 1)
    eschau = Organisation(name="Markt Eschau", kind="municipality", sector="public", created_at=old)
    moenchberg = Organisation(name="Gemeinde Mönchberg", kind="municipality", sector="public", created_at=old)
    s.add_all([eschau, moenchberg])
    s.flush()
    v1 = Organisation(name="Heimatverein Eschau", municipality_id=eschau.id, created_at=old)
    v2 = Organisation(name="Obstbauverein", city="Klingenberg", created_at=old)
    new_org = Organisation(name="Bürgerenergie eG", created_at=at(2025, 5, 1))
    s.add_all([v1, v2, new_org])

    persons = []
    for i in range(140):
        p = Person(last_name=f"Person{i:03d}", first_name="Anna" if i % 2 else "Bernd",
                   created_at=at(2024, 6, 1) if i < 100 else at(2025, 3, 15))
        if i < 20 or 100 <= i < 110:
            p.fields_of_action = [f1]
        if 50 <= i < 55:
            p.archived_at = at(2024, 10, 1)
        if i in (60, 61):
            p.archived_at = at(2026, 2, 1)
        if i <= 5:
            p.target_groups = [youth] + ([farmers] if i >= 4 else [])
        elif i <= 7:
            p.target_groups = [farmers]
        if 10 <= i <= 12:
            p.city = "Wörth"
        persons.append(p)
    s.add_all(persons)
    s.flush()
    for i in range(10):
        org = v1 if i <= 4 else moenchberg if i <= 7 else v2
        s.add(Affiliation(person=persons[i], organisation=org, valid_from=date(2020, 1, 1), is_primary=True))

    lag = Body(name="LAG Entscheidungsgremium", kind="lag_decision")
    lag.fields_of_action = [f1]
    ak = Body(name="AK Klima", kind="working_group")
    ak.fields_of_action = [f2]
    s.add_all([lag, ak])
    s.flush()

    def meeting(title, body, kind, when, invited, came, status="held"):
        m = Meeting(title=title, body_id=body.id if body else None, kind=kind, starts_at=when, status=status,
                    uid=f"reports-{next(_uid)}@test")
        s.add(m)
        s.flush()
        for k in range(invited):
            s.add(Invitee(meeting_id=m.id, person_id=persons[20 + k].id, attended=k < came,
                          token=f"tok-{m.id}-{k}", role="member"))
        return m

    m1 = meeting("LAG März", lag, "session", at(2025, 3, 10, 17), 12, 9)
    m2 = meeting("LAG September", lag, "session", at(2025, 9, 15, 17), 12, 10)
    m3 = meeting("AK Klima Mai", ak, "working_circle", at(2025, 5, 5, 16), 8, 6)
    meeting("Netzwerktreffen", None, "network", at(2025, 11, 20, 17), 20, 15)
    meeting("LAG abgesagt", lag, "session", at(2025, 6, 1, 17), 12, 0, status="cancelled")
    meeting("LAG Silvester 2024", lag, "session", at(2024, 12, 31, 22, 30), 12, 12)  # 23:30 in Berlin: 2024
    meeting("AK Klima Silvester", ak, "working_circle", at(2025, 12, 31, 22, 30), 4, 4)  # 23:30 in Berlin: 2025

    def project(title, status, money, field, cooperation="", created=at(2024, 6, 1), end_date=None):
        total, eligible, funding = (Decimal(v) if v is not None else None for v in money)
        p = Project(title=title, status=status, total_cost=total, eligible_cost=eligible, funding_amount=funding,
                    cooperation=cooperation, created_at=created, end_date=end_date)
        p.fields_of_action = [field]
        s.add(p)
        return p

    p1 = project("Radweg Maintal", "approved", (100000, 80000, 48000), f1)
    p2 = project("Dorfladen Mönchberg", "in_progress", (50000, 40000, 24000), f2, "regional")
    project("Kulturscheune", "idea", (None, None, None), f3)
    project("Solarberatung", "done", (30000, 30000, 15000), f2, end_date=date(2024, 12, 31))
    project("Jugendaustausch", "approved", (20000, 20000, 16000), f1, "transnational")
    project("Neues Vorhaben 2026", "idea", (5000, 5000, 2500), f1, created=at(2026, 1, 10))
    s.flush()

    def decide(m, title, result, project=None):
        item = AgendaItem(meeting_id=m.id, title=title, needs_vote=True)
        s.add(item)
        s.flush()
        s.add(Decision(agenda_item_id=item.id, result=result, votes_yes=7, decided_at=m.starts_at,
                       project_id=project.id if project else None, check_result={}))

    decide(m1, "Auswahl Radweg", "passed", p1)
    decide(m1, "Antrag Vereinsheim", "rejected")
    decide(m2, "Auswahl Dorfladen", "passed", p2)
    decide(m3, "Empfehlung des AK", "passed", p2)  # not a LAG body

    def interaction(kind, when, fields=(), project=None):
        i = Interaction(kind=kind, subject=f"{kind} {when:%d.%m.%Y}", occurred_at=when,
                        project_id=project.id if project else None)
        i.fields_of_action = list(fields)
        s.add(i)

    for d in (1, 2, 3):
        interaction("advice", at(2025, d, 10), [f1], p1)
    for d in (4, 5):
        interaction("advice", at(2025, d, 10), [f2], p2)
    interaction("advice", at(2025, 7, 1))
    interaction("advice", at(2024, 7, 1), [f1], p1)  # before the period
    for d in (1, 2, 3, 4):
        interaction("talk", at(2025, d, 20), [f1])
    for d in (5, 6):
        interaction("talk", at(2025, d, 20), [f1, f2])
    for d in (7, 8, 9):
        interaction("talk", at(2025, d, 20))
    for d in (10, 11):
        interaction("phone", at(2025, d, 20), [f3])

    def offer(title, kind, dates, field, regs):
        o = Offer(title=title, kind=kind, status="open", capacity=20)
        o.fields_of_action = [field]
        s.add(o)
        s.flush()
        for when in dates:
            s.add(OfferSession(offer_id=o.id, starts_at=when))
        for person_index, status in regs:
            s.add(Registration(offer_id=o.id, person_id=persons[person_index].id, status=status))

    offer("Förderantrag richtig stellen", "seminar", [at(2025, 4, 10), at(2025, 4, 17)], f1,
          [(i, "attended") for i in range(10)] + [(90, "no_show"), (91, "no_show")])
    offer("Klimawerkstatt", "workshop", [at(2025, 10, 1)], f2,
          [(i, "registered") for i in range(10, 15)] + [(92, "waitlisted"), (93, "waitlisted")])
    offer("Altes Seminar", "seminar", [at(2024, 11, 5)], f1, [(i, "attended") for i in range(20, 30)])

    def campaign(subject, sent_at, status, outcome):
        c = Campaign(subject=subject, sent_at=sent_at, status=status)
        s.add(c)
        s.flush()
        k = 0
        for state, n in outcome:
            for _ in range(n):
                s.add(CampaignRecipient(campaign_id=c.id, person_id=persons[k].id, status=state, position=k))
                k += 1

    campaign("Newsletter Juni", at(2025, 6, 1), "sent", [("sent", 30), ("letter", 5), ("failed", 2), ("excluded", 3)])
    campaign("Entwurf", None, "draft", [])
    campaign("Newsletter 2024", at(2024, 6, 1), "sent", [("sent", 50)])
    s.commit()
    return {"fields": (f1, f2, f3), "lag": lag, "ak": ak, "persons": persons}


@pytest.fixture
def report_docx(app, client, tmp_path, monkeypatch):
    """report_docx(report_id) -> the download of its Word document, fetched as a user does: the button's POST
    starts the job (inline in tests, so done at once), the job's page offers the file, its link downloads
    it. The job's files go to tmp_path/files."""
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "files"))

    def fetch(report_id):
        response = client.post(f"/berichte/{report_id}/bericht.docx")
        assert response.status_code == 302 and "/berichte/auftraege/" in response.headers["Location"]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        link = re.search(r'id="job-download" href="([^"]+)"', page)
        assert link, page
        return client.get(link.group(1))

    return fetch
