"""The page for the phone: app password made, shown once, used by CardDAV, revoked."""
import re

from crm.carddav.models import AppPassword
from crm.extensions import db
from tests.carddav.conftest import Dav


def test_an_app_password_is_shown_once_works_and_can_be_revoked(client, login, region):
    user = login("viewer", username="vorstand", full_name="Vera Vorstand")
    page = client.get("/adressbuecher").get_data(as_text=True)
    assert "Kontakte auf dem Telefon" in page and "http://localhost/carddav/" in page
    assert "LAG-Entscheidungsgremium" in page and "Presseverteiler" in page and "Noch keine App-Passwörter." in page

    created = client.post("/adressbuecher/app-passwort", data={"label": "iPhone von Vera"})
    assert created.status_code == 200
    secret = re.search(r'id="new-app-password">([a-z0-9-]+)<', created.get_data(as_text=True)).group(1)
    assert len(secret) == 23
    row = db.session.query(AppPassword).filter_by(user_id=user.id).one()
    assert row.label == "iPhone von Vera" and secret not in row.secret_hash  # only the hash is stored
    again = client.get("/adressbuecher").get_data(as_text=True)
    assert secret not in again and "iPhone von Vera" in again and "nie" in again  # never used yet

    dav = Dav(client, "vorstand", secret)
    assert dav.request("PROPFIND", "/carddav/vorstand/alle/", b"", depth=0).status_code == 207
    assert "nie" not in client.get("/adressbuecher").get_data(as_text=True).split("iPhone von Vera")[1][:200]

    revoked = client.post(f"/adressbuecher/app-passwort/{row.id}/widerrufen", follow_redirects=True)
    assert "Das App-Passwort für „iPhone von Vera“ gilt nicht mehr." in revoked.get_data(as_text=True)
    assert dav.request("PROPFIND", "/carddav/vorstand/alle/", b"", depth=0).status_code == 401


def test_an_app_password_needs_a_device_name(client, login):
    user = login("staff")
    answer = client.post("/adressbuecher/app-passwort", data={"label": "  "}, follow_redirects=True)
    assert "Bitte das Gerät benennen" in answer.get_data(as_text=True)
    assert db.session.query(AppPassword).filter_by(user_id=user.id).count() == 0


def test_nobody_revokes_another_users_app_password(client, login, make_user):
    from crm.carddav import passwords

    owner = make_user("staff", username="owner")
    row, _secret = passwords.create(owner, "Telefon")
    db.session.commit()
    login("admin")
    answer = client.post(f"/adressbuecher/app-passwort/{row.id}/widerrufen", follow_redirects=True)
    assert "Dieses App-Passwort gibt es nicht mehr." in answer.get_data(as_text=True)
    db.session.refresh(row)
    assert row.revoked_at is None
