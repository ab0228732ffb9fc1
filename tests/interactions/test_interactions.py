import csv
import io
from datetime import date, datetime, timedelta, timezone

from crm.contacts.models import FieldOfAction
from crm.core import time as clock
from crm.core.timeline import timeline_for
from crm.extensions import db
from crm.interactions import services
from crm.interactions.models import Interaction, Task


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def call_data(person, **extra):
    data = {"kind": "phone", "occurred_at": "2026-11-23T08:25", "subject": "Dorfladen Kleinwallstadt",
            "results": "Kostenschätzung kommt bis Donnerstag.\nGemeinderat berät im Dezember.",
            "person_ids": [person.id], "project_id": 0, "followup_assignee": 0}
    data.update(extra)
    return data


def test_log_a_call_with_follow_up_from_the_person_page(client, login, mayor):
    user = login("staff")
    page = client.get(f"/personen/{mayor.id}").get_data(as_text=True)
    assert f"/interaktionen/neu?person={mayor.id}" in page
    form = client.get(f"/interaktionen/neu?person={mayor.id}").get_data(as_text=True)
    assert 'value="' + str(mayor.id) + '"' in form and "Markt Kleinwallstadt" in form  # person and org preselected

    thursday = clock.today() + timedelta(days=3)
    response = client.post("/interaktionen/neu", data=call_data(
        mayor, organisation_ids=[mayor.primary_affiliation.organisation_id], followup_title="Kostenschätzung nachfragen",
        followup_due=thursday.isoformat(), next=f"/personen/{mayor.id}"))
    assert response.status_code == 302 and response.headers["Location"] == f"/personen/{mayor.id}"
    interaction = db.session.scalar(db.select(Interaction))
    assert interaction.persons == [mayor] and interaction.created_by == user
    assert interaction.occurred_at.replace(tzinfo=None) == datetime(2026, 11, 23, 7, 25)  # 08:25 Berlin = 07:25 UTC
    task = interaction.tasks[0]
    assert task.title == "Kostenschätzung nachfragen" and task.assignee == user and task.person == mayor

    page = client.get(f"/personen/{mayor.id}").get_data(as_text=True)
    assert "Dorfladen Kleinwallstadt" in page and "Kostenschätzung nachfragen" in page
    start = client.get("/").get_data(as_text=True)
    assert "Kostenschätzung nachfragen" in start


def test_interaction_without_person_or_organisation_is_refused(client, login):
    login("staff")
    response = client.post("/interaktionen/neu", data={"kind": "note", "occurred_at": "2026-11-23T08:25",
                                                       "subject": "Ohne Kontakt", "project_id": 0,
                                                       "followup_assignee": 0})
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert count(Interaction) == 0


def test_unknown_contact_ids_are_refused(client, login, mayor):
    login("staff")
    response = client.post("/interaktionen/neu", data=call_data(mayor, person_ids=[mayor.id, 999999]))
    assert response.status_code == 200 and count(Interaction) == 0


def test_follow_up_in_the_past_is_allowed_but_flagged(client, login, mayor):
    login("staff")
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    response = client.post("/interaktionen/neu", data=call_data(mayor, followup_title="Zu spät", followup_due=yesterday),
                           follow_redirects=True)
    assert count(Task) == 1
    html = response.get_data(as_text=True)
    assert "alert-warning" in html
    tasks = client.get("/aufgaben").get_data(as_text=True)
    assert "task-overdue" in tasks


def test_close_and_reopen_a_task(client, login, mayor):
    user = login("staff")
    task = Task(title="Anrufen", assignee=user, person=mayor, due_on=clock.today())
    db.session.add(task)
    db.session.commit()
    client.post(f"/aufgaben/{task.id}/erledigt")
    assert task.status == "done" and task.completed_at is not None
    link = f"/aufgaben/{task.id}/bearbeiten"
    assert link not in client.get("/aufgaben").get_data(as_text=True)
    assert link in client.get("/aufgaben?status=done").get_data(as_text=True)
    client.post(f"/aufgaben/{task.id}/wieder-oeffnen")
    assert task.status == "open"


