"""The body pages as a user sees them: tree, composition and warnings, forms with bad input, exports."""
import csv
import io
import re
from datetime import date

import pytest

from crm.core import time as clock
from crm.core.audit import AuditLog
from crm.extensions import db
from crm.network.models import Body, InterestGroup, Seat


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def feedback_after(html: str, field_id: str) -> str:
    """The invalid-feedback text that follows the input with this id."""
    start = html.index(f'id="{field_id}"')
    match = re.search(r'class="invalid-feedback d-block">([^<]*)<', html[start:])
    assert match, f"no message next to {field_id}"
    return match.group(1)


def body_form(**overrides):
    data = {"name": "LAG Spessart-Mainland", "short_name": "LAG", "kind": "lag_decision", "parent_id": 0,
            "description": "", "quorum_share": "50", "max_group_share": "49", "min_non_public_share": "50"}
    data.update(overrides)
    return data


def seat_form(person, **overrides):
    data = {"person_id": person.id, "person_label": person.full_name, "organisation_id": "", "organisation_label": "",
            "role": "member", "voting": "y", "interest_group_id": 0, "deputy_id": "", "deputy_label": "",
            "valid_from": "2024-01-01", "valid_to": "", "resolution": "LAG-Beschluss 2024/01"}
    data.update(overrides)
    return data


# ------------------------------------------------------------------ list, structure


def test_body_list_shows_the_tree_with_chairs_and_counts(client, login, make_body, make_seat, make_person, make_group):
    login("viewer")
    lg = make_body("ILE Lenkungsgruppe", kind="steering_group")
    ak = make_body("AK Tourismus", kind="working_group", parent=lg)
    make_seat(lg, make_group("Kommunen"), person=make_person("Vogel", "Vera"), role="chair")
    make_seat(lg, make_group("Kommunen"))
    make_seat(ak, person=make_person("Berg", "Bernd"), role="chair", voting=False)
    html = html_of(client.get("/gremien"))
    rows = re.findall(r'<tr class="body-row depth-(\d)" data-body-id="(\d+)">(.*?)</tr>', html, re.S)
    assert [(depth, int(body_id)) for depth, body_id, _ in rows] == [("0", lg.id), ("1", ak.id)]
    assert "Vera Vogel" in rows[0][2] and re.search(r">2</td>\s*<td[^>]*>2</td>", rows[0][2])
    assert "Bernd Berg" in rows[1][2] and re.search(r">1</td>\s*<td[^>]*>0</td>", rows[1][2])
    assert "/gremien/neu" not in html  # viewer


def test_process_structure_lists_every_body_with_its_members(client, login, lag, make_body, make_seat, make_person):
    login("viewer")
    ak = make_body("AK Fachkräfte", kind="working_group", parent=lag)
    make_seat(ak, person=make_person("Sprecherin", "Sabine"), role="chair", voting=False)
    html = html_of(client.get("/gremien/struktur"))
    assert "network.css" in html
    assert html.index("LAG Entscheidungsgremium") < html.index("AK Fachkräfte")
    assert "Sabine Sprecherin" in html
    assert html.count("<tr><td>") == 25


# ------------------------------------------------------------------ body page and composition


def test_body_page_shows_members_composition_and_no_warning(client, login, lag):
    login("viewer")
    html = html_of(client.get(f"/gremien/{lag.id}"))
    assert html.count("data-seat-id=") == 24
    assert '<strong class="composition-total">24</strong>' in html
    assert re.search(r'data-sector="public">\s*<td>[^<]*</td><td class="text-end">9</td><td[^>]*>37,5\xa0%', html)
    assert "composition-warning" not in html and "composition-ok" in html
    assert "beschlussfähig: mindestens 12 anwesend" in html


def test_body_page_warns_when_one_group_or_the_public_sector_reaches_half(client, login, lag, make_seat, make_group):
    login("viewer")
    kommunen = make_group("Kommunen")
    for _ in range(3):
        make_seat(lag, kommunen)  # 12 of 27: still fine
    assert "composition-warning" not in html_of(client.get(f"/gremien/{lag.id}"))
    for _ in range(3):
        make_seat(lag, kommunen)  # 15 of 30 = 50 %
    html = html_of(client.get(f"/gremien/{lag.id}"))
    warnings = re.findall(r'composition-warning[^>]*data-kind="(\w+)">\s*([^<]*)<', html)
    assert [kind for kind, _ in warnings] == ["group_over_limit", "public_control"]
    assert "Kommunen" in warnings[0][1] and "50\xa0%" in warnings[0][1] and "49\xa0%" in warnings[0][1]
    assert "50\xa0%" in warnings[1][1]
    assert '<tr class="table-danger" data-group="Kommunen">' in html


