"""The Verteiler pages as the office uses them: editor, live count, detail, selection bar, exports."""
import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.segments import services
from crm.segments.models import Segment, SegmentMember, SegmentUse


def cond(facet, *values, **extra):
    return {"facet": facet, "values": list(values), **extra}


def tree(*items, op="and"):
    return {"op": op, "items": list(items)}


def segment_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Segment))


@pytest.fixture
def mayors_and_chairs(region):
    return tree(tree(cond("function", region.function["EB"]), cond("district", "09676")),
                cond("body_kind", "working_group", roles=["chair"]), op="or")


def test_build_save_and_read_a_verteiler(client, login, region, mayors_and_chairs):
    login("staff")
    page = client.get("/verteiler/neu").get_data(as_text=True)
    assert "Neuer Verteiler" in page and 'id="segment-editor"' in page and "Erster Bürgermeister" in page
    response = client.post("/verteiler/neu", data={
        "name": "Bürgermeister und AK-Vorsitz", "kind": "dynamic", "filter": json.dumps(mayors_and_chairs),
        "description": "Für die Einladung zur Klausur."})
    assert response.status_code == 302
    segment = db.session.scalar(select(Segment).where(Segment.name == "Bürgermeister und AK-Vorsitz"))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Funktion ist Erster Bürgermeister / Erste Bürgermeisterin" in html
    assert "Art des Gremiums ist Arbeitskreis, Rolle Vorsitz" in html
    assert "4 Personen" in html
    for name in ("Anna Albrecht", "Bernd Bauer", "Hans Huber", "Jonas Jäger"):
        assert name in html
    assert "Clara Conrad" not in html
    listing = client.get("/verteiler").get_data(as_text=True)
    assert "Bürgermeister und AK-Vorsitz" in listing and "4 Personen" in listing
    assert segment.filter_summary.startswith("(Funktion ist Erster Bürgermeister")
    assert segment.owner.username.startswith("user")


@pytest.mark.parametrize("filter_json, message", [
    ('{"op": "and", "items": [{"facet": "shoe_size", "values": ["42"]}]}', "Unbekannte Bedingung „shoe_size“"),
    ('{"op": "and", "items": [{"facet": "org_kind", "values": ["castle"]}]}', "Unbekannter Wert „castle“"),
    ('{"op": "and", "items": [{"facet": "function", "values": []}]}', "Bitte wählen Sie einen Wert für die "
                                                                        "Bedingung „Funktion“"),
    ("{broken", "Die Bedingungen konnten nicht gelesen werden"),
])
def test_bad_conditions_are_refused_and_nothing_is_saved(client, login, region, filter_json, message):
    login("staff")
    before = segment_count()
    response = client.post("/verteiler/neu", data={"name": "Kaputt", "kind": "dynamic", "filter": filter_json})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and "Es wurde nichts gespeichert" in html
    assert segment_count() == before
    assert 'value="Kaputt"' in html  # the input is kept


def test_a_name_is_needed(client, login, region):
    login("staff")
    html = client.post("/verteiler/neu", data={"name": "", "kind": "dynamic", "filter": "{}"}).get_data(as_text=True)
    assert "Bitte geben Sie einen Namen ein." in html


def test_live_count_and_preview(client, login, region, mayors_and_chairs):
    login("staff")
    data = client.post("/verteiler/vorschau", json={"filter": mayors_and_chairs}).get_json()
    assert data["count"] == 4 and data["count_text"] == "4 Personen"
    assert [row["name"] for row in data["preview"]] == ["Anna Albrecht", "Bernd Bauer", "Hans Huber", "Jonas Jäger"]
    assert data["preview"][0]["detail"] == "Erste Bürgermeisterin · Markt Eschau"
    assert data["summary"].startswith("(Funktion ist Erster Bürgermeister")
    # Uwe objects: counted, and said so
    data = client.post("/verteiler/vorschau", json={"filter": tree(cond("org_tag", region.tag["Ehrenamt"]))}).get_json()
    assert data["count"] == 3 and data["objecting"] == 1
    assert "Davon hat 1 Person der Kontaktaufnahme widersprochen" in data["objecting_text"]
    # a condition still without a value is left out while building
    data = client.post("/verteiler/vorschau", json={"filter": tree(cond("tag", region.tag["Presse"]),
                                                                    cond("function"))}).get_json()
    assert data["count"] == 3
    data = client.post("/verteiler/vorschau", json={"filter": tree(cond("objection", "yes"),
                                                                    cond("has_email", "yes"))}).get_json()
    assert data["count"] == 0 and data["empty_text"] == "Keine Person erfüllt diese Bedingungen."
    response = client.post("/verteiler/vorschau", json={"filter": tree(cond("planet", "mars"))})
    assert response.status_code == 400 and response.get_json()["error"] == "Unbekannte Bedingung „planet“."