def test_my_tasks_lists_overdue_first_and_only_mine(make_user, mayor, session):
    me, colleague = make_user(), make_user()
    today = clock.today()
    session.add_all([
        Task(title="später", assignee=me, due_on=today + timedelta(days=5)),
        Task(title="ohne Datum", assignee=me),
        Task(title="überfällig", assignee=me, due_on=today - timedelta(days=2)),
        Task(title="heute", assignee=me, due_on=today),
        Task(title="Kollegin", assignee=colleague, due_on=today),
    ])
    session.commit()
    titles = [t.title for t in services.tasks_for(me)]
    assert titles == ["überfällig", "heute", "später", "ohne Datum"]
    assert len(services.tasks_for(me, everyone=True)) == 5


def test_not_contacted_lists_key_contacts_without_recent_interaction(make_org, make_person, make_function, session):
    mayor_fn = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", key=True)
    clerk_fn = make_function("Sachbearbeiter", "Sachbearbeiterin")
    tourism = FieldOfAction(name="Tourismus")
    town = make_org("Markt Eschau", kind="municipality", sector="public", ags="09676120")
    other = make_org("Markt Mömlingen", kind="municipality", sector="public", ags="09676141")
    make_person("Nie", organisation=town, function=mayor_fn)
    old = make_person("Lange", organisation=other, function=mayor_fn)
    recent = make_person("Neulich", organisation=make_org("Markt Eschau 2"), function=mayor_fn)
    clerk = make_person("Amt", organisation=town, function=clerk_fn)
    old.fields_of_action.append(tourism)
    now = datetime.now(timezone.utc)
    session.add_all([
        Interaction(subject="alt", persons=[old], occurred_at=now - timedelta(days=220)),
        Interaction(subject="neu", persons=[recent], occurred_at=now - timedelta(days=10)),
    ])
    session.commit()

    rows = services.not_contacted(months=6)
    assert [r.person.last_name for r in rows] == ["Nie", "Lange"]  # never contacted first, the clerk is no key contact
    assert rows[0].last_contact is None and rows[1].last_contact is not None
    assert [r.person.last_name for r in services.not_contacted(months=6, field_id=tourism.id)] == ["Lange"]
    assert [r.person.last_name for r in services.not_contacted(months=9)] == ["Nie"]
    assert clerk.id not in [r.person.id for r in services.not_contacted(months=1)]


def test_start_page_shows_not_contacted_and_filters_by_field(client, login, mayor):
    login("viewer")
    html = client.get("/").get_data(as_text=True)
    assert "Thomas Zöller" in html
    html = client.get("/?monate=12").get_data(as_text=True)
    assert "12" in html and "Thomas Zöller" in html


def test_timeline_mixes_sources_newest_first(app, make_org, make_person, session):
    org = make_org("Verein")
    person = make_person("Zeit", organisation=org, valid_from=date(2020, 1, 1))
    session.add_all([
        Interaction(subject="Erstgespräch", persons=[person], occurred_at=datetime(2024, 3, 1, 9, tzinfo=timezone.utc)),
        Interaction(subject="Folgetermin", persons=[person], occurred_at=datetime(2025, 6, 1, 9, tzinfo=timezone.utc)),
        Task(title="Unterlagen schicken", person=person, due_on=date(2024, 12, 24)),
    ])
    session.commit()
    with app.test_request_context():
        entries = timeline_for("person", person)
    titles = [e.title for e in entries if e.kind != "change"]
    assert titles == ["Folgetermin", "Unterlagen schicken", "Erstgespräch", "(keine Funktion) · Verein"]
    kinds = [e.kind for e in entries]
    assert "change" in kinds and "function" in kinds
    keys = [e.sort_key for e in entries]
    assert keys == sorted(keys, reverse=True)


def test_search_and_filter_interactions(client, login, mayor, session):
    login("viewer")
    tourism = FieldOfAction(name="Tourismus")
    session.add_all([
        Interaction(subject="Radweg Main", kind="visit", results="Beschilderung fehlt", persons=[mayor],
                    fields_of_action=[tourism], occurred_at=datetime(2026, 5, 4, 10, tzinfo=timezone.utc)),
        Interaction(subject="Dorfladen", kind="phone", results="Kostenschätzung", persons=[mayor],
                    occurred_at=datetime(2026, 9, 1, 10, tzinfo=timezone.utc)),
    ])
    session.commit()

    def subjects(query):
        html = client.get("/interaktionen?" + query).get_data(as_text=True)
        return [s for s in ("Radweg Main", "Dorfladen") if s in html]

    assert subjects("") == ["Radweg Main", "Dorfladen"]
    assert subjects("kind=visit") == ["Radweg Main"]
    assert subjects(f"field={tourism.id}") == ["Radweg Main"]
    assert subjects("text=beschilderung") == ["Radweg Main"]
    assert subjects("from=2026-06-01") == ["Dorfladen"]
    assert subjects("to=2026-05-04") == ["Radweg Main"]
    assert subjects(f"person={mayor.id}") == ["Radweg Main", "Dorfladen"]