def test_body_page_as_of_a_date(client, login, lag, make_seat, make_group, make_person):
    login("viewer")
    make_seat(lag, make_group("Kommunen"), person=make_person("Früher", "Fritz"), valid_from=date(2020, 1, 1),
              valid_to=date(2022, 12, 31), end_resolution="Rücktritt")
    today = html_of(client.get(f"/gremien/{lag.id}"))
    assert today.count("data-seat-id=") == 24 and "Fritz Früher" in today.split("former-members")[1]
    past = html_of(client.get(f"/gremien/{lag.id}?stichtag=2022-12-31"))
    assert past.count("data-seat-id=") == 1 and "Fritz Früher" in past
    assert 'id="stichtag-note"' in past and "31.12.2022" in past
    assert '<strong class="composition-total">1</strong>' in past and "public_control" in past
    html = html_of(client.get(f"/gremien/{lag.id}?stichtag=gestern"))
    assert html.count("data-seat-id=") == 24 and "gestern" in html  # "not a date" message


def test_deputies_and_organisations_show_on_the_body_page(client, login, make_body, make_seat, make_person, make_org):
    login("viewer")
    body = make_body()
    org = make_org("Kreisjugendring Mainland", sector="civil_society")
    make_seat(body, person=make_person("Huber", "Anna", organisation=org), organisation=org,
              deputy=make_person("Maier", "Sepp", gender="male"))
    html = html_of(client.get(f"/gremien/{body.id}"))
    assert "Anna Huber" in html and "Kreisjugendring Mainland" in html and "Sepp Maier" in html


def test_unknown_ids_give_404(client, login):
    login("staff")
    for url in ("/gremien/999999", "/gremien/999999/bearbeiten", "/sitze/999999/aendern",
                "/gremien/999999/sitze/neu", "/gremien/999999/mitglieder.docx"):
        assert client.get(url).status_code == 404, url


def test_viewer_sees_no_change_buttons(client, login, lag):
    login("viewer")
    html = html_of(client.get(f"/gremien/{lag.id}"))
    assert "/sitze/neu" not in html and "/aendern" not in html and "/archivieren" not in html
    assert "mitglieder.docx" not in html


def test_output_is_escaped(client, login, make_body):
    login("viewer")
    body = make_body("<script>alert(1)</script>")
    html = html_of(client.get(f"/gremien/{body.id}"))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# ------------------------------------------------------------------ body form


def test_create_body_with_defaults(client, login):
    login("staff")
    form = html_of(client.get("/gremien/neu"))
    assert 'value="50"' in form and 'value="49"' in form
    response = client.post("/gremien/neu", data=body_form(quorum_share="50", max_group_share="49,5"))
    assert response.status_code == 302
    body = db.session.scalar(db.select(Body))
    assert (body.name, body.kind, float(body.max_group_share)) == ("LAG Spessart-Mainland", "lag_decision", 49.5)
    assert body.id == int(response.headers["Location"].rsplit("/", 1)[1])
    assert "49,5" in html_of(client.get(f"/gremien/{body.id}/bearbeiten"))


@pytest.mark.parametrize("field, value", [
    ("quorum_share", "101"), ("max_group_share", "-5"), ("min_non_public_share", "abc"), ("quorum_share", ""),
])
def test_share_outside_0_to_100_shows_a_message_next_to_the_field(client, login, field, value):
    login("staff")
    response = client.post("/gremien/neu", data=body_form(**{field: value}))
    html = html_of(response)
    assert re.search(r"zwischen 0 und 100|Prozentwert", feedback_after(html, field))
    assert f'value="{value}"' in html  # what was typed stays
    assert count(Body) == 0


