"""The map of the municipalities: counts per municipality computed by hand, the SVG, the upload and its checks."""
import io
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.reports import geo, municipality_map
from crm.reports.map_models import MunicipalityMap
from tests.reports.network_fixture import build_region


@pytest.fixture
def region(app, make_org, make_person, make_function):
    return build_region(make_org, make_person, make_function)


def _square(lon, lat, size=0.05):
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def _geojson(*features, kind="FeatureCollection") -> bytes:
    return json.dumps({"type": kind, "features": [
        {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": _square(*where)}}
        for props, where in features]}).encode()


ASTADT = ({"AGS": "09676111", "GEN": "Astadt"}, (9.10, 49.70))
BEDORF = ({"ARS": "096765432114", "GEN": "Bedorf"}, (9.15, 49.70))  # the 12-digit key: AGS 09676114
ELSEWHERE = ({"AGS": 9679999, "GEN": "Anderswo"}, (9.20, 49.70))  # a number: the leading zero is lost


def _maps() -> int:
    return db.session.scalar(select(func.count()).select_from(MunicipalityMap))


def _id(region, name):
    return region.ids[name][1]


def test_contacts_per_municipality_counted_by_hand(region):
    counts = municipality_map.activity("contacts")
    # Astadt: Anna and Bert (Heimatverein, located in Astadt), Clara (the municipality itself); Ernst is archived.
    # Bedorf: Bert (Holzbau, located in Bedorf); Dieter's function there ended.
    assert counts == {_id(region, "astadt"): 3, _id(region, "bedorf"): 1}


def test_projects_per_municipality_counted_by_hand(region, make_person):
    from crm.contacts.models import Person
    from crm.projects.models import Project

    bert = db.session.get(Person, _id(region, "bert"))
    db.session.add(Project(title="Hackschnitzelheizung", sponsor_person=bert))  # Bert works in both municipalities
    db.session.commit()
    # Astadt: the museum (sponsor: the Heimatverein and Anna, counted once) and Bert's project;
    # Bedorf: Bert's project; the archived project of the Holzbau firm does not count.
    assert municipality_map.activity("projects") == {_id(region, "astadt"): 2, _id(region, "bedorf"): 1}


def test_participants_per_municipality_counted_by_hand(region):
    from crm.qualification.models import Offer, Registration

    offer = Offer(title="Förderantrag richtig stellen", capacity=10)
    db.session.add(offer)
    db.session.add_all([
        Registration(offer=offer, person_id=_id(region, "anna"), status="attended"),
        Registration(offer=offer, person_id=_id(region, "bert"), status="cancelled"),
        Registration(offer=offer, person_id=_id(region, "clara"), status="waitlisted", waitlist_position=1),
        Registration(offer=offer, person_id=_id(region, "dieter"), status="registered"),  # no current function
    ])
    db.session.commit()
    assert municipality_map.activity("participants") == {_id(region, "astadt"): 1}


def test_the_map_page_colours_the_municipalities_and_links_their_contacts(client, login, region):
    municipality_map.save_shapes(_geojson(ASTADT, BEDORF), "kreis.geojson")
    db.session.commit()
    login("viewer")
    html = client.get("/netzwerkbild/karte").get_data(as_text=True)
    assert "Karte der Kommunen" in html and "Kontakte (Personen) je Kommune" in html
    astadt, bedorf = _id(region, "astadt"), _id(region, "bedorf")
    assert html.count("<path ") == 2
    assert f'href="/personen?municipality={astadt}"' in html and f'href="/personen?municipality={bedorf}"' in html
    assert 'data-ags="09676111" data-value="3"' in html and 'data-ags="09676114" data-value="1"' in html
    # two values, two classes: 1 the lightest blue, 3 the darkest
    assert 'fill="#c6dbef" fill-rule="evenodd" data-ags="09676114"' in html
    assert 'fill="#08306b" fill-rule="evenodd" data-ags="09676111"' in html
    assert "keine" in html and "Alle Kommunen" in html
    # the link shows the persons the map counted
    listed = client.get(f"/personen?municipality={astadt}").get_data(as_text=True)
    assert all(name in listed for name in ("Acker", "Bauer", "Christ")) and "Eck" not in listed
    projects = client.get("/netzwerkbild/karte?mass=projects").get_data(as_text=True)
    assert 'data-ags="09676111" data-value="1"' in projects and 'data-ags="09676114" data-value="0"' in projects
    assert 'fill="#eeeeee" fill-rule="evenodd" data-ags="09676114"' in projects


def test_without_shapes_the_map_page_says_so_and_still_lists_the_counts(client, login, region):
    login("viewer")
    html = client.get("/netzwerkbild/karte").get_data(as_text=True)
    assert "Noch keine Gemeindeflächen" in html and "<path " not in html
    assert "Gemeindeflächen hochladen" not in html  # the upload is for admins
    assert "Astadt" in html and "Bedorf" in html


def test_an_admin_uploads_shapes_and_hears_how_many_matched(client, login, region):
    login("admin")
    page = client.get("/netzwerkbild/karte/gemeindegrenzen").get_data(as_text=True)
    assert "GeoJSON-Datei mit den Gemeindeflächen" in page
    response = client.post("/netzwerkbild/karte/gemeindegrenzen", follow_redirects=True,
                           data={"file": (io.BytesIO(_geojson(ASTADT, BEDORF, ELSEWHERE)), "bayern.geojson")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "Karte gespeichert: 2 von 3 Flächen der Datei passen zu einer Kommune; 0 von 2 Kommunen haben keine " \
           "Fläche." in html
    record = municipality_map.current_map()
    assert (record.filename, record.feature_count, record.matched_count) == ("bayern.geojson", 3, 2)
    assert {s["ags"] for s in json.loads(record.shapes)} == {"09676111", "09676114"}  # the rest is not kept


BAD_FILES = [
    (b"{ this is not json", "kein gültiges GeoJSON"),
    (b"\xff\xfe\x00garbage", "kein gültiges GeoJSON"),
    (json.dumps({"type": "Feature", "geometry": None}).encode(), "keine GeoJSON-FeatureCollection"),
    (json.dumps([1, 2, 3]).encode(), "keine GeoJSON-FeatureCollection"),
    (_geojson(({"GEN": "Astadt", "NAME": "x"}, (9.1, 49.7))), "Kein Objekt der Datei hat eine AGS-Eigenschaft"),
    (_geojson(ELSEWHERE, ({"AGS": "05111000"}, (7.0, 51.0))),
     "Keiner der 2 AGS in der Datei gehört zu einer hier erfassten Kommune"),
    (b"", "Bitte w"),
]


@pytest.mark.parametrize("data, message", BAD_FILES)
def test_a_bad_file_is_refused_in_german_and_nothing_changes(client, login, region, data, message):
    municipality_map.save_shapes(_geojson(ASTADT), "alt.geojson")
    db.session.commit()
    before = _maps()
    login("admin")
    response = client.post("/netzwerkbild/karte/gemeindegrenzen",
                           data={"file": (io.BytesIO(data), "grenzen.geojson")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert "Nichts wurde gespeichert" in html or "nichts gespeichert" in html.lower()
    assert _maps() == before and municipality_map.current_map().filename == "alt.geojson"


def test_only_admins_upload(client, login, region):
    login("manager")
    assert client.get("/netzwerkbild/karte/gemeindegrenzen").status_code == 403
    response = client.post("/netzwerkbild/karte/gemeindegrenzen",
                           data={"file": (io.BytesIO(_geojson(ASTADT)), "x.geojson")},
                           content_type="multipart/form-data")
    assert response.status_code == 403 and _maps() == 0


def test_the_demo_region_brings_a_shape_for_every_municipality(app, region):
    municipality_map.generate_demo_shapes(seed=1)
    db.session.commit()
    record = municipality_map.current_map()
    assert record.matched_count == 2 and record.feature_count == 2
    with app.test_request_context():
        view = municipality_map.map_view("contacts")
    assert all(r.shape is not None and r.shape.path.startswith("M") for r in view["rows"])
    assert view["svg"].width == 800 and view["svg"].height > 0


# ------------------------------------------------------------------ pure pieces


@pytest.mark.parametrize("properties, ags", [
    ({"AGS": "09676111"}, "09676111"), ({"ags": 9676111}, "09676111"), ({"AGS_0": "09676111"}, "09676111"),
    ({"RS": "096760000111"}, "09676111"), ({"ARS": 96765432111}, "09676111"), ({"GEN": "Astadt"}, ""),
    ({"AGS": "0967"}, ""), ({"AGS": True}, ""), (None, ""), ({"AGS": " 09676111 "}, "09676111"),
])
def test_the_ags_is_read_from_the_usual_properties(properties, ags):
    assert geo.feature_ags(properties) == ags


def test_colour_classes_split_the_values_above_zero():
    classes = geo.colour_classes([0, 1, 2, 3, 4, 5, 6, 7, 40])
    assert [(c.low, c.high) for c in classes] == [(1, 2), (3, 4), (5, 6), (7, 40)]
    assert geo.colour_for(0, classes) == geo.NONE_COLOUR and geo.colour_for(40, classes) == geo.CLASS_COLOURS[-1]
    assert geo.colour_classes([0, 0]) == []
    same = geo.colour_classes([5, 5, 5])
    assert [(c.low, c.high) for c in same] == [(5, 5)]


def test_the_projection_keeps_north_up_and_the_proportions():
    shapes = [{"ags": "1", "geometry": {"type": "MultiPolygon", "coordinates": [_square(9.0, 49.0, 1.0)]}}]
    svg = geo.project(shapes, width=100, pad=0)
    # a square degree at 49.5° N is cos(49.5°) = 0.65 as wide as high
    assert svg.width == 100 and svg.height == pytest.approx(100 / 0.6494, rel=0.01)
    assert svg.shapes[0].path.startswith("M0.0,") and svg.shapes[0].label_x == pytest.approx(50, abs=0.2)


def test_a_shape_upload_with_archived_municipality_ignores_it(region):
    from crm.contacts.models import Organisation

    db.session.get(Organisation, _id(region, "bedorf")).archived_at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    db.session.commit()
    record, parsed = municipality_map.save_shapes(_geojson(ASTADT, BEDORF), "k.geojson")
    assert record.matched_count == 1 and parsed.unmatched == ["09676114"]


def test_a_file_larger_than_the_upload_limit_is_refused(client, login, region, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024 * 1024)
    login("admin")
    big = _geojson(ASTADT) + b" " * (1024 * 1024)
    html = client.post("/netzwerkbild/karte/gemeindegrenzen", data={"file": (io.BytesIO(big), "gross.geojson")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Die Datei ist zu groß (höchstens 1 MB)." in html and _maps() == 0
