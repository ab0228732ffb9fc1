"""CardDAV as phones use it: discovery, a full sync, a change, an incremental sync; read only."""
from datetime import date, timedelta
from urllib.parse import quote

import vobject

from crm.extensions import db
from tests.carddav.conftest import NS, PERSONS, SEATS, prop, responses

PROPFIND_PRINCIPAL = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"""
PROPFIND_HOME_SET = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
 <d:prop><card:addressbook-home-set/><d:displayname/></d:prop></d:propfind>"""
PROPFIND_BOOKS = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/">
 <d:prop><d:resourcetype/><d:displayname/><card:addressbook-description/><cs:getctag/><d:sync-token/>
 <d:current-user-privilege-set/><d:supported-report-set/><d:quota-available-bytes/></d:prop></d:propfind>"""
SYNC = """<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>
 <d:prop><d:getetag/></d:prop></d:sync-collection>"""
MULTIGET = """<?xml version="1.0" encoding="utf-8"?>
<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
 <d:prop><d:getetag/><card:address-data/></d:prop>{hrefs}</card:addressbook-multiget>"""


def discover(dav, username):
    """/.well-known/carddav -> principal -> home -> the address books, as iOS does it."""
    moved = dav.request("PROPFIND", "/.well-known/carddav", PROPFIND_PRINCIPAL, depth=0)
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/carddav/")
    root = dav.xml("PROPFIND", "/carddav/", PROPFIND_PRINCIPAL, depth=0)
    principal = root.findtext(".//d:current-user-principal/d:href", namespaces=NS)
    assert principal == f"/carddav/principals/{quote(username)}/"  # "anna.heß" as %C3%9F
    root = dav.xml("PROPFIND", principal, PROPFIND_HOME_SET, depth=0)
    home = root.findtext(".//card:addressbook-home-set/d:href", namespaces=NS)
    assert home == f"/carddav/{quote(username)}/"
    return responses(dav.xml("PROPFIND", home, PROPFIND_BOOKS, depth=1))


def sync(dav, book_url, token=""):
    root = dav.xml("REPORT", book_url, SYNC.format(token=token).encode())
    changed = {href: prop(r, "d:getetag").text for href, r in responses(root).items() if prop(r, "d:getetag") is not None}
    removed = {href for href, r in responses(root).items() if "404" in (r.findtext("d:status", namespaces=NS) or "")}
    return changed, removed, root.findtext("d:sync-token", namespaces=NS)


def multiget(dav, book_url, hrefs):
    body = MULTIGET.format(hrefs="".join(f"<d:href>{h}</d:href>" for h in hrefs)).encode()
    root = dav.xml("REPORT", book_url, body, depth=1)
    return {href: prop(r, "card:address-data").text for href, r in responses(root).items()}


def test_discovery_lists_all_contacts_the_body_and_the_list(dav, app_password, region):
    user, _secret = app_password
    books = discover(dav, user.username)
    names = {prop(r, "d:displayname").text: href for href, r in books.items() if prop(r, "d:displayname") is not None}
    assert {"Alle Kontakte", "LAG-Entscheidungsgremium", "Presseverteiler"} <= set(names)
    book = books[names["LAG-Entscheidungsgremium"]]
    assert prop(book, "d:resourcetype/card:addressbook") is not None
    assert prop(book, "d:sync-token").text.startswith("http://localhost/carddav/sync/")
    privileges = [p.tag.split("}")[1] for p in prop(book, "d:current-user-privilege-set").iter()
                  if p.tag != "{DAV:}current-user-privilege-set" and p.tag != "{DAV:}privilege"]
    assert privileges == ["read", "read-current-user-privilege-set"]  # read only
    reports = {r.tag for r in prop(book, "d:supported-report-set").iter()}
    assert "{DAV:}sync-collection" in reports and "{urn:ietf:params:xml:ns:carddav}addressbook-multiget" in reports
    unknown = [ps for ps in book.findall("d:propstat", NS) if "404" in ps.findtext("d:status", namespaces=NS)]
    assert unknown and unknown[0].find("d:prop/d:quota-available-bytes", NS) is not None


def test_full_sync_then_a_change_then_only_that_card(dav, app_password, region):
    user, _secret = app_password
    book_url = f"/carddav/{quote(user.username)}/alle/"
    changed, removed, token = sync(dav, book_url)
    persons = [h for h in changed if "regionetz-person-" in h]
    assert len(persons) == PERSONS and len([h for h in changed if "organisation" in h]) == 20 and not removed

    cards = multiget(dav, book_url, sorted(changed))
    hess = region.persons[0]
    href = f"{book_url}regionetz-person-{hess.id}.vcf"
    card = vobject.readOne(cards[href])
    assert card.n.value.family == "Heß" and card.org.value[0] == "Verein Nummer 1 e.V."
    assert card.email.value == "person0@example.org"

    # The phone number changes in RegioNetz; the next sync brings that card and nothing else.
    hess.phone = "+49 9371 4711"
    db.session.commit()
    changed2, removed2, token2 = sync(dav, book_url, token)
    assert list(changed2) == [href] and not removed2 and token2 != token
    assert changed2[href] != changed[href]
    card = vobject.readOne(multiget(dav, book_url, [href])[href])
    assert card.tel.value == "09371 4711" and card.n.value.family == "Heß"

    # A single GET: the same card, its ETag, 304 when unchanged.
    got = dav.request("GET", href)
    assert got.status_code == 200 and got.headers["ETag"] == changed2[href]
    assert got.content_type.startswith("text/vcard") and "Heß" in got.get_data(as_text=True)
    assert dav.request("GET", href, headers={"If-None-Match": changed2[href]}).status_code == 304

    # Archived: the card goes away on the phone.
    region.persons[5].archived_at = region.persons[5].created_at
    db.session.commit()
    changed3, removed3, token3 = sync(dav, book_url, token2)
    assert not changed3 and removed3 == {f"{book_url}regionetz-person-{region.persons[5].id}.vcf"}
    assert sync(dav, book_url, token3)[:2] == ({}, set())  # nothing new
    assert dav.request("GET", f"{book_url}regionetz-person-{region.persons[5].id}.vcf").status_code == 404


def test_the_body_book_holds_the_current_members_for_their_organisation(dav, app_password, region):
    user, _secret = app_password
    book_url = f"/carddav/{quote(user.username)}/gremium-{region.body.id}/"
    changed, _removed, token = sync(dav, book_url)
    assert len(changed) == SEATS
    cards = multiget(dav, book_url, list(changed))
    parsed = [vobject.readOne(card) for card in cards.values()]  # XML turns CRLF into LF; vobject reads both
    assert all(card.version.value == "3.0" for card in parsed)
    organisations = {card.org.value[0] for card in parsed}
    assert organisations == {org.name for org in region.organisations}  # each for the organisation represented
    seat = region.seats[3]
    seat.valid_to = date.today() - timedelta(days=1)  # the seat ended yesterday
    db.session.commit()
    changed2, removed2, _token = sync(dav, book_url, token)
    assert not changed2 and removed2 == {f"{book_url}regionetz-person-{seat.person_id}.vcf"}

    listing = responses(dav.xml("PROPFIND", book_url, b"", depth=1))
    assert len([h for h in listing if h.endswith(".vcf")]) == SEATS - 1


def test_the_list_book_and_a_query_by_name(dav, app_password, region):
    user, _secret = app_password
    book_url = f"/carddav/{quote(user.username)}/verteiler-{region.segment.id}/"
    changed, _removed, _token = sync(dav, book_url)
    assert len(changed) == 30
    query = """<?xml version="1.0" encoding="utf-8"?>