def test_sub_body_preset_and_no_cycles(client, login, make_body):
    login("staff")
    lg = make_body("Lenkungsgruppe", kind="steering_group")
    ak = make_body("AK Tourismus", kind="working_group", parent=lg)
    html = html_of(client.get(f"/gremien/neu?parent={lg.id}"))
    assert re.search(rf'<option selected value="{lg.id}">', html)
    edit = html_of(client.get(f"/gremien/{lg.id}/bearbeiten"))
    assert f'value="{ak.id}"' not in edit  # its own sub-body is not offered as parent
    response = client.post(f"/gremien/{lg.id}/bearbeiten", data=body_form(name="Lenkungsgruppe",
                                                                          kind="steering_group", parent_id=ak.id))
    assert response.status_code == 200 and lg.parent_id is None


def test_archive_and_restore_body(client, login, make_body):
    login("staff")
    body = make_body()
    assert client.post(f"/gremien/{body.id}/archivieren").status_code == 302
    assert body.is_archived
    client.get(f"/gremien/{body.id}")  # shows the flashed message
    assert "LAG Entscheidungsgremium" not in html_of(client.get("/gremien"))
    assert "LAG Entscheidungsgremium" in html_of(client.get("/gremien?archived=all"))
    client.post(f"/gremien/{body.id}/wiederherstellen")
    assert not body.is_archived


# ------------------------------------------------------------------ seat forms


def test_add_seat_through_the_form(client, login, make_body, make_person, make_org, make_group):
    login("staff")
    body = make_body()
    org = make_org("Markt Eschau", kind="municipality", sector="public", ags="09676120")
    person, deputy = make_person("Huber", "Anna", organisation=org), make_person("Maier", "Sepp")
    group = make_group("Kommunen")
    form = html_of(client.get(f"/gremien/{body.id}/sitze/neu"))
    assert 'data-group="persons"' in form and 'data-group="organisations"' in form
    response = client.post(f"/gremien/{body.id}/sitze/neu", data=seat_form(
        person, organisation_id=org.id, organisation_label=org.name, deputy_id=deputy.id,
        deputy_label=deputy.full_name, interest_group_id=group.id, role="chair"))
    assert response.status_code == 302
    seat = db.session.scalar(db.select(Seat))
    assert (seat.person, seat.organisation, seat.deputy, seat.interest_group, seat.role, seat.voting) == (
        person, org, deputy, group, "chair", True)
    assert seat.valid_from == date(2024, 1, 1) and seat.resolution == "LAG-Beschluss 2024/01"
    audit = db.session.scalar(db.select(AuditLog).where(AuditLog.entity_type == "seat"))
    assert audit.action == "create" and "Anna Huber" in audit.label


@pytest.mark.parametrize(
    "case, field, pattern",
    [
        ("own_deputy", "deputy_label", r"eigene Stellvertretung"),
        ("end_before_start", "valid_to", r"vor dem Anfangsdatum"),
        ("overlap", "valid_from", r"hat bereits einen Sitz"),
        ("not_picked", "person_label", r"wählen Sie eine Person"),
        ("org_not_picked", "organisation_label", r"Organisation aus der Liste"),
        ("no_start", "valid_from", r"Datum ein, an dem der Sitz beginnt"),
    ],
)
def test_bad_seat_input_shows_a_message_next_to_the_field_and_saves_nothing(
        client, login, make_body, make_person, make_seat, case, field, pattern):
    login("staff")
    body = make_body()
    person = make_person("Huber", "Anna")
    data = seat_form(person)
    if case == "own_deputy":
        data.update(deputy_id=person.id, deputy_label=person.full_name)
    elif case == "end_before_start":
        data.update(valid_to="2023-12-31")
    elif case == "overlap":
        make_seat(body, person=person, valid_from=date(2023, 6, 1))
    elif case == "not_picked":
        data.update(person_id="", person_label="Anna Hub")
    elif case == "org_not_picked":
        data.update(organisation_label="Gibt es nicht")
    elif case == "no_start":
        data.update(valid_from="")
    before = count(Seat)
    html = html_of(client.post(f"/gremien/{body.id}/sitze/neu", data=data))
    assert re.search(pattern, feedback_after(html, field))
    assert "alert-danger" in html
    assert count(Seat) == before


