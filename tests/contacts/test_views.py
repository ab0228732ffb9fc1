from datetime import date

import pytest

from crm.contacts.models import Affiliation, Organisation, Person
from crm.core.audit import AuditLog
from crm.extensions import db


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def district(make_org):
    return make_org("Landkreis Spessart-Mainland", kind="district", sector="public", ags="09676000")


def person_data(**overrides):
    data = {"gender": "female", "degree": "Dr.", "first_name": "Anna", "last_name": "Huber", "formal": "1",
            "country": "DE", "legal_basis": "art6_1e", "data_source": "Visitenkarte"}
    data.update(overrides)
    return data


def test_create_organisation_with_valid_data(client, login, district):
    login("staff")
    response = client.post("/organisationen/neu", data={
        "name": "Markt Kleinwallstadt", "kind": "municipality", "sector": "public", "ags": "09676139",
        "parent_id": district.id, "municipality_id": 0, "postcode": "63839", "city": "Kleinwallstadt",
        "country": "de", "email": "info@kleinwallstadt.de", "phone": "06022 2694-0", "website": "www.kleinwallstadt.de",
        "tags": "Dorfladen, Radweg, dorfladen",
    })
    assert response.status_code == 302
    org = db.session.scalar(db.select(Organisation).where(Organisation.name == "Markt Kleinwallstadt"))
    assert org.parent == district and org.country == "DE"
    assert org.phone == "+49 6022 2694-0"  # the switchboard extension stays
    assert org.website == "https://www.kleinwallstadt.de"
    assert [t.name for t in org.tags] == ["Dorfladen", "Radweg"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Markt Kleinwallstadt" in page and "06022 2694-0" in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("ags", "0967613", "8"),
        ("ags", "99676139", "01"),
        ("ags", "09771139", "09676"),  # lies in another district
        ("postcode", "6383", "5"),
        ("email", "info@", "E-Mail"),
        ("phone", "abc", "phone"),
        ("name", "", "name"),
        ("website", "not a url", "web"),
    ],
)
def test_bad_organisation_input_shows_a_message_and_saves_nothing(client, login, district, field, value, message):
    login("staff")
    before = count(Organisation)
    data = {"name": "Markt Elsenfeld", "kind": "municipality", "sector": "public", "ags": "09676122",
            "parent_id": district.id, "municipality_id": 0, "postcode": "63820", "country": "DE"}
    data[field] = value
    response = client.post("/organisationen/neu", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "invalid-feedback" in html
    feedback = html.split("invalid-feedback")[1][:300].lower()
    assert message.lower() in feedback or message.lower() in html.lower()
    assert count(Organisation) == before


def test_municipality_needs_an_ags(client, login):
    login("staff")
    response = client.post("/organisationen/neu", data={"name": "Gemeinde Ohne", "kind": "municipality",
                                                        "sector": "public", "parent_id": 0, "municipality_id": 0,
                                                        "country": "DE"})
    assert response.status_code == 200 and "AGS" in response.get_data(as_text=True)


def test_organisation_cannot_be_part_of_itself(client, login, make_org):
    login("staff")
    vg = make_org("VG Mainschleife", kind="admin_union", sector="public")
    child = make_org("Gemeinde Faulbach", kind="municipality", sector="public", ags="09676122", parent=vg)
    response = client.post(f"/organisationen/{vg.id}/bearbeiten", data={
        "name": vg.name, "kind": "admin_union", "sector": "public", "parent_id": child.id, "municipality_id": 0,
        "country": "DE"})
    assert response.status_code == 200
    assert db.session.get(Organisation, vg.id).parent_id is None


def test_create_person_with_a_function(client, login, make_org, make_function):
    login("staff")
    org = make_org("Markt Elsenfeld", kind="municipality", sector="public", ags="09676122",
                   street="Rathausplatz 1", postcode="63820", city="Elsenfeld")
    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin")
    response = client.post("/personen/neu", data=person_data(
        degree="", aff_organisation_id=org.id, aff_organisation_label=org.name, aff_function_id=mayor.id,
        aff_email="a.huber@elsenfeld.de", aff_phone="06022 5000", email="anna@example.de", mobile="0171 1234567",
        tags="Presse", expertise_topics="Fördermittel, Dorfentwicklung",
    ))
    assert response.status_code == 302, response.get_data(as_text=True)
    person = db.session.scalar(db.select(Person).where(Person.last_name == "Huber"))
    aff = person.primary_affiliation
    assert aff.organisation == org and aff.function_name == "Erste Bürgermeisterin" and aff.is_primary
    assert aff.phone == "+49 6022 5000" and person.mobile == "+49 171 1234567"
    assert [t.name for t in person.expertise_topics] == ["Dorfentwicklung", "Fördermittel"]
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert "Sehr geehrte Frau Bürgermeisterin," in html
    assert "Frau Erste Bürgermeisterin<br>Anna Huber<br>Rathausplatz 1<br>63820 Elsenfeld" in html


def test_person_without_last_name_or_with_bad_email_is_not_saved(client, login):
    login("staff")
    response = client.post("/personen/neu", data=person_data(last_name="", email="anna(at)example"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("invalid-feedback") == 2
    assert count(Person) == 0


def test_function_needs_a_real_organisation(client, login, make_function):
    login("staff")
    f = make_function()
    response = client.post("/personen/neu", data=person_data(aff_organisation_label="Gibt es nicht",
                                                             aff_function_id=f.id))
    assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)
    assert count(Person) == 0 and count(Affiliation) == 0


def test_edit_person_keeps_functions_and_records_history(client, login, make_person, make_org):
    login("staff")
    org = make_org("Sportverein Mömlingen e.V.")
    person = make_person("Bauer", "Kim", gender="diverse", organisation=org)
    response = client.post(f"/personen/{person.id}/bearbeiten", data=person_data(
        gender="diverse", first_name="Kim", last_name="Bauer-Klein", degree="", tags="Ehrenamt"))
    assert response.status_code == 302
    assert person.last_name == "Bauer-Klein" and len(person.current_affiliations) == 1
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert "Guten Tag Kim Bauer-Klein," in html and "Ehrenamt" in html


def test_end_a_function_and_add_the_successor(client, login, make_person, make_org, make_function):
    """Monday 10:00 in journeys.md: the second mayor changes; the old one keeps her history."""
    login("staff")
    town = make_org("Markt Elsenfeld", kind="municipality", sector="public", ags="09676122")
    second = make_function("Zweiter Bürgermeister", "Zweite Bürgermeisterin", "Bürgermeister", "Bürgermeisterin")
    old = make_person("Alt", "Berta", organisation=town, function=second)
    aff = old.affiliations[0]
    response = client.post(f"/funktionen/{aff.id}/beenden", data={"valid_to": "2026-03-08"})
    assert response.status_code == 302
    assert aff.valid_to == date(2026, 3, 8) and not aff.is_current and not aff.is_primary

    new = make_person("Neu", "Clara")
    response = client.post(f"/personen/{new.id}/funktionen/neu", data={
        "organisation_id": town.id, "organisation_label": town.name, "function_id": second.id,
        "valid_from": "2026-03-09", "is_primary": "y"})
    assert response.status_code == 302
    page = client.get(f"/organisationen/{town.id}").get_data(as_text=True)
    current, former = page.split("Former office holders") if "Former office holders" in page else page.split("Frühere")
    assert "Clara Neu" in current and "Berta Alt" in former
    assert "Sehr geehrte Frau Bürgermeisterin," not in client.get(f"/personen/{old.id}").get_data(as_text=True)


def test_end_date_before_start_is_refused(client, login, make_person, make_org):
    login("staff")
    person = make_person("Früh", organisation=make_org(), valid_from=date(2024, 1, 1))
    aff = person.affiliations[0]
    client.post(f"/funktionen/{aff.id}/beenden", data={"valid_to": "2023-12-31"})
    assert aff.valid_to is None


def test_archive_and_restore(client, login, make_person):
    login("staff")
    person = make_person("Archiv")
    client.post(f"/personen/{person.id}/archivieren")
    assert person.is_archived
    link = f'href="/personen/{person.id}"'
    assert link not in client.get("/personen").get_data(as_text=True)
    assert link in client.get("/personen?archived=archived").get_data(as_text=True)
    client.post(f"/personen/{person.id}/wiederherstellen")
    assert not person.is_archived
    actions = db.session.scalars(db.select(AuditLog.action).where(AuditLog.entity_id == person.id,
                                                                  AuditLog.entity_type == "person")).all()
    assert {"archive", "restore"} <= set(actions)


@pytest.mark.parametrize("url", ["/personen/999999", "/organisationen/999999", "/personen/999999/bearbeiten",
                                 "/funktionen/999999/bearbeiten", "/personen/999999/verlauf"])
def test_unknown_ids_give_404(client, login, url):
    login("staff")
    response = client.get(url)
    assert response.status_code == 404


def test_person_list_filters(client, login, make_person, make_org, session):
    from crm.contacts.models import FieldOfAction, Tag

    login("viewer")
    town = make_org("Markt Eschau", kind="municipality", sector="public", ags="09676120")
    firm = make_org("Weingut Höfling GmbH", kind="company", sector="economy", municipality=town)
    tourism = FieldOfAction(name="Tourismus")
    make_person("Amann", organisation=town)
    b = make_person("Bergmann", organisation=firm)
    c = make_person("Christ")
    b.fields_of_action.append(tourism)
    c.tags.append(Tag(name="Presse"))
    session.commit()

    def names(query):
        html = client.get("/personen?" + query).get_data(as_text=True).split("<tbody>")[-1]
        return [n for n in ("Amann", "Bergmann", "Christ") if n in html]

    assert names("") == ["Amann", "Bergmann", "Christ"]
    assert names("kind=municipality") == ["Amann"]
    assert names("sector=economy") == ["Bergmann"]
    assert names(f"municipality={town.id}") == ["Amann", "Bergmann"]
    assert names(f"field={tourism.id}") == ["Bergmann"]
    assert names(f"tag={c.tags[0].id}") == ["Christ"]
    assert names("q=bergm") == ["Bergmann"]
    assert names("q=hofling") == ["Bergmann"]


def test_organisation_list_filters_and_sorting(client, login, make_org):
    login("viewer")
    make_org("Zeta Verein", city="Amorbach")
    make_org("Alpha GmbH", kind="company", sector="economy", city="Wörth")
    html = client.get("/organisationen").get_data(as_text=True)
    assert html.index("Alpha GmbH") < html.index("Zeta Verein")
    html = client.get("/organisationen?sort=city").get_data(as_text=True)
    assert html.index("Zeta Verein") < html.index("Alpha GmbH")
    html = client.get("/organisationen?kind=company").get_data(as_text=True)
    assert "Alpha GmbH" in html and "Zeta Verein" not in html


def test_list_pagination(client, login, make_person):
    login("viewer")
    for i in range(55):
        make_person(f"Person{i:02d}")
    first = client.get("/personen").get_data(as_text=True)
    second = client.get("/personen?page=2").get_data(as_text=True)
    assert "Person00" in first and "Person54" not in first
    assert "Person54" in second


def test_output_is_escaped(client, login, make_person):
    login("viewer")
    person = make_person("<script>alert(1)</script>")
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_detail_pages_do_not_query_per_row(client, count_queries, login, make_org, make_person, app):
    """No N+1: the person list costs the same number of queries for 5 and for 40 persons."""
    login("viewer")
    org = make_org("Verein")

    def queries_for_list():
        return count_queries("/personen")

    for i in range(5):
        make_person(f"A{i}", organisation=org)
    few = queries_for_list()
    for i in range(35):
        make_person(f"B{i}", organisation=org)
    assert queries_for_list() == few
