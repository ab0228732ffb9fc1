"""Private address, phone, mobile and e-mail stay hidden from viewers on every page that lists persons.

One person with a function at a municipality and one with nothing but private details, both on a fixed
Verteiler; a viewer walks the lists, searches, detail pages and the Verteiler's recipients and finds none
of the private values; the office (staff) sees them where it needs them (so the check can fail).
"""
import pytest

from crm.extensions import db

PRIVATE = ("geheim.privat@example.org", "Geheimweg 7", "Verborgenheim", "nurprivat@example.org",
           "Stillgasse 3", "Heimlichhausen")
PRIVATE_DIGITS = ("5550199", "5550123", "555019")


def _digits(html: str) -> str:
    return "".join(ch for ch in html if ch.isdigit())


@pytest.fixture
def region(make_org, make_person):
    from crm.segments.models import Segment, SegmentMember

    org = make_org("Markt Kleinwallstadt", kind="municipality", sector="public", city="Kleinwallstadt",
                   email="rathaus@kleinwallstadt.example", phone="+49 6022 6622-0")
    with_work = make_person("Geheimer", "Gustav", gender="male", organisation=org,
                            email="geheim.privat@example.org", phone="+49 6022 555019", mobile="+49 171 5550199",
                            street="Geheimweg 7", postcode="63839", city="Verborgenheim")
    private_only = make_person("Ohnefirma", "Olga", email="nurprivat@example.org", mobile="+49 160 5550123",
                               street="Stillgasse 3", postcode="63840", city="Heimlichhausen")
    segment = Segment(name="Bürgermeister-Runde", kind="fixed")
    db.session.add(segment)
    db.session.flush()
    db.session.add_all([SegmentMember(segment_id=segment.id, person_id=with_work.id),
                        SegmentMember(segment_id=segment.id, person_id=private_only.id)])
    db.session.commit()
    return org, with_work, private_only, segment


def _pages(org, with_work, private_only, segment):
    return [
        "/personen", "/personen?q=Geheimer", "/personen?q=Ohnefirma", "/personen?q=Olga",
        f"/personen/{with_work.id}", f"/personen/{private_only.id}", f"/organisationen/{org.id}",
        "/suche?q=Geheimer", "/suche?q=Ohnefirma", "/suche/schnell?q=Geheimer", "/suche/schnell?q=Ohnefirma",
        f"/verteiler/{segment.id}", f"/verteiler/{segment.id}/empfaenger",
    ]


def test_viewers_see_no_private_details_anywhere(client, login, region):
    login("viewer")
    for url in _pages(*region):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        for value in PRIVATE:
            assert value not in html, f"{url} shows {value!r} to a viewer"
        digits = _digits(html)
        for value in PRIVATE_DIGITS:
            assert value not in digits, f"{url} shows the private number …{value} to a viewer"
    # what a viewer may see: the person and the function's work details
    html = client.get("/personen?q=Geheimer").get_data(as_text=True)
    assert "Geheimer" in html and "rathaus@kleinwallstadt.example" in html


def test_the_office_sees_them(client, login, region):
    org, with_work, private_only, segment = region
    login("staff")
    html = client.get("/personen?q=Ohnefirma").get_data(as_text=True)
    assert "nurprivat@example.org" in html and "5550123" in _digits(html)
    html = client.get(f"/personen/{with_work.id}").get_data(as_text=True)
    assert "geheim.privat@example.org" in html and "Verborgenheim" in html