def test_change_seat_from_a_date_keeps_the_old_one(client, login, make_body, make_seat, make_person, make_group):
    login("staff")
    body = make_body()
    person = make_person("Huber", "Anna")
    seat = make_seat(body, make_group("Jugend", "civil_society"), person=person)
    form = html_of(client.get(f"/sitze/{seat.id}/aendern"))
    assert 'value="Anna Huber"' in form and 'name="mode"' in form
    soziales = make_group("Soziales", "civil_society")
    response = client.post(f"/sitze/{seat.id}/aendern", data=seat_form(
        person, mode="change", interest_group_id=soziales.id, role="vice_chair", valid_from="2025-04-01",
        resolution="LAG-Beschluss 2025/02"))
    assert response.status_code == 302
    seats = db.session.scalars(db.select(Seat).order_by(Seat.id)).all()
    assert [(s.role, s.interest_group.name, s.valid_from, s.valid_to) for s in seats] == [
        ("member", "Jugend", date(2023, 1, 1), date(2025, 3, 31)),
        ("vice_chair", "Soziales", date(2025, 4, 1), None)]
    today = html_of(client.get(f"/gremien/{body.id}"))
    assert "former-members" not in today  # a change is not a departure
    old = html_of(client.get(f"/gremien/{body.id}?stichtag=2025-03-31"))
    assert "Jugend" in old.split('id="members"')[1].split("former-members")[0]


def test_correct_seat_overwrites(client, login, make_body, make_seat, make_person):
    login("staff")
    body = make_body()
    person = make_person("Huber", "Anna")
    seat = make_seat(body, person=person)
    response = client.post(f"/sitze/{seat.id}/aendern", data=seat_form(
        person, mode="correct", valid_from="2023-02-01", resolution="Tippfehler"))
    assert response.status_code == 302
    assert count(Seat) == 1 and seat.valid_from == date(2023, 2, 1)


def test_change_on_the_start_day_explains_what_to_do(client, login, make_body, make_seat, make_person):
    login("staff")
    body = make_body()
    person = make_person("Huber", "Anna")
    seat = make_seat(body, person=person)
    html = html_of(client.post(f"/sitze/{seat.id}/aendern", data=seat_form(
        person, mode="change", role="chair", valid_from="2023-01-01")))
    assert "nach Beginn des Sitzes" in feedback_after(html, "valid_from")
    assert count(Seat) == 1 and seat.role == "member"


def test_end_seat(client, login, make_body, make_seat, make_person):
    login("staff")
    body = make_body()
    seat = make_seat(body, person=make_person("Huber", "Anna"))
    html = html_of(client.post(f"/sitze/{seat.id}/beenden", data={"end_valid_to": "2022-12-31"}))
    assert re.search(r"vor dem Anfangsdatum", feedback_after(html, "end_valid_to"))
    assert seat.valid_to is None
    response = client.post(f"/sitze/{seat.id}/beenden", data={"end_valid_to": "2025-06-30",
                                                              "end_resolution": "Rücktritt"})
    assert response.status_code == 302
    assert (seat.valid_to, seat.end_resolution) == (date(2025, 6, 30), "Rücktritt")
    html = html_of(client.get(f"/gremien/{body.id}"))
    assert "data-seat-id=" not in html and "Rücktritt" in html.split("former-members")[1]


def test_body_history_shows_seat_changes(client, login, make_body, make_seat, make_person):
    login("staff")
    body = make_body()
    seat = make_seat(body, person=make_person("Huber", "Anna"))
    client.post(f"/sitze/{seat.id}/beenden", data={"end_valid_to": "2025-06-30"})
    html = html_of(client.get(f"/gremien/{body.id}/verlauf"))
    assert "Anna Huber" in html and "30.06.2025" in html


# ------------------------------------------------------------------ person and organisation pages


