"""Creating, editing and checking projects through the pages, as the office does."""
import re
from datetime import date
from decimal import Decimal

import pytest

from crm.core.audit import AuditLog
from crm.extensions import db
from crm.projects.models import Project, ProjectContact


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def feedback_for(html: str, field_id: str) -> str:
    """The error text shown under the input with this id ('' if none)."""
    match = re.search(rf'id="{field_id}"[^>]*>(.*?)(?=<div class="mb-3|</fieldset>)', html, re.S)
    assert match, f"no input #{field_id}"
    return " ".join(re.findall(r'class="invalid-feedback[^"]*">([^<]*)<', match.group(1)))


@pytest.fixture
def kleinwallstadt(make_org):
    return make_org("Markt Kleinwallstadt", kind="municipality", sector="public", ags="09676139")


def project_data(**overrides):
    data = {"title": "Dorfladen Kleinwallstadt", "status": "idea", "programme": "leader", "project_type": "",
            "cooperation": "", "description": "Genossenschaftlicher Dorfladen"}
    data.update(overrides)
    return data


# ------------------------------------------------------------------ creating


def test_create_project_with_sponsor_organisation_and_computed_funding(client, login, kleinwallstadt, make_default,
                                                                        make_field):
    login("staff")
    make_default("leader", "Kommune", "60", max_amount="200000")
    field = make_field("Daseinsvorsorge")
    response = client.post("/projekte/neu", data=project_data(
        project_type="Kommune", sponsor_organisation_id=kleinwallstadt.id,
        sponsor_organisation_label=kleinwallstadt.name, total_cost="120.000,00", eligible_cost="100.000",
        fields_of_action=[field.id], start_date="2026-03-01", end_date="2027-06-30",
    ))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    project = db.session.scalar(db.select(Project))
    assert project.sponsor_organisation == kleinwallstadt and project.sponsor_person is None
    assert project.total_cost == Decimal("120000") and project.eligible_cost == Decimal("100000")
    assert project.funding_rate == Decimal("60") and project.funding_amount == Decimal("60000")
    assert [f.name for f in project.fields_of_action] == ["Daseinsvorsorge"]

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/organisationen/{kleinwallstadt.id}">Markt Kleinwallstadt</a>' in html
    assert "120.000,00\u00a0€" in html and "60.000,00\u00a0€" in html and "60\u00a0%" in html
    assert "Daseinsvorsorge" in html
    assert "60.000,00\u00a0€" in html.split('id="own-share"')[1][:80]  # own share = 120,000 - 60,000


def test_programme_default_applies_when_the_type_has_no_row_and_the_cap_limits(client, login, make_default):
    login("staff")
    make_default("ile_regionalbudget", "", "80", max_amount="10000")
    client.post("/projekte/neu", data=project_data(programme="ile_regionalbudget", total_cost="18000",
                                                   eligible_cost="15000"))
    project = db.session.scalar(db.select(Project))
    assert project.funding_rate == Decimal("80") and project.funding_amount == Decimal("10000")


def test_rate_and_amount_given_by_hand_win_over_the_defaults(client, login, make_default):
    login("staff")
    make_default("leader", "", "50")
    client.post("/projekte/neu", data=project_data(eligible_cost="10000", funding_rate="45",
                                                   funding_amount="4.000,00"))
    project = db.session.scalar(db.select(Project))
    assert project.funding_rate == Decimal("45") and project.funding_amount == Decimal("4000")


def test_no_default_and_no_rate_leaves_the_funding_open(client, login):
    login("staff")
    client.post("/projekte/neu", data=project_data(eligible_cost="10000"))
    project = db.session.scalar(db.select(Project))
    assert project.funding_rate is None and project.funding_amount is None


def test_private_person_as_sponsor(client, login, make_person):
    login("staff")
    farmer = make_person("Hofmann", "Georg", "male")
    response = client.post("/projekte/neu", data=project_data(title="Kühlzelle für den Hofladen",
                                                              sponsor_person_id=farmer.id,
                                                              sponsor_person_label="Georg Hofmann"))
    assert response.status_code == 302
    project = db.session.scalar(db.select(Project))
    assert project.sponsor == farmer
    html = client.get(f"/projekte/{project.id}").get_data(as_text=True)
    assert f'href="/personen/{farmer.id}">Georg Hofmann</a>' in html