<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
 <d:prop><d:getetag/><card:address-data/></d:prop>
 <card:filter><card:prop-filter name="FN"><card:text-match match-type="contains">nüßlein7</card:text-match>
 </card:prop-filter></card:filter></card:addressbook-query>"""
    found = responses(dav.xml("REPORT", book_url, query.encode("utf-8"), depth=1))
    names = [vobject.readOne(prop(r, "card:address-data").text).fn.value for r in found.values()]
    assert names == ["Anna Nüßlein7"]


def test_wrong_revoked_or_login_passwords_get_401_without_saying_why(client, app_password, region):
    from crm.carddav import passwords
    from crm.carddav.models import AppPassword
    from tests.carddav.conftest import Dav
    from tests.conftest import PASSWORD

    user, secret = app_password
    url = f"/carddav/{user.username}/alle/"
    bodies = set()
    for username, password in ((user.username, "falsch-falsch-falsch-falsch"), ("niemand", secret),
                               (user.username, PASSWORD)):
        answer = Dav(client, username, password).request("PROPFIND", url, b"", depth=0)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Basic realm=")
        bodies.add(answer.get_data())
    assert client.open(url, method="PROPFIND").status_code == 401  # no credentials at all
    assert Dav(client, user.username, secret).request("PROPFIND", url, b"", depth=0).status_code == 207
    passwords.revoke(db.session.query(AppPassword).filter_by(user_id=user.id).one())
    db.session.commit()
    revoked = Dav(client, user.username, secret).request("PROPFIND", url, b"", depth=0)
    assert revoked.status_code == 401
    bodies.add(revoked.get_data())
    assert len(bodies) == 1  # the same answer whatever was wrong


def test_another_users_address_books_are_not_found(dav, make_user, region):
    other = make_user("staff", username="bernd")
    assert dav.request("PROPFIND", f"/carddav/{other.username}/alle/", b"", depth=0).status_code == 404


def test_writes_are_refused_with_403_and_change_nothing(dav, app_password, region):
    user, _secret = app_password
    href = f"/carddav/{user.username}/alle/regionetz-person-{region.persons[0].id}.vcf"
    before = dav.request("GET", href).get_data()
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Erika Neu\r\nN:Neu;Erika;;;\r\nUID:x\r\nEND:VCARD\r\n"
    for method, body in (("PUT", card), ("DELETE", None), ("PROPPATCH", "<d:propertyupdate xmlns:d='DAV:'/>"),
                         ("MKCOL", None), ("MOVE", None)):
        assert dav.request(method, href, body).status_code == 403, method
    assert dav.request("PUT", f"/carddav/{user.username}/alle/neu.vcf", card).status_code == 403
    assert dav.request("GET", href).get_data() == before
    options = dav.request("OPTIONS", f"/carddav/{user.username}/alle/")
    assert "addressbook" in options.headers["DAV"] and "PUT" not in options.headers["Allow"]


def test_an_unknown_sync_token_asks_for_a_full_sync(dav, app_password, region):
    user, _secret = app_password
    response = dav.request("REPORT", f"/carddav/{user.username}/alle/",
                           SYNC.format(token="http://localhost/carddav/sync/999999").encode())
    assert response.status_code == 403 and b"valid-sync-token" in response.data


def test_a_viewers_cards_leave_out_the_confidential_private_data(client, make_user, region):
    from crm.carddav import passwords
    from tests.carddav.conftest import Dav

    person = region.persons[0]
    person.phone, person.street, person.postcode, person.city = "09371 1234", "Gartenweg 3", "63897", "Miltenberg"
    db.session.commit()
    cards = {}
    for role in ("viewer", "staff"):
        user = make_user(role, username=f"phone-{role}")
        _row, secret = passwords.create(user, "Telefon")
        db.session.commit()
        answer = Dav(client, user.username, secret).request(
            "GET", f"/carddav/{user.username}/alle/regionetz-person-{person.id}.vcf")
        assert answer.status_code == 200
        cards[role] = answer.get_data(as_text=True)
    assert "person0@example.org" in cards["staff"] and "Gartenweg 3" in cards["staff"] and "1234" in cards["staff"]
    for private in ("person0@example.org", "Gartenweg 3", "1234"):
        assert private not in cards["viewer"]
    assert "Heß" in cards["viewer"] and "Verein Nummer 1 e.V." in cards["viewer"]  # the business card stays


PROPFIND_BOOK = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
 <d:prop><d:getetag/><cs:getctag/><d:sync-token/></d:prop></d:propfind>"""