def test_person_page_shows_current_past_and_deputy_seats(client, login, make_body, make_seat, make_person):
    login("viewer")
    lag, ak = make_body("LAG Entscheidungsgremium"), make_body("AK Tourismus", kind="working_group")
    anna = make_person("Huber", "Anna")
    make_seat(lag, person=anna, role="chair")
    make_seat(ak, person=anna, valid_from=date(2020, 1, 1), valid_to=date(2022, 12, 31))
    make_seat(ak, person=make_person("Maier", "Sepp"), deputy=anna)
    html = html_of(client.get(f"/personen/{anna.id}"))
    section = html.split('id="seats"')[1].split("</section>")[0]
    assert "LAG Entscheidungsgremium" in section.split("seat-current")[1]
    assert "AK Tourismus" in section.split("seat-past")[1] and "31.12.2022" in section
    assert "Sepp Maier" in section.split("seat-deputy")[1]
    timeline = html.split('id="timeline"')[1]
    assert "Sitz übernommen" in timeline and "Sitz beendet" in timeline


def test_person_without_seats_has_no_section(client, login, make_person):
    login("viewer")
    assert 'id="seats"' not in html_of(client.get(f"/personen/{make_person().id}"))


def test_timeline_shows_a_change_once(client, login, make_body, make_person, make_group):
    from crm.network import services

    login("viewer")
    body, anna = make_body(), make_person("Huber", "Anna")
    seat = services.add_seat(body, {"person_id": anna.id, "role": "member", "voting": True,
                                    "valid_from": date(2023, 1, 1)})
    services.change_seat(seat, {"person_id": anna.id, "role": "chair", "voting": True,
                                "valid_from": date(2024, 1, 1)})
    db.session.commit()
    timeline = html_of(client.get(f"/personen/{anna.id}")).split('id="timeline"')[1]
    assert timeline.count("Sitz geändert") == 1 and timeline.count("Sitz übernommen") == 1
    assert "Sitz beendet" not in timeline


def test_organisation_page_shows_its_seats(client, login, make_body, make_seat, make_person, make_org):
    login("viewer")
    org = make_org("Kreisjugendring Mainland")
    body = make_body()
    make_seat(body, person=make_person("Huber", "Anna"), organisation=org)
    html = html_of(client.get(f"/organisationen/{org.id}"))
    assert 'id="seats"' in html and "Anna Huber" in html.split('id="seats"')[1]


# ------------------------------------------------------------------ exports


@pytest.fixture
def exported_body(lag, make_seat, make_person, make_org, make_function, make_group):
    org = make_org("Kreisjugendring Mainland", email="info@kjr.de", phone="+49 6022 1234")
    chair = make_person("Müller-Lüdenscheidt", "Jürgen", gender="male", organisation=org,
                        function=make_function("Vorsitzender", "Vorsitzende"))
    make_seat(lag, make_group("Jugend", "civil_society"), person=chair, organisation=org, role="chair",
              deputy=make_person("Öttinger", "Hildegard"))
    return lag


