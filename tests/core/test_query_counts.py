"""No N+1 on the detail pages: the same number of queries with 5 and with 50 related rows.

Each page gets every kind of related row it shows (functions, seats, projects, interactions,
tasks, contacts ...) n times; the count of SQL statements for the page must not grow with n.
"""
from datetime import date, datetime, timedelta, timezone
from itertools import count

import pytest

from crm.extensions import db

_seq = count(1)


@pytest.fixture
def world(app, make_org, make_person, make_function):
    """Builders that hang n related rows of every kind on a person, organisation, body, project, interaction."""
    from crm.contacts.models import Affiliation, FieldOfAction, Tag
    from crm.interactions.models import Interaction, Task
    from crm.network.models import Body, InterestGroup, Seat
    from crm.projects.models import Project, ProjectContact

    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin", key=True)
    council = make_function("Gemeinderat", "Gemeinderätin")
    group = InterestGroup(name="Kommunen", sector="public")
    lag = Body(name="LAG Entscheidungsgremium", kind="lag_decision")
    db.session.add_all([group, lag])
    db.session.commit()
    when = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)

    def person(i, org=None):
        return make_person(f"Mitglied{next(_seq)}", "Eva", gender="female", organisation=org,
                           function=council if i % 2 else mayor)

    def org():
        return make_org(f"Verein {next(_seq)}")

    def interaction(persons=(), orgs=(), project=None):
        record = Interaction(subject=f"Gespräch {next(_seq)}", kind="talk", persons=list(persons),
                             organisations=list(orgs), project=project, occurred_at=when)
        db.session.add(record)
        db.session.add(Task(title=f"Nachfassen {next(_seq)}", interaction=record, due_on=date(2026, 12, 20),
                            person=record.persons[0] if record.persons else None))
        return record

    def for_person(target, n):
        for i in range(n):
            o = org()
            db.session.add(Affiliation(person=target, organisation=o, function=council if i % 2 else mayor,
                                       valid_from=date(2020, 1, 1), valid_to=date(2022, 1, 1) if i % 3 == 0 else None))
            body = Body(name=f"AK {next(_seq)}", kind="working_group")
            db.session.add(Seat(body=body, person=target, organisation=o, interest_group=group, role="member",
                                valid_from=date(2023, 1, 1)))
            project = Project(title=f"Projekt {next(_seq)}", sponsor_person=target if i % 2 else None)
            db.session.add(ProjectContact(project=project, person=target, role="Ansprechpartnerin"))
            interaction([target], [o], project)
            target.tags.append(Tag(name=f"Schlagwort {next(_seq)}"))
            target.fields_of_action.append(FieldOfAction(name=f"Handlungsfeld {next(_seq)}"))
            target.city = f"Ort {i}"  # history rows
            db.session.commit()

    def for_organisation(target, n):
        for i in range(n):
            p = person(i, target)
            db.session.add(Seat(body=lag, person=p, organisation=target, interest_group=group, role="member",
                                valid_from=date(2023, 1, 1) + timedelta(days=i)))
            db.session.add(Project(title=f"Projekt {next(_seq)}", sponsor_organisation=target))
            interaction([p], [target])
            db.session.add(make_org(f"Ortsverein {next(_seq)}", parent=target) if False else org())
            target.tags.append(Tag(name=f"Schlagwort {next(_seq)}"))
            db.session.commit()

    def for_body(target, n):
        for i in range(n):
            o = org()
            p = person(i, o)
            db.session.add(Seat(body=target, person=p, organisation=o, interest_group=group,
                                role="chair" if i == 0 else "member", deputy=person(i + 1, o),
                                valid_from=date(2023, 1, 1)))
            db.session.add(Body(name=f"Unter-AK {next(_seq)}", kind="working_group", parent=target))
            db.session.commit()

    def for_project(target, n):
        for i in range(n):
            p = person(i, org())
            db.session.add(ProjectContact(project=target, person=p, role="Mitglied"))
            interaction([p], p.affiliations[0:1] and [p.affiliations[0].organisation], target)
            db.session.add(Task(title=f"Aufgabe {next(_seq)}", project=target, due_on=date(2026, 12, 1)))
            target.fields_of_action.append(FieldOfAction(name=f"Handlungsfeld {next(_seq)}"))
            db.session.commit()

    def for_interaction(target, n):
        for i in range(n):
            o = org()
            p = person(i, o)  # commits: build it before touching the collections
            target.persons.append(p)
            target.organisations.append(o)
            target.fields_of_action.append(FieldOfAction(name=f"Handlungsfeld {next(_seq)}"))
            db.session.add(Task(title=f"Aufgabe {next(_seq)}", interaction=target, due_on=date(2026, 12, 1)))
            db.session.commit()

    return {"person": for_person, "organisation": for_organisation, "body": for_body, "project": for_project,
            "interaction": for_interaction, "lag": lag}


