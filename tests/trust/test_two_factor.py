"""Two-factor login: setup with a QR code shown once, the code step of the login, recovery codes,
reuse refused, throttling, enforcement for administrators, reset by an administrator."""
import re
import time

import pyotp
import pytest

from crm.auth import twofactor
from crm.auth.models import RecoveryCode
from crm.auth.services import find_user
from crm.core.audit import AuditLog
from crm.extensions import db
from tests.conftest import PASSWORD


def _secret_from(html: str) -> str:
    return re.search(r'<code class="fs-6 user-select-all">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")


def _code(secret: str, offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset * 30)


def _set_up(client) -> tuple[str, list[str]]:
    html = client.get("/konto/zwei-faktor/einrichten").get_data(as_text=True)
    assert "<svg" in html and "QR-Code für die Authenticator-App" in html
    secret = _secret_from(html)
    html = client.post("/konto/zwei-faktor/einrichten", data={"code": _code(secret, -1)}).get_data(as_text=True)
    assert "Die Zwei-Faktor-Anmeldung ist eingeschaltet." in html
    codes = re.findall(r"<li class=\"col\">([a-z2-9-]{19})</li>", html)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def _password_step(app, username, remember=False):
    other = app.test_client()
    data = {"username": username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = other.post("/anmelden", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/anmelden/code")
    return other


def test_setup_then_login_with_the_app_code(app, client, login):
    user = login("staff")
    assert "Zwei-Faktor-Anmeldung" in client.get("/konto/zwei-faktor").get_data(as_text=True)
    secret, codes = _set_up(client)
    db.session.expire_all()
    user = find_user(user.username)
    assert user.totp_secret == secret and user.two_factor_enabled
    # the recovery codes are kept only as hashes
    stored = db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert all(len(h) == 64 for h in stored)
    # the QR code is never shown again once it is on
    assert client.get("/konto/zwei-faktor/einrichten").status_code == 302
    assert secret not in client.get("/konto/zwei-faktor").get_data(as_text=True)

    other = _password_step(app, user.username)
    # not logged in yet: pages send back to the login
    assert other.get("/").status_code == 302
    html = other.get("/anmelden/code").get_data(as_text=True)
    assert "Authenticator-App" in html
    response = other.post("/anmelden/code", data={"code": _code(secret, 1)})
    assert response.status_code == 302 and other.get("/").status_code == 200
    row = db.session.scalars(db.select(AuditLog).where(AuditLog.entity_type == "user", AuditLog.entity_id == user.id,
                                                       AuditLog.action == "two_factor_on")).one()
    assert row.changes == {} and secret not in str(row.changes)


def test_a_code_is_refused_the_second_time(app, client, login):
    user = login("staff")
    secret, _codes = _set_up(client)
    code = _code(secret, 1)  # the setup used the previous step
    first = _password_step(app, user.username)
    assert first.post("/anmelden/code", data={"code": code}).status_code == 302
    second = _password_step(app, user.username)
    html = second.post("/anmelden/code", data={"code": code}).get_data(as_text=True)
    assert "Dieser Code wurde schon verwendet" in html
    assert second.get("/").status_code == 302
    # an older code than the last used one is refused as well
    html = second.post("/anmelden/code", data={"code": _code(secret, 0)}).get_data(as_text=True)
    assert "Dieser Code wurde schon verwendet" in html


def test_wrong_codes_are_refused_and_throttled(app, client, login):
    user = login("staff")
    secret, _codes = _set_up(client)
    other = _password_step(app, user.username)
    for _ in range(5):
        html = other.post("/anmelden/code", data={"code": "000000"}).get_data(as_text=True)
        assert "Der Code ist falsch oder abgelaufen." in html
    html = other.post("/anmelden/code", data={"code": _code(secret, 1)}).get_data(as_text=True)
    assert "Zu viele falsche Codes. Bitte versuchen Sie es in" in html
    assert other.get("/").status_code == 302


def test_a_recovery_code_works_once(app, client, login):
    user = login("staff")
    _secret, codes = _set_up(client)
    other = _password_step(app, user.username)
    response = other.post("/anmelden/code", data={"code": codes[3].upper().replace("-", " ")}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "mit einem Wiederherstellungscode angemeldet; 9 sind noch übrig" in html
    again = _password_step(app, user.username)
    html = again.post("/anmelden/code", data={"code": codes[3]}).get_data(as_text=True)
    assert "Der Code ist falsch oder abgelaufen." in html
    assert again.post("/anmelden/code", data={"code": codes[4]}).status_code == 302


def test_the_code_step_expires_and_needs_the_password_first(app, client, login, monkeypatch):
    user = login("staff")
    secret, _codes = _set_up(client)
    stranger = app.test_client()
    response = stranger.get("/anmelden/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/anmelden")
    other = _password_step(app, user.username)
    later = time.time() + 301
    monkeypatch.setattr("crm.auth.views.time.time", lambda: later)
    response = other.post("/anmelden/code", data={"code": _code(secret, 1)}, follow_redirects=True)
    assert "Die Anmeldung ist abgelaufen" in response.get_data(as_text=True)


def test_remember_me_is_kept_through_the_code_step(app, client, login):
    user = login("staff")
    secret, _codes = _set_up(client)
    other = _password_step(app, user.username, remember=True)
    response = other.post("/anmelden/code", data={"code": _code(secret, 1)})
    assert "remember_token=" in response.headers.get("Set-Cookie", "")


def test_wrong_setup_code_switches_nothing_on(client, login):
    user = login("staff")
    html = client.get("/konto/zwei-faktor/einrichten").get_data(as_text=True)
    secret = _secret_from(html)
    wrong = f"{(int(_code(secret)) + 1) % 1000000:06d}"
    html = client.post("/konto/zwei-faktor/einrichten", data={"code": wrong}).get_data(as_text=True)
    assert "Der Code passt nicht" in html
    db.session.expire_all()
    assert not find_user(user.username).two_factor_enabled


def test_new_recovery_codes_and_switching_off(app, client, login):
    user = login("staff")
    _secret, codes = _set_up(client)
    response = client.post("/konto/zwei-faktor/neue-codes", data={"password": "falsch"}, follow_redirects=True)
    assert "Das aktuelle Passwort ist falsch." in response.get_data(as_text=True)
    html = client.post("/konto/zwei-faktor/neue-codes", data={"password": PASSWORD}).get_data(as_text=True)
    fresh = re.findall(r"<li class=\"col\">([a-z2-9-]{19})</li>", html)
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    other = _password_step(app, user.username)
    assert "falsch oder abgelaufen" in other.post("/anmelden/code", data={"code": codes[0]}).get_data(as_text=True)
    assert other.post("/anmelden/code", data={"code": fresh[0]}).status_code == 302

    response = client.post("/konto/zwei-faktor/ausschalten", data={"password": PASSWORD}, follow_redirects=True)
    assert "Die Zwei-Faktor-Anmeldung ist ausgeschaltet." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not find_user(user.username).two_factor_enabled
    assert not db.session.scalars(db.select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    plain = app.test_client()
    assert plain.post("/anmelden", data={"username": user.username, "password": PASSWORD}).headers[
        "Location"].endswith("/")


@pytest.fixture
def admins_need_two_factor(app):
    app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"] = True
    yield
    app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"] = False


def test_an_admin_without_two_factor_is_led_to_set_it_up(app, client, login, admins_need_two_factor):
    login("admin")
    response = client.get("/benutzer")
    assert response.status_code == 302 and response.headers["Location"].endswith("/konto/zwei-faktor/einrichten")
    assert client.post("/benutzer/neu", data={}).status_code == 302
    html = client.get("/konto/zwei-faktor/einrichten").get_data(as_text=True)
    assert "Administratoren melden sich mit einem zweiten Faktor an" in html
    secret = _secret_from(html)
    client.post("/konto/zwei-faktor/einrichten", data={"code": _code(secret)})
    assert client.get("/benutzer").status_code == 200
    # and may not switch it off
    response = client.post("/konto/zwei-faktor/ausschalten", data={"password": PASSWORD}, follow_redirects=True)
    assert "Administratoren müssen die Zwei-Faktor-Anmeldung behalten." in response.get_data(as_text=True)


def test_other_roles_are_not_forced(client, login, admins_need_two_factor):
    login("manager")
    assert client.get("/personen").status_code == 200


def test_admin_resets_a_lost_two_factor_login(app, client, login, make_user):
    berta = make_user("staff", username="berta")
    berta_client = app.test_client()
    berta_client.post("/anmelden", data={"username": "berta", "password": PASSWORD})
    _set_up(berta_client)
    login("admin")
    html = client.get(f"/benutzer/{berta.id}/bearbeiten").get_data(as_text=True)
    assert "Zwei-Faktor-Anmeldung zurücksetzen" in html
    assert "Zwei-Faktor" in client.get("/benutzer").get_data(as_text=True)
    response = client.post(f"/benutzer/{berta.id}/zwei-faktor-zuruecksetzen", follow_redirects=True)
    assert "Die Zwei-Faktor-Anmeldung von „berta“ wurde zurückgesetzt" in response.get_data(as_text=True)
    assert berta_client.get("/").status_code == 302  # her sessions ended
    db.session.expire_all()
    assert not find_user("berta").two_factor_enabled
    actions = db.session.scalars(db.select(AuditLog.action).where(AuditLog.entity_type == "user",
                                                                  AuditLog.entity_id == berta.id)).all()
    assert "two_factor_on" in actions and "two_factor_reset" in actions


def test_matching_step_takes_one_step_either_side_only():
    secret = twofactor.new_secret()
    totp = pyotp.TOTP(secret)
    now = 1_800_000_000
    step = now // 30
    assert twofactor.matching_step(secret, totp.at(now), now) == step
    assert twofactor.matching_step(secret, totp.at(now - 30), now) == step - 1
    assert twofactor.matching_step(secret, totp.at(now + 30), now) == step + 1
    assert twofactor.matching_step(secret, totp.at(now - 90), now) is None
    assert twofactor.matching_step(secret, "12345", now) is None
    assert twofactor.matching_step(secret, "abcdef", now) is None