def test_member_list_as_word_table(client, login, exported_body):
    from docx import Document

    login("staff")
    response = client.get(f"/gremien/{exported_body.id}/mitglieder.docx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(".docx")
    doc = Document(io.BytesIO(response.data))
    table = doc.tables[0]
    assert len(table.rows) == 1 + 25
    header = [c.text for c in table.rows[0].cells]
    assert len(header) == 6
    first = [c.text for c in table.rows[1].cells]  # the chair comes first
    assert first[0] == "Jürgen Müller-Lüdenscheidt"
    assert "Vorsitzender" in first[1] and "Kreisjugendring Mainland" in first[1]
    assert first[3] == "Jugend" and first[4] == "Hildegard Öttinger"
    assert "info@kjr.de" in first[5] and "06022 1234" in first[5]
    assert "LAG Entscheidungsgremium" in doc.paragraphs[0].text


def test_member_list_as_csv_and_xlsx(client, login, exported_body):
    from openpyxl import load_workbook

    login("staff")
    response = client.get(f"/gremien/{exported_body.id}/mitglieder.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows) == 26
    assert rows[1][1:3] == ["Jürgen", "Müller-Lüdenscheidt"] and "Kreisjugendring Mainland" in rows[1]
    assert "info@kjr.de" in rows[1] and "01.01.2023" in rows[1]

    response = client.get(f"/gremien/{exported_body.id}/mitglieder.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert len(values) == 26 and values[1][2] == "Müller-Lüdenscheidt"


def test_member_list_as_vcards(client, login, exported_body):
    import vobject

    login("staff")
    response = client.get(f"/gremien/{exported_body.id}/mitglieder.vcf")
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    cards = list(vobject.readComponents(response.get_data(as_text=True)))
    assert len(cards) == 25
    assert cards[0].fn.value == "Jürgen Müller-Lüdenscheidt"


def test_member_list_as_of_a_date(client, login, exported_body):
    login("staff")
    response = client.get(f"/gremien/{exported_body.id}/mitglieder.csv?stichtag=2022-06-01")
    assert len(response.get_data().decode("utf-8").strip().splitlines()) == 1  # header only
    assert "2022-06-01" in response.headers["Content-Disposition"]


# ------------------------------------------------------------------ interest groups


def test_manager_manages_interest_groups(client, login, make_body):
    login("manager")
    assert client.post("/interessengruppen/neu", data={"name": "Kultur", "sector": "civil_society",
                                                      "position": "3"}).status_code == 302
    group = db.session.scalar(db.select(InterestGroup))
    html = html_of(client.post("/interessengruppen/neu", data={"name": "kultur", "sector": "economy"}))
    assert "gibt es bereits" in feedback_after(html, "name")
    assert count(InterestGroup) == 1
    client.post(f"/interessengruppen/{group.id}/bearbeiten", data={"name": "Kultur und Heimat",
                                                                    "sector": "civil_society", "position": "1"})
    assert group.name == "Kultur und Heimat"
    body = make_body()
    assert "Kultur und Heimat" in html_of(client.get(f"/gremien/{body.id}/sitze/neu"))
    client.post(f"/interessengruppen/{group.id}/archivieren", follow_redirects=True)
    assert group.is_archived
    assert "Kultur und Heimat" not in html_of(client.get(f"/gremien/{body.id}/sitze/neu"))
    assert "Kultur und Heimat" in html_of(client.get("/interessengruppen"))


def test_staff_cannot_manage_interest_groups(client, login):
    login("staff")
    assert client.get("/interessengruppen").status_code == 403
    assert client.post("/interessengruppen/neu", data={"name": "X", "sector": "economy"}).status_code == 403
    assert count(InterestGroup) == 0


# ------------------------------------------------------------------ performance


def test_body_pages_do_not_query_per_seat(client, count_queries, login, make_body, make_seat, make_person, make_org, make_group):
    login("staff")
    body = make_body()
    ak = make_body("AK", kind="working_group", parent=body)
    group = make_group("Kommunen")

    def add(n):
        for i in range(n):
            org = make_org(f"Gemeinde {i}-{count(Seat)}")
            make_seat(body, group, person=make_person(f"P{count(Seat)}", organisation=org), organisation=org,
                      deputy=make_person(f"D{count(Seat)}"))
            make_seat(ak, person=make_person(f"A{count(Seat)}", organisation=org))

    urls = [f"/gremien/{body.id}", "/gremien", "/gremien/struktur", f"/gremien/{body.id}/mitglieder.docx",
            f"/gremien/{body.id}/mitglieder.vcf"]
    add(3)
    few = [count_queries(url) for url in urls]
    add(20)
    assert [count_queries(url) for url in urls] == few


# ------------------------------------------------------------------ demo


def test_demo_bodies(app):
    from crm.contacts.demo import generate_region
    from crm.network import services
    from crm.network.demo import generate_bodies

    generate_region(persons=60, seed=3)
    counts = generate_bodies(seed=1)
    assert counts["bodies"] == 5 and counts["interest_groups"] == 7
    bodies = {b.name: b for b in services.all_bodies()}
    lag = bodies["LAG Spessart-Mainland: Entscheidungsgremium"]
    c = services.composition_of(lag)
    assert c.total == 24 and c.public_share.count == 9 and c.ok
    assert max(s.percent for s in c.by_group) <= 49
    assert bodies["AK Tourismus"].parent.kind == "steering_group"
    assert bodies["AK Fachkräfte"].parent == bodies["AK Tourismus"].parent
    steering = bodies["AK Tourismus"].parent
    assert services.composition_of(steering).ok  # mayors only, rules switched off
    assert any(s.valid_to for s in lag.seats)  # history: a former member and a change
    first = [(s.person_id, s.role, s.valid_from) for s in sorted(lag.seats, key=lambda s: s.id)]
    assert generate_bodies(seed=1)["bodies"] == 0  # nothing twice
    db.session.rollback()
    generate_region(persons=60, seed=3)
    generate_bodies(seed=1)
    again = db.session.scalar(db.select(Body).where(Body.kind == "lag_decision"))
    assert [(s.person_id, s.role, s.valid_from) for s in sorted(again.seats, key=lambda s: s.id)] == first


def test_seat_form_suggests_change_for_running_and_correction_for_past_seats(client, login, make_body, make_seat,
                                                                            make_person):
    login("staff")
    body = make_body()
    running = make_seat(body, person=make_person("Huber", "Anna"), resolution="LAG-Beschluss 2023/01")
    past = make_seat(body, person=make_person("Maier", "Sepp"), valid_to=date(2024, 12, 31), resolution="Alt")
    html = html_of(client.get(f"/sitze/{running.id}/aendern"))
    assert re.search(r'checked[^>]*value="change"|value="change"[^>]*checked', html)
    assert f'value="{clock.today().isoformat()}"' in html
    html = html_of(client.get(f"/sitze/{past.id}/aendern"))
    assert re.search(r'checked[^>]*value="correct"|value="correct"[^>]*checked', html)
    assert 'value="2023-01-01"' in html and 'value="Alt"' in html


@pytest.fixture
def working_group_with_chamber_member(make_body, make_seat, make_person, make_org, make_function):
    """Hans is primarily the fire brigade's office head but sits in the working group for the chamber."""
    from crm.contacts.models import Affiliation

    brigade = make_org("Freiwillige Feuerwehr Elsenfeld", email="ffw@elsenfeld.de", street="Am Gerätehaus 1",
                       postcode="63820", city="Elsenfeld")
    chamber = make_org("IHK Aschaffenburg", kind="chamber", sector="economy", street="Kerschensteinerstraße 9",
                       postcode="63741", city="Aschaffenburg")
    hans = make_person("Berger", "Hans", gender="male", organisation=brigade,
                       function=make_function("Leiter der Geschäftsstelle", "Leiterin der Geschäftsstelle"))
    db.session.add(Affiliation(person=hans, organisation=chamber, email="berger@ihk.de",
                               function=make_function("Vizepräsident", "Vizepräsidentin"),
                               valid_from=date(2021, 1, 1), is_primary=False))
    guest = make_person("Klein", "Karl", gender="male", organisation=brigade)  # represents the chamber, no function there
    body = make_body("AK Wirtschaft", kind="working_group")
    make_seat(body, person=hans, organisation=chamber)
    make_seat(body, person=guest, organisation=chamber)
    db.session.commit()
    return body


def test_body_vcards_give_the_represented_organisation(client, login, working_group_with_chamber_member):
    import vobject

    login("staff")
    body = working_group_with_chamber_member
    cards = {c.fn.value: c for c in vobject.readComponents(
        client.get(f"/gremien/{body.id}/mitglieder.vcf").get_data(as_text=True))}
    hans = cards["Hans Berger"]
    assert hans.org.value == ["IHK Aschaffenburg"] and hans.title.value == "Vizepräsident"
    assert hans.email.value == "berger@ihk.de"  # the chamber's address comes first (PREF)
    assert hans.adr.value.city == "Aschaffenburg"
    karl = cards["Karl Klein"]
    assert karl.org.value == ["IHK Aschaffenburg"] and not hasattr(karl, "title")
    assert "Feuerwehr" not in str(karl.org.value)


def test_body_csv_and_word_give_the_represented_organisation(client, login, working_group_with_chamber_member):
    from docx import Document

    login("staff")
    body = working_group_with_chamber_member
    text = client.get(f"/gremien/{body.id}/mitglieder.csv").get_data().decode("utf-8")[1:]
    rows = {r[2]: r for r in csv.reader(io.StringIO(text), delimiter=";")}
    assert rows["Berger"][3:5] == ["Vizepräsident", "IHK Aschaffenburg"]
    assert rows["Klein"][3:5] == ["", "IHK Aschaffenburg"]
    doc = Document(io.BytesIO(client.get(f"/gremien/{body.id}/mitglieder.docx").data))
    cells = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows[1:]}
    assert cells["Hans Berger"] == "Vizepräsident\nIHK Aschaffenburg"
    assert "Feuerwehr" not in cells["Karl Klein"]