def _target(kind, make_person, make_org, world):
    from crm.interactions.models import Interaction
    from crm.network.models import Body
    from crm.projects.models import Project

    if kind == "person":
        return make_person("Zöller", "Thomas", gender="male"), "/personen/{}"
    if kind == "organisation":
        return make_org("Markt Eschau", kind="municipality", sector="public", ags="09676122"), "/organisationen/{}"
    if kind == "body":
        body = Body(name="LAG Mitgliederversammlung", kind="lag_assembly")
        url = "/gremien/{}"
    elif kind == "project":
        body, url = Project(title="Dorfladen Mönchberg"), "/projekte/{}"
    else:
        body = Interaction(subject="Telefonat", kind="phone", persons=[make_person("Zöller", "Thomas")],
                           occurred_at=datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc))
        url = "/interaktionen/{}"
    db.session.add(body)
    db.session.commit()
    return body, url


@pytest.mark.parametrize("kind", ["person", "organisation", "body", "project", "interaction"])
def test_detail_page_queries_do_not_grow_with_related_rows(kind, client, login, count_queries, world, make_person,
                                                           make_org):
    login("viewer")
    record, url = _target(kind, make_person, make_org, world)
    url = url.format(record.id)
    world[kind](record, 5)
    with_5 = count_queries(url)
    world[kind](record, 45)
    with_50 = count_queries(url)
    assert with_50 == with_5, f"{url}: {with_5} queries with 5 related rows, {with_50} with 50"


# ------------------------------------------------------------------ meetings, lists, the person's courses and consents


@pytest.fixture
def meeting_world(app, make_org, make_person, make_function):
    """A meeting of a body with n more invitees (members with functions at organisations, half of them
    answered, one in four present), agenda items with a document each."""
    from crm.meetings import rsvp, services
    from crm.network.models import Body

    council = make_function("Gemeinderat", "Gemeinderätin")
    body = Body(name="LAG-Entscheidungsgremium", kind="lag_decision", invitation_period_days=7)
    db.session.add(body)
    db.session.commit()
    meeting = services.save_meeting(None, {
        "title": "Sitzung des LAG-Entscheidungsgremiums", "kind": "session", "body_id": body.id,
        "starts_at": datetime(2027, 3, 18, 17, 0, tzinfo=timezone.utc),
        "ends_at": datetime(2027, 3, 18, 19, 0, tzinfo=timezone.utc), "location": "Sitzungssaal"})
    db.session.commit()

    def grow(n):
        persons = [make_person(f"Gast{next(_seq)}", "Eva", gender="female", organisation=make_org(),
                               function=council) for _ in range(n)]
        services.invite(meeting, person_ids=[p.id for p in persons])
        for i in range(n):
            item = services.save_agenda_item(meeting, None, {"title": f"TOP {next(_seq)}", "needs_vote": i % 2 == 0})
            services.add_document(item, f"Vorlage {next(_seq)}.pdf", b"%PDF-1.4\n%Beschlussvorlage\n")
        db.session.commit()
        for i, invitee in enumerate(services.invitees_of(meeting)):
            if i % 2 == 0 and invitee.rsvp == "needs_action":
                rsvp.answer(invitee, "accepted")
            if i % 4 == 0:
                invitee.attended = True
        db.session.commit()

    return meeting, grow


def test_meeting_page_queries_do_not_grow_with_invitees_and_agenda(client, login, count_queries, meeting_world):
    login("staff")
    meeting, grow = meeting_world
    url = f"/termine/{meeting.id}"
    grow(5)
    with_5 = count_queries(url)
    grow(45)
    with_50 = count_queries(url)
    assert with_50 == with_5, f"{url}: {with_5} queries with 5 invitees and agenda items, {with_50} with 50"