def test_polls_without_a_change_render_no_card_and_every_kind_of_change_still_reaches_the_phone(
        dav, app_password, region, monkeypatch):
    """The newest sync state is the book's cache while its change marker stays the same; every change
    of what a card shows changes the marker (person, function, organisation, tag, function title, seat)."""
    from crm.carddav import books
    from crm.contacts.models import Tag
    from crm.network.models import Seat

    monkeypatch.setattr(books, "SETTLE", timedelta(0))  # trust a state made right after a change (tests are fast)
    rendered = []
    real_cards = books.cards
    monkeypatch.setattr(books, "cards", lambda book, private: rendered.append(book.slug) or real_cards(book, private))
    user, _secret = app_password
    book_url = f"/carddav/{quote(user.username)}/alle/"
    changed, _removed, token = sync(dav, book_url)
    assert len(changed) == PERSONS + 20 and rendered == ["alle"]

    def ctag():
        root = dav.xml("PROPFIND", book_url, PROPFIND_BOOK, depth=0)
        return prop(responses(root)[book_url], "cs:getctag").text

    first_ctag = ctag()
    depth1 = responses(dav.xml("PROPFIND", book_url, PROPFIND_BOOK, depth=1))
    assert len(depth1) == PERSONS + 21
    assert {h: prop(r, "d:getetag").text for h, r in depth1.items() if h != book_url} == changed
    assert sync(dav, book_url, token) == ({}, set(), token)
    assert ctag() == first_ctag and rendered == ["alle"]  # three polls, no card rendered
    hess_href = f"{book_url}regionetz-person-{region.persons[0].id}.vcf"
    assert list(multiget(dav, book_url, [hess_href])) == [hess_href] and rendered == ["alle"]  # that card only

    def only(href, token):
        changed_now, removed_now, new_token = sync(dav, book_url, token)
        assert list(changed_now) == [href] and not removed_now and new_token != token
        return new_token

    person = region.persons[3]
    person_href = f"{book_url}regionetz-person-{person.id}.vcf"
    person.mobile = "+49 170 1234567"
    db.session.commit()
    token = only(person_href, token)
    assert ctag() != first_ctag

    function = person.affiliations[0]
    function.department = "Kämmerei"
    db.session.commit()
    token = only(person_href, token)

    person.tags = [Tag(name="Presse")]
    db.session.commit()
    token = only(person_href, token)
    db.session.scalar(db.select(Tag).where(Tag.name == "Presse")).name = "Presse & Medien"  # a catalogue rename
    db.session.commit()
    token = only(person_href, token)

    chair = region.persons[1].affiliations[0].function  # the chairs of the 20 associations
    chair.name_female = "Vereinsvorsitzende"
    db.session.commit()
    changed_now, _removed, token = sync(dav, book_url, token)
    women_in_the_chair = [p for p in region.persons[:20] if p.gender == "female"]
    assert sorted(changed_now) == sorted(f"{book_url}regionetz-person-{p.id}.vcf" for p in women_in_the_chair)

    body_url = f"/carddav/{quote(user.username)}/gremium-{region.body.id}/"
    _members, _removed, body_token = sync(dav, body_url)
    newcomer = region.persons[60]
    db.session.add(Seat(body=region.body, person=newcomer, role="member", voting=True,
                        valid_from=date.today() - timedelta(days=1)))
    db.session.commit()
    assert list(sync(dav, body_url, body_token)[0]) == [f"{body_url}regionetz-person-{newcomer.id}.vcf"]
