"""The duplicate list, merge and the similar-contacts check as a user of the office sees them."""
from sqlalchemy import select

from crm.contacts.models import Person
from crm.duplicates.models import DuplicatePair
from crm.extensions import db


def test_similar_contacts_on_the_create_form(client, login, make_person, make_org, session):
    login("staff")
    p = make_person("Meier", "Gerhard", email="g@meier.de")
    make_org("Heimatverein Wörth e.V.")
    found = client.get("/duplikate/aehnliche?last_name=Maier&first_name=Gerhard").get_json()
    assert [m["id"] for m in found["matches"]] == [p.id]
    assert found["matches"][0]["url"].endswith(f"/personen/{p.id}")
    found = client.get("/duplikate/aehnliche?last_name=X&email=G@Meier.de").get_json()
    assert [m["id"] for m in found["matches"]] == [p.id]
    assert client.get("/duplikate/aehnliche?last_name=Schulz").get_json()["matches"] == []
    found = client.get("/duplikate/aehnliche?kind=organisation&name=Heimatverein+Woerth").get_json()
    assert [m["name"] for m in found["matches"]] == ["Heimatverein Wörth e.V."]
    html = client.get("/personen/neu").get_data(as_text=True)
    assert 'id="similar-contacts"' in html and "duplicates.js" in html


def test_duplicate_scan_list_and_merge(client, login, make_person, session):
    login("staff")
    a = make_person("Schmidt", "Anna", email="anna@schmidt.de")
    b = make_person("Schmitt", "Anna", email="anna@schmidt.de")
    make_person("Wagner", "Paul")
    client.post("/duplikate/suchen", data={"kind": "person"})
    pair = db.session.scalar(select(DuplicatePair))
    assert (pair.a_id, pair.b_id) == (a.id, b.id)
    html = client.get("/duplikate").get_data(as_text=True)
    assert "Schmitt" in html and "Vergleichen und zusammenführen" in html
    page = client.get(f"/duplikate/zusammenfuehren/person/{a.id}/{b.id}")
    assert page.status_code == 200 and 'name="field-last_name"' in page.get_data(as_text=True)
    response = client.post(f"/duplikate/zusammenfuehren/person/{a.id}/{b.id}",
                           data={"keep": a.id, "merge": "1", "field-last_name": "b"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/personen/{a.id}")
    db.session.expire_all()
    assert db.session.get(Person, b.id) is None and db.session.get(Person, a.id).last_name == "Schmitt"
    assert "Anna Schmitt" in client.get("/duplikate/protokoll").get_data(as_text=True)