def _list_rows(kind, n, make_person, make_org, make_function):
    """n more rows of the list `kind`, each with what its row shows (function at an organisation, tags, seats,
    the body's meetings ...)."""
    from crm.contacts.models import Affiliation, Tag
    from crm.meetings import services as meetings
    from crm.network.models import Body, Seat

    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin",
                          key=True)
    for i in range(n):
        if kind == "person":
            person = make_person(f"Listenperson{next(_seq)}", "Eva", gender="female", organisation=make_org(),
                                 function=mayor, city="Miltenberg")
            person.tags.append(Tag(name=f"Schlagwort {next(_seq)}"))
        elif kind == "organisation":
            org = make_org(f"Listenverein {next(_seq)}", city="Amorbach", parent=make_org())
            make_person(f"Vorstand{next(_seq)}", "Eva", organisation=org, function=mayor)
            org.tags.append(Tag(name=f"Schlagwort {next(_seq)}"))
        elif kind == "body":
            body = Body(name=f"Arbeitskreis {next(_seq)}", kind="working_group")
            db.session.add(body)
            for role in ("chair", "vice_chair", "member"):
                member = make_person(f"Mitglied{next(_seq)}", "Eva", organisation=make_org(), function=mayor)
                db.session.add(Seat(body=body, person=member, organisation=member.affiliations[0].organisation,
                                    role=role, voting=role != "member", valid_from=date(2023, 1, 1)))
        else:  # meeting
            body = Body(name=f"Arbeitskreis {next(_seq)}", kind="working_group")
            db.session.add(body)
            db.session.flush()
            meeting = meetings.save_meeting(None, {
                "title": f"Sitzung {next(_seq)}", "kind": "session", "body_id": body.id,
                "starts_at": datetime(2027, 2, 1, 17, 0, tzinfo=timezone.utc) + timedelta(days=i),
                "location": "Rathaus"})
            guest = make_person(f"Gast{next(_seq)}", "Eva", organisation=make_org(), function=mayor)
            meetings.invite(meeting, person_ids=[guest.id])
        db.session.commit()
    del Affiliation  # (imported for the builders' relationships)


@pytest.mark.parametrize("kind, url", [("person", "/personen"), ("organisation", "/organisationen"),
                                       ("body", "/gremien"), ("meeting", "/termine")])
def test_list_page_queries_do_not_grow_with_rows_shown(kind, url, client, login, count_queries, make_person, make_org,
                                                       make_function):
    login("staff")
    _list_rows(kind, 10, make_person, make_org, make_function)
    with_10 = count_queries(url)
    _list_rows(kind, 40, make_person, make_org, make_function)
    with_50 = count_queries(url)
    assert with_50 == with_10, f"{url}: {with_10} queries with 10 rows, {with_50} with 50"


def test_person_page_queries_do_not_grow_with_courses_and_consents(client, login, count_queries, make_person):
    """A person with course registrations (offers with sessions and attendance) and consents for every purpose."""
    from crm.campaigns.models import PURPOSES, Consent
    from crm.qualification.models import Attendance, Offer, OfferSession, Registration

    login("staff")
    person = make_person("Zöller", "Thomas", gender="male")
    url = f"/personen/{person.id}"
    purposes = list(PURPOSES)
    when = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)

    def grow(n, consents):
        for i in range(n):
            offer = Offer(title=f"Seminar {next(_seq)}", status="open")
            db.session.add(offer)
            sessions = [OfferSession(offer=offer, starts_at=when + timedelta(days=i, hours=h)) for h in (0, 3)]
            registration = Registration(offer=offer, person=person,
                                        status=("registered", "attended", "waitlisted")[i % 3],
                                        waitlist_position=1 if i % 3 == 2 else None,
                                        registered_at=when - timedelta(days=i))
            db.session.add_all(sessions + [registration])
            db.session.add(Attendance(registration=registration, session=sessions[0], present=i % 2 == 0))
        for purpose in consents:
            db.session.add(Consent(person=person, purpose=purpose, status="confirmed", requested_via="paper",
                                   confirmed_at=when))
        db.session.commit()

    grow(5, purposes[:1])
    with_5 = count_queries(url)
    grow(45, purposes[1:])
    with_50 = count_queries(url)
    assert with_50 == with_5, f"{url}: {with_5} queries with 5 courses and 1 consent, {with_50} with 50 and all"
