"""The start page's "not contacted" panel says how many there are and links to the full list (issue 9, item 10)."""
import re
from datetime import date, datetime, timedelta, timezone

from crm.contacts.models import Affiliation, FieldOfAction, Person
from crm.extensions import db
from crm.interactions.models import Interaction


def names_in(html: str) -> list[str]:
    table = html.split('id="not-contacted"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'/personen/\d+">([^<]+)</a>', table)


def sixty_one_key_contacts(make_org, make_function):
    town = make_org("Verwaltungsgemeinschaft Kirchzell", kind="admin_union", sector="public")
    chair = make_function("Gemeinschaftsvorsitzender", "Gemeinschaftsvorsitzende", key=True)
    persons = []
    for i in range(61):
        person = Person(last_name=f"Rat{i:02d}", first_name="Kim", gender="female")
        persons.append(person)
        db.session.add(Affiliation(person=person, organisation=town, function=chair, valid_from=date(2020, 5, 1),
                                   is_primary=True))
    db.session.add_all(persons)
    db.session.commit()
    return persons


def test_panel_shows_15_of_61_and_links_to_all(client, login, make_org, make_function):
    sixty_one_key_contacts(make_org, make_function)
    login("viewer")
    html = client.get("/").get_data(as_text=True)
    assert "15 von 61 angezeigt" in html
    link = re.search(r'<a href="([^"]*nicht-kontaktiert[^"]*)">Alle 61 anzeigen</a>', html)
    assert link, "no link to the full list"
    full = client.get(link.group(1).replace("&amp;", "&"))
    assert full.status_code == 200
    names = names_in(full.get_data(as_text=True))
    assert len(names) == 61


def test_full_list_keeps_the_filters_and_sorts(client, login, make_org, make_function, session):
    persons = sixty_one_key_contacts(make_org, make_function)
    tourism = FieldOfAction(name="Tourismus")
    persons[5].fields_of_action.append(tourism)
    persons[7].fields_of_action.append(tourism)
    now = datetime.now(timezone.utc)
    # Rat05 was contacted 8 months ago: out of the 9-month list, in the 6-month list
    session.add(Interaction(subject="Telefonat", persons=[persons[5]], occurred_at=now - timedelta(days=240)))
    session.commit()
    login("viewer")

    html = client.get(f"/?monate=6&handlungsfeld={tourism.id}").get_data(as_text=True)
    assert "2 von 2 angezeigt" in html and "Als sortierbare Liste öffnen" in html
    assert f"/interaktionen/nicht-kontaktiert?monate=6&amp;handlungsfeld={tourism.id}" in html

    html = client.get(f"/interaktionen/nicht-kontaktiert?monate=6&handlungsfeld={tourism.id}").get_data(as_text=True)
    assert "Seit 6 Monaten nicht kontaktiert" in html
    assert [n.split()[-1] for n in names_in(html)] == ["Rat07", "Rat05"]  # never contacted first
    html = client.get(f"/interaktionen/nicht-kontaktiert?monate=6&handlungsfeld={tourism.id}&sort=name").get_data(
        as_text=True)
    assert [n.split()[-1] for n in names_in(html)] == ["Rat05", "Rat07"]
    assert "Letzter Kontakt" in html and "nie" in html
    html = client.get(f"/interaktionen/nicht-kontaktiert?monate=9&handlungsfeld={tourism.id}").get_data(as_text=True)
    assert [n.split()[-1] for n in names_in(html)] == ["Rat07"]

    html = client.get("/interaktionen/nicht-kontaktiert?sort=name").get_data(as_text=True)
    names = [n.split()[-1] for n in names_in(html)]
    assert names == sorted(names) and len(names) == 61


def test_full_list_takes_odd_input_without_error(client, login):
    login("viewer")
    for query in ("?monate=7", "?monate=x", "?handlungsfeld=%C2%B2", "?handlungsfeld=100000000000000000000",
                  "?sort=drop"):
        response = client.get("/interaktionen/nicht-kontaktiert" + query)
        assert response.status_code == 200
        assert "Seit 6 Monaten nicht kontaktiert" in response.get_data(as_text=True)


def test_panel_shows_the_first_15_of_the_full_list_and_counts_them_all(make_org, make_function, session):
    from crm.interactions import services

    persons = sixty_one_key_contacts(make_org, make_function)
    tourism = FieldOfAction(name="Tourismus")
    now = datetime.now(timezone.utc)
    for i, person in enumerate(persons[:55]):  # 11 contacted recently, 44 long ago, 6 never
        days = 10 if i % 5 == 0 else 190 + (i * 37) % 300
        session.add(Interaction(subject=f"Gespräch {i}", persons=[person], occurred_at=now - timedelta(days=days)))
        if i % 2:
            person.fields_of_action.append(tourism)
    session.commit()

    for months, field_id in ((6, None), (12, None), (6, tourism.id), (24, None)):
        rows, total = services.not_contacted_panel_rows(months=months, field_id=field_id)
        full = services.not_contacted(months=months, field_id=field_id, limit=None)
        assert total == len(full)
        assert [(r.person.id, r.reason, r.last_contact) for r in rows] == [
            (r.person.id, r.reason, r.last_contact) for r in full[:15]]
    rows, total = services.not_contacted_panel_rows(months=6)
    assert total == 50 and len(rows) == 15
    assert [r.person.last_name for r in rows[:6]] == [f"Rat{i}" for i in range(55, 61)]  # never contacted, by name
    contacts = [r.last_contact for r in rows[6:]]
    assert None not in contacts and contacts == sorted(contacts)  # then the longest without contact
    assert rows[0].reason == "Gemeinschaftsvorsitzende · Verwaltungsgemeinschaft Kirchzell"
    assert services.not_contacted_panel_rows(months=6, field_id=tourism.id + 1) == ([], 0)