@pytest.mark.parametrize(
    "changes, field_id, message",
    [
        ({"eligible_cost": "150.000", "total_cost": "100.000"}, "eligible_cost", "higher than the total cost"),
        ({"total_cost": "-5"}, "total_cost", "negative"),
        ({"funding_rate": "150"}, "funding_rate", "between 0 and 100"),
        ({"funding_rate": "-1"}, "funding_rate", "between 0 and 100"),
        ({"funding_rate": "sechzig"}, "funding_rate", "percentage"),
        ({"total_cost": "zwölftausend"}, "total_cost", "amount in euros"),
        ({"total_cost": "100,123"}, "total_cost", "cent"),
        ({"eligible_cost": "1000", "funding_amount": "2000"}, "funding_amount", "higher than the eligible cost"),
        ({"start_date": "2027-01-01", "end_date": "2026-12-31"}, "end_date", "before the start"),
        ({"selected_on": "2026-05-01", "approved_on": "2026-04-01"}, "approved_on", "before the selection"),
        ({"title": ""}, "title", "title"),
        ({"status": "vielleicht"}, "status", "choice"),
    ],
)
def test_bad_input_shows_a_message_next_to_the_field_and_saves_nothing(client, login, changes, field_id, message):
    login("staff")
    response = client.post("/projekte/neu", data=project_data(**{"total_cost": "100.000", **changes}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing has been saved" in html
    assert message.lower() in feedback_for(html, field_id).lower()
    assert count(Project) == 0
    assert html.count("invalid-feedback") == 1  # only the field at fault


def test_typed_values_are_kept_after_an_error(client, login):
    login("staff")
    html = client.post("/projekte/neu", data=project_data(total_cost="1.000", eligible_cost="2.000,50")).get_data(
        as_text=True)
    assert 'value="1.000"' in html and 'value="2.000,50"' in html and 'value="Dorfladen Kleinwallstadt"' in html


def test_both_sponsors_is_refused_with_a_clear_message(client, login, kleinwallstadt, make_person):
    login("staff")
    mayor = make_person("Huber", organisation=kleinwallstadt)
    response = client.post("/projekte/neu", data=project_data(
        sponsor_organisation_id=kleinwallstadt.id, sponsor_organisation_label=kleinwallstadt.name,
        sponsor_person_id=mayor.id, sponsor_person_label=mayor.full_name))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "either a person or an organisation" in feedback_for(html, "sponsor_organisation_label")
    assert count(Project) == 0


@pytest.mark.parametrize("field", ["sponsor_organisation", "sponsor_person"])
def test_sponsor_typed_but_not_picked_is_refused(client, login, field):
    login("staff")
    response = client.post("/projekte/neu", data=project_data(**{f"{field}_label": "Gibt es nicht", f"{field}_id": ""}))
    assert response.status_code == 200
    assert "from the list" in feedback_for(response.get_data(as_text=True), f"{field}_label")
    assert count(Project) == 0


def test_new_project_from_the_organisation_page_presets_the_sponsor(client, login, kleinwallstadt):
    login("staff")
    html = client.get(f"/projekte/neu?organisation={kleinwallstadt.id}").get_data(as_text=True)
    assert 'value="Markt Kleinwallstadt"' in html and f'value="{kleinwallstadt.id}"' in html
    assert 'data-group="persons"' in html and 'data-group="organisations"' in html


# ------------------------------------------------------------------ editing


def test_edit_shows_derived_figures_empty_and_recomputes_them(client, login, kleinwallstadt, make_default):
    login("staff")
    make_default("leader", "Kommune", "60")
    client.post("/projekte/neu", data=project_data(project_type="Kommune", total_cost="100000",
                                                   eligible_cost="50000"))
    project = db.session.scalar(db.select(Project))
    assert project.funding_amount == Decimal("30000")

    html = client.get(f"/projekte/{project.id}/bearbeiten").get_data(as_text=True)
    assert re.search(r'id="funding_rate"[^>]*placeholder="60"', html) or re.search(
        r'placeholder="60"[^>]*id="funding_rate"', html)
    assert re.search(r'id="funding_amount"[^>]*value=""', html) or 'value=""' in html.split('id="funding_amount"')[0][-200:]
    assert 'value="100.000,00"' in html  # the cost itself is shown, German style

    # The eligible cost rises: the amount follows, because the form left it empty.
    response = client.post(f"/projekte/{project.id}/bearbeiten", data=project_data(
        project_type="Kommune", total_cost="100.000,00", eligible_cost="80.000,00"))
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.funding_amount == Decimal("48000") and project.funding_rate == Decimal("60")


def test_edit_keeps_a_rate_that_differs_from_todays_default(client, login, make_default, make_project):
    login("staff")
    default = make_default("leader", "", "60")
    project = make_project(programme="leader", eligible_cost=Decimal("10000"), funding_rate=Decimal("55"),
                           funding_amount=Decimal("5500"))
    html = client.get(f"/projekte/{project.id}/bearbeiten").get_data(as_text=True)
    assert 'value="55"' in html
    default.rate = Decimal("50")
    db.session.commit()
    client.post(f"/projekte/{project.id}/bearbeiten", data=project_data(eligible_cost="10.000,00", funding_rate="55"))
    db.session.refresh(project)
    assert project.funding_rate == Decimal("55") and project.funding_amount == Decimal("5500")


def test_edit_can_switch_the_sponsor_from_organisation_to_person(client, login, kleinwallstadt, make_person,
                                                                  make_project):
    login("staff")
    project = make_project(sponsor_organisation=kleinwallstadt)
    person = make_person("Hofmann", "Georg", "male")
    html = client.get(f"/projekte/{project.id}/bearbeiten").get_data(as_text=True)
    assert 'value="Markt Kleinwallstadt"' in html
    response = client.post(f"/projekte/{project.id}/bearbeiten", data=project_data(
        sponsor_organisation_id="", sponsor_organisation_label="", sponsor_person_id=person.id,
        sponsor_person_label=person.full_name))
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.sponsor_person == person and project.sponsor_organisation is None


def test_a_project_type_without_a_default_row_any_more_stays_selectable(client, login, make_project):
    login("staff")
    project = make_project(project_type="Altbestand")
    html = client.get(f"/projekte/{project.id}/bearbeiten").get_data(as_text=True)
    assert '<option selected value="Altbestand">' in html or 'value="Altbestand" selected' in html
    assert client.post(f"/projekte/{project.id}/bearbeiten", data=project_data(project_type="Altbestand")
                       ).status_code == 302


def test_unknown_project_is_404(client, login):
    login("staff")
    assert client.get("/projekte/999999").status_code == 404
    assert client.get("/projekte/999999/bearbeiten").status_code == 404
    assert client.post("/projekte/999999/status", data={"status": "advice"}).status_code == 404


# ------------------------------------------------------------------ status, audit, timeline


def test_status_change_is_audited_and_shown_in_the_timeline(client, login, make_project):
    user = login("staff")
    project = make_project()
    response = client.post(f"/projekte/{project.id}/status", data={"status": "advice", "next": "/projekte/board"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/projekte/board")
    client.post(f"/projekte/{project.id}/status", data={"status": "selected"})
    db.session.refresh(project)
    assert project.status == "selected"
    rows = db.session.scalars(db.select(AuditLog).where(AuditLog.entity_type == "project",
                                                        AuditLog.action == "update").order_by(AuditLog.id)).all()
    assert [r.changes["status"] for r in rows] == [["idea", "advice"], ["advice", "selected"]]
    assert rows[0].user_name == user.display_name

    html = client.get(f"/projekte/{project.id}").get_data(as_text=True)
    timeline = html.split('id="timeline"')[1]
    assert "Advice → Selected by the LAG" in timeline and "Idea → Advice" in timeline
    assert timeline.index("Advice → Selected") < timeline.index("Idea → Advice")  # newest first
    assert "Project created" in timeline and user.display_name in timeline
    history = client.get(f"/projekte/{project.id}/verlauf").get_data(as_text=True)
    assert "<del>Advice</del> → <ins>Selected by the LAG</ins>" in history


def test_unknown_status_and_foreign_next_are_refused(client, login, make_project):
    login("staff")
    project = make_project()
    response = client.post(f"/projekte/{project.id}/status", data={"status": "bestechung"})
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.status == "idea"
    response = client.post(f"/projekte/{project.id}/status", data={"status": "advice",
                                                                   "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/projekte/{project.id}")


def test_viewer_may_look_but_not_move(client, login, make_project):
    login("viewer")
    project = make_project()
    board = client.get("/projekte/board").get_data(as_text=True)
    assert project.title in board and "/status" not in board
    detail = client.get(f"/projekte/{project.id}").get_data(as_text=True)
    assert "/bearbeiten" not in detail and "/beteiligte" not in detail and "/status" not in detail
    assert client.post(f"/projekte/{project.id}/status", data={"status": "advice"}).status_code == 403
    db.session.refresh(project)
    assert project.status == "idea"


def test_archive_and_restore(client, login, make_project):
    login("staff")
    project = make_project()
    client.post(f"/projekte/{project.id}/archivieren")
    client.get("/projekte")  # the flash message names the project
    assert project.title not in client.get("/projekte").get_data(as_text=True)
    assert project.title in client.get("/projekte?archived=archived").get_data(as_text=True)
    client.post(f"/projekte/{project.id}/wiederherstellen")
    assert project.title in client.get("/projekte").get_data(as_text=True)
    actions = db.session.scalars(db.select(AuditLog.action).where(AuditLog.entity_type == "project")
                                 .order_by(AuditLog.id)).all()
    assert actions[-2:] == ["archive", "restore"]


# ------------------------------------------------------------------ contacts involved


def test_add_and_remove_a_contact_person(client, login, kleinwallstadt, make_person, make_function, make_project):
    login("staff")
    mayor = make_person("Huber", "Anna", organisation=kleinwallstadt,
                        function=make_function("Erster Bürgermeister", "Erste Bürgermeisterin"))
    project = make_project(sponsor_organisation=kleinwallstadt)
    response = client.post(f"/projekte/{project.id}/beteiligte", data={
        "person_id": mayor.id, "person_label": mayor.full_name, "role": "  Ansprechpartnerin   Gemeinde "})
    assert response.status_code == 302
    contact = db.session.scalar(db.select(ProjectContact))
    assert contact.person == mayor and contact.role == "Ansprechpartnerin Gemeinde"
    html = client.get(f"/projekte/{project.id}").get_data(as_text=True)
    section = html.split('id="contacts"')[1].split("</section>")[0]
    assert "Anna Huber" in section and "Ansprechpartnerin Gemeinde" in section and "Erste Bürgermeisterin" in section

    # twice is refused, next to the field
    response = client.post(f"/projekte/{project.id}/beteiligte", data={"person_id": mayor.id,
                                                                      "person_label": mayor.full_name})
    assert response.status_code == 200
    assert "already" in feedback_for(response.get_data(as_text=True), "person_label")
    assert count(ProjectContact) == 1

    client.post(f"/projekte/{project.id}/beteiligte/{contact.id}/entfernen")
    assert count(ProjectContact) == 0
    assert db.session.get(type(mayor), mayor.id) is not None  # the person stays


def test_contact_typed_but_not_picked_is_refused(client, login, make_project):
    login("staff")
    project = make_project()
    response = client.post(f"/projekte/{project.id}/beteiligte", data={"person_label": "Niemand", "role": "x"})
    assert response.status_code == 200
    assert "from the list" in feedback_for(response.get_data(as_text=True), "person_label")
    assert count(ProjectContact) == 0


def test_contact_of_another_project_cannot_be_removed_through_this_one(client, login, make_person, make_project):
    login("staff")
    person = make_person("Huber")
    one, other = make_project("Eins"), make_project("Zwei")
    contact = ProjectContact(project=other, person=person)
    db.session.add(contact)
    db.session.commit()
    assert client.post(f"/projekte/{one.id}/beteiligte/{contact.id}/entfernen").status_code == 404
    assert count(ProjectContact) == 1


# ------------------------------------------------------------------ person and organisation pages


def test_person_and_organisation_pages_list_their_projects(client, login, kleinwallstadt, make_person, make_project):
    login("viewer")
    mayor = make_person("Huber", "Anna", organisation=kleinwallstadt)
    farmer = make_person("Hofmann", "Georg", "male")
    shop = make_project("Dorfladen Kleinwallstadt", sponsor_organisation=kleinwallstadt, status="advice",
                        funding_amount=Decimal("200000"))
    db.session.add(ProjectContact(project=shop, person=mayor, role="Ansprechpartnerin"))
    make_project("Kühlzelle", sponsor_person=farmer)
    db.session.commit()

    org_html = client.get(f"/organisationen/{kleinwallstadt.id}").get_data(as_text=True)
    section = org_html.split('id="projects"')[1].split("</section>")[0]
    assert "Dorfladen Kleinwallstadt" in section and "200.000,00\u00a0€" in section and "Kühlzelle" not in section

    mayor_html = client.get(f"/personen/{mayor.id}").get_data(as_text=True)
    assert "Dorfladen Kleinwallstadt" in mayor_html and "Ansprechpartnerin" in mayor_html
    farmer_html = client.get(f"/personen/{farmer.id}").get_data(as_text=True)
    assert "Kühlzelle" in farmer_html and "Sponsor" in farmer_html.split('id="projects"')[1]

    other = make_person("Ohneprojekt")
    assert 'id="projects"' not in client.get(f"/personen/{other.id}").get_data(as_text=True)


def test_history_labels_are_readable(client, login, make_project):
    login("staff")
    project = make_project(programme="leader")
    client.post(f"/projekte/{project.id}/bearbeiten", data=project_data(programme="ile_regionalbudget",
                                                                        total_cost="5000"))
    html = client.get(f"/projekte/{project.id}/verlauf").get_data(as_text=True)
    assert "<dt>Programme</dt>" in html and "<del>LEADER</del> → <ins>ILE Regionalbudget</ins>" in html
    assert "<dt>Total cost</dt>" in html
    assert "ile_regionalbudget" not in html.split("<table")[1]


def test_output_is_escaped(client, login, make_project):
    login("viewer")
    project = make_project("<script>alert(1)</script>")
    for url in (f"/projekte/{project.id}", "/projekte", "/projekte/board"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_csrf_is_required_for_status_changes(app, client, login, make_project):
    login("staff")
    project = make_project()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/projekte/{project.id}/status", data={"status": "advice"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(project)
    assert project.status == "idea"


def test_dates_are_shown_german(client, login, make_project):
    login("viewer")
    project = make_project(start_date=date(2026, 3, 1), end_date=date(2027, 6, 30), selected_on=date(2026, 1, 20))
    html = client.get(f"/projekte/{project.id}").get_data(as_text=True)
    assert "01.03.2026 – 30.06.2027" in html and "20.01.2026" in html


def test_sponsor_problem_is_shown_together_with_the_other_mistakes(client, login, kleinwallstadt):
    login("staff")
    response = client.post("/projekte/neu", data=project_data(
        sponsor_organisation_id=kleinwallstadt.id, sponsor_organisation_label=kleinwallstadt.name,
        sponsor_person_label="Huber", total_cost="1000", eligible_cost="2000"))
    html = response.get_data(as_text=True)
    assert "from the list" in feedback_for(html, "sponsor_person_label")
    assert "higher than the total cost" in feedback_for(html, "eligible_cost")
    assert count(Project) == 0


def test_a_project_type_nobody_defined_is_refused(client, login):
    login("staff")
    response = client.post("/projekte/neu", data=project_data(project_type="x" * 300))
    assert response.status_code == 200
    assert "choice" in feedback_for(response.get_data(as_text=True), "project_type")
    assert count(Project) == 0


def test_project_page_does_not_query_per_contact(client, count_queries, login, make_org, make_person, make_function,
                                                 make_project):
    login("viewer")
    org = make_org("Markt Kleinwallstadt", kind="municipality", sector="public", ags="09676139")
    function = make_function("Gemeinderat", "Gemeinderätin")
    project = make_project(sponsor_organisation=org)

    def queries() -> int:
        return count_queries(f"/projekte/{project.id}")

    def add(n, start):
        for i in range(start, start + n):
            db.session.add(ProjectContact(project=project, person=make_person(f"Rat{i}", organisation=org,
                                                                              function=function)))
        db.session.commit()

    add(2, 0)
    few = queries()
    add(10, 2)
    assert queries() == few


def test_forged_picker_ids_are_treated_as_not_picked(client, login, make_project):
    login("staff")
    response = client.post("/projekte/neu", data=project_data(sponsor_person_id="99999999999999999999",
                                                              sponsor_person_label="X"))
    assert response.status_code == 200 and count(Project) == 0
    project = make_project()
    response = client.post(f"/projekte/{project.id}/beteiligte", data={"person_id": "1" * 30, "person_label": "X"})
    assert response.status_code == 200 and count(ProjectContact) == 0
