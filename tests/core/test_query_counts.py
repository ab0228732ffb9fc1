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