def test_the_live_count_needs_the_csrf_token(app, client, login, region):
    login("staff")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/verteiler/neu").get_data(as_text=True)
        token = re.search(r'data-csrf="([^"]+)"', page).group(1)
        assert client.post("/verteiler/vorschau", json={"filter": tree()}).status_code == 400
        response = client.post("/verteiler/vorschau", json={"filter": tree()}, headers={"X-CSRFToken": token})
        assert response.status_code == 200 and response.get_json()["count"] == 29
        assert client.post("/auswahl", data={"ids": [region.person["Anna"]], "action": "new"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_edit_keeps_concurrent_changes_apart(client, login, region):
    login("staff")
    segment = services.save_segment(None, {"name": "Presse", "filter": tree(cond("tag", region.tag["Presse"]))})
    db.session.commit()
    page = client.get(f"/verteiler/{segment.id}/bearbeiten").get_data(as_text=True)
    assert "Presse" in page and 'checked' in page
    stale = segment.version
    services.save_segment(segment, {"name": "Presse (neu)", "filter": tree(cond("org_kind", "media"))})
    db.session.commit()
    html = client.post(f"/verteiler/{segment.id}/bearbeiten", data={
        "name": "Presse alt", "filter": json.dumps(tree(cond("tag", region.tag["Presse"]))),
        "version": stale}).get_data(as_text=True)
    assert "Dieser Datensatz wurde inzwischen geändert" in html and 'value="Presse alt"' in html
    db.session.refresh(segment)
    assert segment.name == "Presse (neu)"
    response = client.post(f"/verteiler/{segment.id}/bearbeiten", data={
        "name": "Presse und Redaktionen", "filter": json.dumps(tree(cond("tag", region.tag["Presse"]),
                                                                      cond("org_kind", "media"), op="or")),
        "version": segment.version})
    assert response.status_code == 302
    db.session.refresh(segment)
    assert services.count(segment.filter).persons == 4  # Karin, Stefan, Walter, Berta
    history = client.get(f"/verteiler/{segment.id}/verlauf").get_data(as_text=True)
    assert "Bedingungen" in history and "Schlagwort ist Presse ODER Art der Organisation ist Medien" in history


def test_duplicate_and_delete(client, login, region):
    login("staff")
    segment = services.save_segment(None, {"name": "Rathäuser", "filter": tree(cond("org_kind", "municipality"))})
    db.session.commit()
    response = client.post(f"/verteiler/{segment.id}/kopieren")
    copy = db.session.scalar(select(Segment).where(Segment.name == "Rathäuser (Kopie)"))
    assert response.headers["Location"].endswith(f"/verteiler/{copy.id}/bearbeiten")
    assert copy.filter == segment.filter
    client.post(f"/verteiler/{segment.id}/archivieren")
    db.session.refresh(segment)
    assert segment.is_archived
    listing = client.get("/verteiler").get_data(as_text=True)
    assert "Rathäuser (Kopie)" in listing and f'data-segment-id="{segment.id}"' not in listing
    assert f'data-segment-id="{segment.id}"' in client.get("/verteiler?archived=1").get_data(as_text=True)
    client.post(f"/verteiler/{segment.id}/wiederherstellen")
    db.session.refresh(segment)
    assert not segment.is_archived


def test_selection_bar_on_the_person_list(client, login, region):
    login("staff")
    guests = services.save_segment(None, {"name": "Gästeliste", "kind": "fixed"})
    db.session.commit()
    html = client.get("/personen").get_data(as_text=True)
    assert 'id="selection-form"' in html and "Neuer Verteiler aus Auswahl" in html and "Gästeliste" in html
    assert html.count('class="form-check-input select-row"') == 29
    assert "Alle auf dieser Seite auswählen" in html

    p = region.person
    response = client.post("/auswahl", data={"ids": [p["Anna"], p["Bernd"]], "action": "add", "kind": "person",
                                             "segment_id": guests.id, "next": "/personen?q=a"})
    assert response.headers["Location"] == "/personen?q=a"
    response = client.post("/auswahl", data={"ids": [p["Anna"], p["Clara"]], "action": "add", "kind": "person",
                                             "segment_id": guests.id, "next": "https://evil.example/"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "1 Kontakt zu „Gästeliste“ hinzugefügt. 1 war schon darauf." in html
    assert response.request.path == "/personen"  # a foreign "next" is not followed
    assert {m.person_id for m in db.session.scalars(select(SegmentMember))} == {p["Anna"], p["Bernd"], p["Clara"]}

    html = client.post("/auswahl", data={"action": "add", "kind": "person", "segment_id": guests.id},
                       follow_redirects=True).get_data(as_text=True)
    assert "Bitte kreuzen Sie zuerst Kontakte an" in html

    # export the selection: the export with exactly these ids
    response = client.post("/auswahl", data={"ids": [p["Anna"], p["Clara"]], "action": "export:csv", "kind": "person"})
    assert response.headers["Location"] == f"/export/personen.csv?ids={p['Anna']},{p['Clara']}"
    rows = list(csv.reader(io.StringIO(client.get(response.headers["Location"]).get_data().decode("utf-8-sig")),
                           delimiter=";"))
    assert sorted(r[5] for r in rows[1:]) == ["Albrecht", "Conrad"]


def test_new_fixed_list_from_a_selection(client, login, region):
    login("staff")
    p = region.person
    response = client.post("/auswahl", data={"ids": [p["Karin"], p["Stefan"]], "action": "new", "kind": "person"})
    location = response.headers["Location"]
    assert location == f"/verteiler/neu?art=fest&personen={p['Karin']},{p['Stefan']}"
    html = client.get(location).get_data(as_text=True)
    assert "Die ausgewählten 2 Personen und 0 Organisationen kommen als feste Liste in den Verteiler." in html
    response = client.post("/verteiler/neu", data={"name": "Pressekontakte", "kind": "fixed",
                                                   "person_ids": f"{p['Karin']},{p['Stefan']}"})
    segment = db.session.scalar(select(Segment).where(Segment.name == "Pressekontakte"))
    assert segment.kind == "fixed"
    assert {m.person_id for m in segment.members} == {p["Karin"], p["Stefan"]}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Karin Koch" in html and "Stefan Sauer" in html and "2 Kontakte" in html


def test_organisations_on_a_fixed_list_and_removing_members(client, login, region):
    login("staff")
    guests = services.save_segment(None, {"name": "Vereine", "kind": "fixed"})
    db.session.commit()
    html = client.get("/organisationen").get_data(as_text=True)
    assert html.count('class="form-check-input select-row"') == 8
    client.post("/auswahl", data={"ids": [region.org["V1"], region.org["V2"]], "action": "add",
                                  "kind": "organisation", "segment_id": guests.id})
    members = list(db.session.scalars(select(SegmentMember).where(SegmentMember.segment_id == guests.id)))
    assert {m.organisation_id for m in members} == {region.org["V1"], region.org["V2"]}
    html = client.get(f"/verteiler/{guests.id}").get_data(as_text=True)
    assert "Heimatverein Eschau" in html and "Sportverein Elsenfeld" in html
    heimat = next(m for m in members if m.organisation_id == region.org["V1"])
    html = client.post(f"/verteiler/{guests.id}/mitglieder/entfernen", data={"member": [heimat.id]},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 Mitglied entfernt." in html
    assert "Heimatverein Eschau" not in html.split('id="members"')[1]
    history = client.get(f"/verteiler/{guests.id}/verlauf").get_data(as_text=True)
    assert "Heimatverein Eschau" in history and "Aufgenommen" in history and "Entfernt" in history


def test_a_filter_takes_no_members(client, login, region):
    login("staff")
    segment = services.save_segment(None, {"name": "Filter", "filter": tree(cond("objection", "yes"))})
    db.session.commit()
    html = client.post("/auswahl", data={"ids": [region.person["Anna"]], "action": "add", "kind": "person",
                                         "segment_id": segment.id}, follow_redirects=True).get_data(as_text=True)
    assert "ist ein Filter" in html
    assert db.session.scalar(select(func.count()).select_from(SegmentMember)) == 0


def test_recipients_page_with_rule_and_channel(client, login, region):
    login("viewer")
    segment = services.save_segment(None, {"name": "Ehrenamt", "filter": tree(cond("tag", region.tag["Ehrenamt"]))})
    db.session.commit()
    html = client.get(f"/verteiler/{segment.id}/empfaenger?regel=at_organisation&kanal=letter").get_data(as_text=True)
    recipients, excluded = html.split('id="recipients"')[1].split('id="excluded"')
    assert "Maria Maier" in recipients and "Carl Claus" in recipients
    assert "Sportverein Elsenfeld, Frau Maria Maier, Sportplatz 3, 63820 Elsenfeld" in recipients
    assert "Hans Huber" in excluded and "keine Postanschrift" in excluded
    assert "Uwe Ulrich" in excluded and "Widerspruch gegen Kontaktaufnahme" in excluded
    html = client.get(f"/verteiler/{segment.id}/empfaenger?regel=nonsense&kanal=fax").get_data(as_text=True)
    assert "Uwe Ulrich" in html  # unknown choices fall back to "the person, no requirement"


def test_a_verteiler_without_recipients_says_so(client, login, region):
    login("staff")
    nobody = services.save_segment(None, {"name": "Niemand", "filter": tree(cond("objection", "yes"),
                                                                           cond("objection", "no"))})
    empty = services.save_segment(None, {"name": "Leer", "kind": "fixed"})
    db.session.commit()
    html = client.get(f"/verteiler/{nobody.id}").get_data(as_text=True)
    assert "Zurzeit erfüllt niemand diese Bedingungen: dieser Verteiler hat keine Empfänger." in html
    assert "Dieser Verteiler hat noch keine Mitglieder" in client.get(f"/verteiler/{empty.id}").get_data(as_text=True)
    assert "Keine Empfänger" in client.get(f"/verteiler/{empty.id}/empfaenger").get_data(as_text=True)
    response = client.get(f"/export/personen.xlsx?segment={empty.id}", follow_redirects=True)
    assert response.request.path == f"/verteiler/{empty.id}"
    assert "Der Verteiler „Leer“ hat zurzeit keine Empfänger; es wurde nichts exportiert." in response.get_data(
        as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SegmentUse)) == 0


def test_exporting_a_verteiler_records_the_use(client, login, region):
    login("staff")
    segment = services.save_segment(None, {"name": "Ehrenamt", "filter": tree(cond("tag", region.tag["Ehrenamt"]))})
    db.session.commit()
    menu = client.get("/personen").get_data(as_text=True)
    assert "Aus einem Verteiler" in menu and f'<option value="{segment.id}">Ehrenamt</option>' in menu
    data = client.get(f"/export/personen.csv?segment={segment.id}&tag={region.tag['Presse']}").get_data()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    # the list's own filters do not apply; Uwe objects and is not exported
    assert sorted(r[5] for r in rows[1:]) == ["Claus", "Huber", "Lang", "Maier"]
    use = db.session.scalar(select(SegmentUse))
    assert (use.purpose, use.rule, use.channel, use.recipient_count, use.excluded_count) == ("export", "person", "",
                                                                                              4, 1)
    data = client.get(f"/export/organisationen.csv?segment={segment.id}").get_data()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert sorted(r[1] for r in rows[1:]) == ["Heimatverein Eschau", "Sportverein Elsenfeld"]
    assert db.session.scalar(select(func.count()).select_from(SegmentUse)) == 2
    vcards = client.get(f"/export/personen.vcf?segment={segment.id}").get_data(as_text=True)
    assert vcards.count("BEGIN:VCARD") == 4
    html = client.get(f"/verteiler/{segment.id}").get_data(as_text=True)
    assert "Export," in html and "4 Kontakte" in html and "1 ausgeschlossen" in html
    use_page = client.get(f"/verteiler/verwendungen/{use.id}").get_data(as_text=True)
    assert "Hans Huber" in use_page and "Widerspruch gegen Kontaktaufnahme" in use_page

    client.post("/abmelden")
    login("viewer")
    assert client.get(f"/export/personen.csv?segment={segment.id}").status_code == 403
    assert client.get(f"/verteiler/{segment.id}").status_code == 200


def test_viewer_sees_lists_but_no_selection_or_edit(client, login, region):
    login("viewer")
    services.save_segment(None, {"name": "Gäste", "kind": "fixed"})
    db.session.commit()
    html = client.get("/personen").get_data(as_text=True)
    assert "selection-form" not in html and "select-row" not in html and "Aus einem Verteiler" not in html
    html = client.get("/verteiler").get_data(as_text=True)
    assert "Gäste" in html and "Neuer Verteiler" not in html
    assert client.post("/auswahl", data={"ids": [region.person["Anna"]], "action": "new"}).status_code == 403


def test_detail_pages_read_members_without_n_plus_one(client, login, count_queries, make_person, make_org,
                                                      make_function):
    login("viewer")
    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin")

    def fixed_list(n):
        segment = services.save_segment(None, {"name": f"Liste {n}", "kind": "fixed"})
        persons = [make_person(f"Muster{n}x{i}", organisation=make_org(f"Gemeinde {n}-{i}"), function=mayor).id
                   for i in range(n)]
        services.add_members(segment, persons, [make_org(f"Verein {n}-{i}").id for i in range(3)])
        db.session.commit()
        return segment

    small, large = fixed_list(5), fixed_list(50)
    assert count_queries(f"/verteiler/{small.id}") == count_queries(f"/verteiler/{large.id}")
    assert count_queries(f"/verteiler/{small.id}/empfaenger") == count_queries(f"/verteiler/{large.id}/empfaenger")
    with count_queries.recording() as few:
        client.get("/verteiler")
    services.save_segment(None, {"name": "Noch einer", "filter": tree(cond("objection", "no"))})
    db.session.commit()
    with count_queries.recording() as more:
        client.get("/verteiler")
    selects = [[s for s in statements if not s.startswith("SAVEPOINT")] for statements in (few, more)]
    assert len(selects[0]) == len(selects[1]), selects  # the counts of every list in one query


def test_the_demo_region_has_mailing_lists(app, session):
    from crm.segments.models import Segment

    result = app.test_cli_runner().invoke(args=["crm", "seed-demo", "--persons", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    segments = {s.name: s for s in db.session.scalars(select(Segment))}
    assert set(segments) == {"Erste Bürgermeisterinnen und Bürgermeister im Landkreis",
                             "Lenkungsgruppe und Vorsitz der Arbeitskreise", "Presse und Medien",
                             "Neujahrsempfang 2027"}
    counts = services.counts_for(list(segments.values()))
    assert counts[segments["Erste Bürgermeisterinnen und Bürgermeister im Landkreis"].id] == 28  # 28 municipalities
    assert counts[segments["Lenkungsgruppe und Vorsitz der Arbeitskreise"].id] == 28 + 2  # + the two AK chairs
    assert counts[segments["Neujahrsempfang 2027"].id] == 14
    assert counts[segments["Presse und Medien"].id] > 2
    again = app.test_cli_runner().invoke(args=["crm", "seed-demo", "--persons", "10", "--seed", "3"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Segment)) == 4


def test_a_list_of_organisations_has_no_persons_to_export(client, login, region):
    login("staff")
    segment = services.save_segment(None, {"name": "Rathäuser", "kind": "fixed"})
    services.add_members(segment, [], [region.org["M1"], region.org["M2"]])
    db.session.commit()
    response = client.get(f"/export/personen.csv?segment={segment.id}", follow_redirects=True)
    assert "hat zurzeit keine Empfänger" in response.get_data(as_text=True)
    data = client.get(f"/export/organisationen.csv?segment={segment.id}").get_data().decode("utf-8-sig")
    assert "Markt Eschau" in data and "Markt Elsenfeld" in data
    assert db.session.scalar(select(func.count()).select_from(SegmentUse)) == 1
