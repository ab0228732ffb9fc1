"""Issue 9, security: sessions that end, throttled guessing without lock-outs, the secret key,
least privilege for new users, no-store for personal data, ProxyFix."""
import pytest

from crm import create_app
from crm.extensions import db
from tests.conftest import PASSWORD

THROTTLED = "Zu viele Fehlversuche"
WRONG = "Benutzername oder Passwort ist falsch"


def _login(client, username, password=PASSWORD, remember=False, **kwargs):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/anmelden", data=data, **kwargs)


def _fresh_client(app, **cookies):
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def _cookies(client):
    return {name: client.get_cookie(name).value for name in ("session", "remember_token") if client.get_cookie(name)}


def _logged_in(client) -> bool:
    return client.get("/personen").status_code == 200


# ------------------------------------------------------------------ 1. sessions end


def test_logout_ends_a_saved_session_cookie_and_the_remember_cookie(app, client, make_user):
    make_user("staff", username="copied")
    assert _login(client, "copied", remember=True).status_code == 302
    saved = _cookies(client)
    assert set(saved) == {"session", "remember_token"}
    # A copy of either cookie is a working login before the logout ...
    assert _logged_in(_fresh_client(app, session=saved["session"]))
    assert _logged_in(_fresh_client(app, remember_token=saved["remember_token"]))
    response = client.post("/abmelden", follow_redirects=True)
    assert "Sie wurden auf allen Geräten abgemeldet" in response.get_data(as_text=True)
    # ... and none after it.
    assert not _logged_in(_fresh_client(app, session=saved["session"]))
    assert not _logged_in(_fresh_client(app, remember_token=saved["remember_token"]))
    assert not _logged_in(_fresh_client(app, **saved))


def test_the_remember_cookie_changes_with_each_login_after_a_logout(client, make_user):
    make_user("staff", username="again")
    _login(client, "again", remember=True)
    first = client.get_cookie("remember_token").value
    client.post("/abmelden")
    _login(client, "again", remember=True)
    assert client.get_cookie("remember_token").value != first


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, make_user):
    make_user("staff", username="twice")
    laptop, tablet = app.test_client(), app.test_client()
    _login(laptop, "twice", remember=True)
    _login(tablet, "twice", remember=True)
    laptop_cookies = _cookies(laptop)
    response = tablet.post("/konto/passwort", data={
        "current": PASSWORD, "password": "ein neues langes Passwort", "confirm": "ein neues langes Passwort",
    }, follow_redirects=True)
    assert "Ihr Passwort wurde geändert" in response.get_data(as_text=True)
    assert not _logged_in(laptop)
    assert not _logged_in(_fresh_client(app, remember_token=laptop_cookies["remember_token"]))
    assert _logged_in(tablet)
    # This session's remember cookie was renewed with the new token.
    assert _logged_in(_fresh_client(app, remember_token=tablet.get_cookie("remember_token").value))


@pytest.mark.parametrize("change", [{"role": "viewer"}, {"active": ""}])
def test_role_change_and_deactivation_end_the_users_sessions(app, make_user, change):
    user = make_user("manager", username=f"changed-{sorted(change)[0]}")
    theirs, admin_client = app.test_client(), app.test_client()
    _login(theirs, user.username)
    admin = make_user("admin")
    _login(admin_client, admin.username)
    data = {"username": user.username, "full_name": "", "email": "", "role": "manager", "locale": "de", "active": "y"}
    data.update(change)
    if not data["active"]:
        del data["active"]
    assert admin_client.post(f"/benutzer/{user.id}/bearbeiten", data=data).status_code == 302
    assert not _logged_in(theirs)
    assert _logged_in(admin_client)


def test_admin_setting_own_password_stays_logged_in(client, login):
    admin = login("admin")
    response = client.post(f"/benutzer/{admin.id}/bearbeiten", data={
        "username": admin.username, "role": "admin", "locale": "de", "active": "y", "password": "neues-passwort-1",
    })
    assert response.status_code == 302 and _logged_in(client)


# ------------------------------------------------------------------ 2. secret key


def test_development_generates_a_secret_key_into_the_instance_folder_and_reuses_it(monkeypatch, tmp_path):
    import config
    from crm.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setattr(config.DevelopmentConfig, "SECRET_KEY", None)
    first = create_app("development").config["SECRET_KEY"]
    assert len(first) >= 32 and first != "dev-only-not-secret"
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert create_app("development").config["SECRET_KEY"] == first