def test_export_interactions_as_csv_for_german_excel(client, login, mayor, session):
    login("staff")  # bulk exports: staff and above (issue 9)
    session.add(Interaction(subject="Müller & Söhne; Termin", kind="talk", results="a;b", persons=[mayor],
                            occurred_at=datetime(2026, 5, 4, 10, tzinfo=timezone.utc)))
    session.commit()
    response = client.get("/interaktionen?export=csv")
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "04.05.2026 12:00" and rows[1][2] == "Müller & Söhne; Termin"
    assert rows[1][4] == "Thomas Zöller"
    xlsx = client.get("/interaktionen?export=xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"


def test_task_form_in_the_past_is_flagged(client, login, mayor):
    login("staff")
    response = client.post(f"/aufgaben/neu?person={mayor.id}", data={
        "title": "Rückruf", "due_on": (clock.today() - timedelta(days=3)).isoformat(), "assignee_id": 0,
        "person_id": mayor.id, "organisation_id": 0, "project_id": 0}, follow_redirects=True)
    assert "alert-warning" in response.get_data(as_text=True)
    task = db.session.scalar(db.select(Task))
    assert task.person == mayor and task.is_overdue


def test_task_without_title_is_not_saved(client, login):
    login("staff")
    response = client.post("/aufgaben/neu", data={"title": "", "assignee_id": 0, "person_id": 0,
                                                  "organisation_id": 0, "project_id": 0})
    assert response.status_code == 200 and count(Task) == 0


def test_chairs_of_bodies_are_key_contacts_too(make_person, session):
    from crm.network.models import Body, Seat

    chair = make_person("Vorsitz", "Vera")
    member = make_person("Mitglied", "Max", gender="male")
    body = Body(name="AK Tourismus", kind="working_group")
    session.add(body)
    session.add_all([Seat(body=body, person=chair, role="chair", valid_from=date(2024, 1, 1)),
                     Seat(body=body, person=member, role="member", valid_from=date(2024, 1, 1))])
    session.commit()
    rows = services.not_contacted(months=6)
    assert [(r.person.last_name, r.reason.split(" · ")[1]) for r in rows] == [("Vorsitz", "AK Tourismus")]


def test_unknown_organisation_is_reported_for_the_whole_form_not_under_the_person_field(client, login, mayor):
    login("staff")
    response = client.post("/interaktionen/neu", data=call_data(mayor, organisation_ids=[999999]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and count(Interaction) == 0
    alert = page.split('class="alert alert-danger', 1)[1].split("</div></div>", 1)[0]
    assert "Es wurde nichts gespeichert" in alert and "Ein ausgewählter Kontakt existiert nicht (mehr)." in alert
    assert '<div class="invalid-feedback d-block">Ein ausgewählter Kontakt' not in page


def test_interactions_excel_export_has_real_dates(client, login, mayor, session):
    from openpyxl import load_workbook

    login("staff")
    session.add(Interaction(subject="Ortstermin Radweg", kind="visit", persons=[mayor],
                            occurred_at=datetime(2026, 12, 2, 13, 30, tzinfo=timezone.utc)))
    session.commit()
    sheet = load_workbook(io.BytesIO(client.get("/interaktionen?export=xlsx").get_data())).active
    assert sheet["A1"].value == "Wann"
    cell = sheet["A2"]
    assert cell.value == datetime(2026, 12, 2, 14, 30)  # Berlin time, a date cell Excel can sort and filter
    assert cell.number_format == "DD.MM.YYYY HH:MM"
    rows = list(csv.reader(io.StringIO(client.get("/interaktionen?export=csv").get_data().decode("utf-8-sig")),
                           delimiter=";"))
    assert rows[1][0] == "02.12.2026 14:30"
