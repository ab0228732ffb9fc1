"""A district as a regional manager writes to it: 140 contacts, some without address, some objecting."""
import pytest

from crm.extensions import db


@pytest.fixture
def district(make_org, make_person, make_function):
    """12 municipalities with a first mayor and 9 council members each (120 letters), 10 persons who
    object to being contacted, 10 without any postal address: 140 contacts in all."""
    from crm.contacts.models import Person

    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin")
    council = make_function("Gemeinderat", "Gemeinderätin")
    letters, objecting, no_address = [], [], []
    for m in range(12):
        org = make_org(f"Markt Musterhausen {m + 1}", kind="municipality", sector="public",
                       street=f"Rathausplatz {m + 1}", postcode=f"6382{m % 10}", city=f"Musterhausen {m + 1}")
        letters.append(make_person(f"Heß{m}", "Anna", gender="female", organisation=org, function=mayor))
        for c in range(9):
            letters.append(make_person(f"Döring{m}x{c}", "Max", gender="male", organisation=org, function=council))
    for i in range(10):
        objecting.append(make_person(f"Widerspruch{i}", "Eva", street="Weg 1", postcode="63820", city="Elsenfeld",
                                     contact_objection=True))
        no_address.append(make_person(f"Ohneadresse{i}", "Kim", gender="diverse"))
    everyone = letters + objecting + no_address
    assert db.session.query(Person).count() >= 140
    return {"letters": letters, "objecting": objecting, "no_address": no_address, "everyone": everyone}


@pytest.fixture
def fixed_list(district):
    from crm.segments import services as segments

    segment = segments.save_segment(None, {"name": "Alle Gemeinden", "kind": "fixed"})
    segments.add_members(segment, [p.id for p in district["everyone"]])
    db.session.commit()
    return segment