@pytest.mark.parametrize("key", ["", "dev-only-not-secret", "s3cret-from-the-environment", "x" * 31])
def test_production_refuses_a_missing_or_weak_secret_key(monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


# ------------------------------------------------------------------ 3. guessing


def _count_password_checks(monkeypatch):
    import werkzeug.security

    import crm.auth.models

    calls = []
    real = werkzeug.security.check_password_hash

    def counting(hash_, password):
        calls.append(1)
        return real(hash_, password)

    monkeypatch.setattr(werkzeug.security, "check_password_hash", counting)
    monkeypatch.setattr(crm.auth.models, "check_password_hash", counting)
    return calls


def test_known_and_unknown_names_get_the_same_answer_at_the_same_cost(app, make_user, monkeypatch):
    make_user(username="realadmin")
    calls = _count_password_checks(monkeypatch)
    pages = {}
    for name in ("realadmin", "nosuchuser"):
        client = app.test_client()
        for attempt in range(5):
            calls.clear()
            html = _login(client, name, "guess").get_data(as_text=True)
            assert WRONG in html and len(calls) == 1, (name, attempt)
        calls.clear()
        pages[name] = _login(client, name, "guess").get_data(as_text=True)
        assert THROTTLED in pages[name] and len(calls) == 1
    assert pages["realadmin"].replace("realadmin", "") == pages["nosuchuser"].replace("nosuchuser", "")


def test_a_stranger_cannot_lock_out_the_owner(app, make_user):
    make_user("admin", username="chefin")
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(8):
        _login(stranger, "chefin", "guess", environ_base={"REMOTE_ADDR": "198.51.100.66"})
    assert THROTTLED in _login(stranger, "chefin", environ_base={"REMOTE_ADDR": "198.51.100.66"}).get_data(as_text=True)
    # The owner, at her own desk, logs in with the right password at once.
    assert _login(owner, "chefin", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 302


def test_the_guesser_waits_even_with_the_right_password(app, make_user):
    user = make_user(username="target")
    client = app.test_client()
    for _ in range(5):
        _login(client, "target", "guess", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    response = _login(client, "target", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 200 and THROTTLED in response.get_data(as_text=True)
    assert not _logged_in(client)
    assert user.failed_logins == 5


# ------------------------------------------------------------------ 4. password change


def test_the_password_change_is_throttled(client, login):
    user = login("viewer")
    old_hash = user.password_hash
    for _ in range(5):
        html = client.post("/konto/passwort", data={
            "current": "falsch", "password": "neues-passwort-9", "confirm": "neues-passwort-9",
        }).get_data(as_text=True)
        assert "Das aktuelle Passwort ist falsch" in html
    html = client.post("/konto/passwort", data={
        "current": PASSWORD, "password": "neues-passwort-9", "confirm": "neues-passwort-9",
    }).get_data(as_text=True)
    assert "Zu viele falsche Versuche" in html
    db.session.refresh(user)
    assert user.password_hash == old_hash


# ------------------------------------------------------------------ 7. no-store


def test_pages_of_logged_in_users_are_not_cached_but_static_files_are(client, login):
    login("viewer")
    for url in ("/", "/personen", "/suche/schnell?q=mu", "/suche?q=mu", "/konto/passwort"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    assert "no-store" not in (client.get("/static/app.css").headers.get("Cache-Control") or "")


def test_member_list_exports_are_not_cached(client, login):
    from datetime import date

    from crm.contacts.models import Person
    from crm.network.models import Body, Seat

    login("staff")
    body = Body(name="LAG-Entscheidungsgremium", kind="lag_decision")
    db.session.add_all([body, Seat(body=body, person=Person(first_name="Eva", last_name="Roth"), valid_from=date(2024, 1, 1))])
    db.session.commit()
    for ext in ("csv", "xlsx", "vcf", "docx"):
        response = client.get(f"/gremien/{body.id}/mitglieder.{ext}")
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", ext


# ------------------------------------------------------------------ 8. ProxyFix


def _throttled_from(client, forwarded_for: str) -> bool:
    html = _login(client, "ghost-behind-proxy", "guess", headers={"X-Forwarded-For": forwarded_for}).get_data(as_text=True)
    return THROTTLED in html


def test_behind_a_trusted_proxy_each_client_address_counts_for_itself():
    proxied = create_app("testing", PROXY_FIX_X_FOR=1).test_client()
    for _ in range(5):
        _throttled_from(proxied, "203.0.113.5")
    assert _throttled_from(proxied, "203.0.113.5")
    assert not _throttled_from(proxied, "203.0.113.6")


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored():
    direct = create_app("testing").test_client()
    for _ in range(5):
        _throttled_from(direct, "203.0.113.5")
    assert _throttled_from(direct, "203.0.113.6")  # the header is not believed: same address


# ------------------------------------------------------------------ 9. least privilege


def test_a_new_user_starts_as_viewer(client, login):
    from crm.auth.services import find_user

    login("admin")
    html = client.get("/benutzer/neu").get_data(as_text=True)
    assert '<option selected value="viewer">' in html
    response = client.post("/benutzer/neu", data={"username": "neuling", "locale": "de", "active": "y",
                                                  "password": "lang-genug-1"})
    assert response.status_code == 302 and find_user("neuling").role == "viewer"


def test_the_password_rule_says_what_is_required(client, login):
    login("admin")
    html = client.post("/benutzer/neu", data={"username": "kurz", "role": "viewer", "locale": "de", "active": "y",
                                              "password": "kurz"}).get_data(as_text=True)
    assert "Das Passwort braucht mindestens 8 Zeichen (höchstens 200)." in html
