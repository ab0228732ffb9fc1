import pytest

from crm import create_app
from tests.conftest import PASSWORD


def test_login_and_logout(client, make_user):
    make_user("staff", username="sabine")
    assert client.get("/personen").status_code == 302  # not logged in
    response = client.post("/anmelden", data={"username": "Sabine", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/personen").status_code == 200
    assert client.get("/abmelden").status_code == 405  # logout only by POST (with CSRF)
    assert client.post("/abmelden").status_code == 302
    assert client.get("/personen").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make_user):
    make_user(username="anna")
    response = client.post("/anmelden", data={"username": "anna", "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/personen").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, make_user):
    make_user(username="anna")
    wrong = client.post("/anmelden", data={"username": "anna", "password": "wrong"}).get_data(as_text=True)
    unknown = client.post("/anmelden", data={"username": "nobody", "password": "wrong"}).get_data(as_text=True)
    assert wrong.replace('value="anna"', "") == unknown.replace('value="nobody"', "")


def test_login_rate_limit_per_address(monkeypatch):
    from crm.extensions import limiter

    # Flask-Limiter keeps "enabled" on the shared extension: restore it for the other tests.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app("testing", RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.post("/anmelden", data={"username": "x", "password": "y"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_no_open_redirect_after_login(client, make_user, target):
    make_user(username="redirected")
    response = client.post("/anmelden?next=" + target, data={"username": "redirected", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_same_site_redirect_after_login(client, make_user):
    make_user(username="back")
    response = client.post("/anmelden?next=/organisationen?kind=municipality",
                           data={"username": "back", "password": PASSWORD})
    assert response.headers["Location"] == "/organisationen?kind=municipality"


def test_inactive_user_cannot_log_in(client, make_user):
    make_user(username="gone", active=False)
    client.post("/anmelden", data={"username": "gone", "password": PASSWORD})
    assert client.get("/personen").status_code == 302


def test_password_is_hashed(make_user):
    user = make_user(username="hashy")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    make_user(username="cookie")
    response = client.post("/anmelden", data={"username": "cookie", "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_token_is_required_on_forms(make_user, app):
    csrf_app = create_app("testing", WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    response = client.post("/anmelden", data={"username": "x", "password": "y"})
    assert response.status_code == 400


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from crm.extensions import limiter

    # Flask-Limiter keeps "enabled" on the shared extension: restore it for the other tests.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-0123456789")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_admin_manages_users_and_others_may_not(client, login):
    login("manager")
    assert client.get("/benutzer").status_code == 403


def test_admin_creates_a_user_who_can_log_in(client, login, app):
    login("admin")
    response = client.post("/benutzer/neu", data={
        "username": "lena", "full_name": "Lena Berg", "email": "", "role": "viewer", "locale": "de",
        "active": "y", "password": "lang-genug-1",
    })
    assert response.status_code == 302
    client.post("/abmelden")
    assert client.post("/anmelden", data={"username": "lena", "password": "lang-genug-1"}).status_code == 302


def test_admin_cannot_remove_own_admin_role(client, login):
    admin = login("admin")
    client.post(f"/benutzer/{admin.id}/bearbeiten", data={
        "username": admin.username, "role": "viewer", "locale": "de", "active": "y",
    })
    assert admin.role == "admin"


def test_create_user_cli(app, session):
    from crm.auth.services import find_user

    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "create-user", "kai", "--role", "manager", "--password", "sicheres-pw"])
    assert result.exit_code == 0, result.output
    assert find_user("kai").role == "manager"
    again = runner.invoke(args=["crm", "create-user", "kai", "--password", "sicheres-pw"])
    assert again.exit_code != 0 and "gibt es schon" in again.output
