"""The review list: 140 contacts, of which those not reviewed or not contacted for three years are
listed (filterable, paged), and bulk "geprüft" / "archivieren"."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from crm.contacts.models import Person
from crm.core import time as clock
from crm.extensions import db

OLD = datetime(2019, 1, 15, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def region(app):
    """140 persons entered in 2019: 0-59 reviewed 2020 (due), 60-99 reviewed last year (not due, but
    70-99 never contacted), 100-119 never reviewed (due), 120-139 entered last month (not due)."""
    today = clock.today()
    recent = clock.utcnow() - timedelta(days=30)
    persons = []
    for i in range(140):
        p = Person(last_name=f"Prüf{i:03d}", first_name="Karl", legal_basis="art6_1f" if i % 2 else "art6_1e",
                   data_source="Import 2019", data_collected_on=date(2019, 1, 15), created_at=OLD)
        if i < 60:
            p.last_reviewed_on, p.last_contacted_at = date(2020, 6, 1), OLD
        elif i < 100:
            p.last_reviewed_on = today - timedelta(days=300)
            p.last_contacted_at = clock.utcnow() - timedelta(days=40) if i < 70 else None
        elif i >= 120:
            p.created_at, p.data_collected_on = recent, None
        p.update_sort_name()
        persons.append(p)
    db.session.add_all(persons)
    db.session.commit()
    return persons


def _names(html: str) -> list[str]:
    return re.findall(r">(Karl Prüf\d{3})</a>", html)


def test_list_filters_and_pages(region, client, login):
    login("staff")
    html = client.get("/datenschutz/pruefliste").get_data(as_text=True)
    assert "Datenschutz-Prüfliste" in html and ">110</span>" in html  # 60 + 20 not reviewed, 30 not contacted
    assert len(_names(html)) == 50 and "15.01.2019" in html and "01.06.2020" in html
    assert "/loeschen" not in html  # erasing is for managers
    page3 = client.get("/datenschutz/pruefliste?page=3").get_data(as_text=True)
    assert len(_names(page3)) == 10
    not_reviewed = client.get("/datenschutz/pruefliste?grund=not_reviewed").get_data(as_text=True)
    assert ">80</span>" in not_reviewed
    not_contacted = client.get("/datenschutz/pruefliste?grund=not_contacted").get_data(as_text=True)
    assert ">110</span>" in not_contacted  # reviewed in 2020 but last contact 2019 counts too
    basis = client.get("/datenschutz/pruefliste?grund=not_reviewed&rechtsgrundlage=art6_1f").get_data(as_text=True)
    assert ">40</span>" in basis
    seven = client.get("/datenschutz/pruefliste?grund=not_reviewed&jahre=7").get_data(as_text=True)
    assert ">20</span>" in seven and "seit 7 Jahren" in seven  # only those never reviewed since 2019
    assert set(_names(seven)) == {f"Karl Prüf{i:03d}" for i in range(100, 120)}
    bad = client.get("/datenschutz/pruefliste?grund=x'--&jahre=abc&rechtsgrundlage=<b>")
    assert bad.status_code == 200 and ">110</span>" in bad.get_data(as_text=True)


def test_bulk_reviewed_and_archive(region, client, login):
    login("staff")
    ids = [p.id for p in region[:30]]
    response = client.post("/datenschutz/pruefliste", data={"action": "reviewed", "ids": ids,
                                                             "back": "grund=not_reviewed"})
    assert response.status_code == 302 and response.headers["Location"].endswith("?grund=not_reviewed")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Heute als geprüft markiert: 30 Kontakte." in html and ">50</span>" in html
    db.session.expire_all()
    assert {p.last_reviewed_on for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} == {
        clock.today()}
    response = client.post("/datenschutz/pruefliste", data={"action": "archive", "ids": [p.id for p in region[30:40]]},
                           follow_redirects=True)
    assert "Archiviert: 10 Kontakte." in response.get_data(as_text=True)
    db.session.expire_all()
    assert sum(1 for p in region[30:40] if db.session.get(Person, p.id).archived_at is not None) == 10


def test_bulk_without_selection_or_action_changes_nothing(region, client, login):
    login("staff")
    response = client.post("/datenschutz/pruefliste", data={"action": "reviewed"}, follow_redirects=True)
    assert "Bitte mindestens einen Kontakt ankreuzen." in response.get_data(as_text=True)
    response = client.post("/datenschutz/pruefliste", data={"action": "delete", "ids": [region[0].id]},
                           follow_redirects=True)
    assert "Bitte eine Aktion wählen." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, region[0].id).last_reviewed_on == date(2020, 6, 1)


def test_managers_get_an_erase_link_per_row(region, client, login):
    login("manager")
    html = client.get("/datenschutz/pruefliste").get_data(as_text=True)
    assert html.count("/loeschen") == 50 and "Löschen …" in html


def test_viewer_may_not_see_the_list(client, login):
    login("viewer")
    assert client.get("/datenschutz/pruefliste").status_code == 403
    assert client.post("/datenschutz/pruefliste", data={"action": "reviewed"}).status_code == 403


def test_years_come_from_the_configuration(region, app, client, login):
    login("staff")
    app.config["PRIVACY_REVIEW_YEARS"] = 8
    try:
        html = client.get("/datenschutz/pruefliste").get_data(as_text=True)
    finally:
        app.config["PRIVACY_REVIEW_YEARS"] = 3
    assert "seit 8 Jahren" in html and ">0</span>" in html and "Keine Kontakte zu prüfen" in html
