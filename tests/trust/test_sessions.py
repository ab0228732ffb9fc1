"""An administrator ends every session of a user; a password change does the same."""
from crm.auth.services import find_user
from crm.core.audit import AuditLog
from crm.extensions import db
from tests.conftest import PASSWORD


def _logged_in_client(app, user, remember=False):
    other = app.test_client()
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert other.post("/anmelden", data=data).status_code == 302
    assert other.get("/").status_code == 200
    return other


def test_admin_ends_all_sessions_of_a_user(app, client, login, make_user):
    login("admin")
    berta = make_user("staff", username="berta")
    laptop = _logged_in_client(app, berta)
    phone = _logged_in_client(app, berta, remember=True)
    html = client.get(f"/benutzer/{berta.id}/bearbeiten").get_data(as_text=True)
    assert "Alle Sitzungen beenden" in html
    response = client.post(f"/benutzer/{berta.id}/sitzungen-beenden", follow_redirects=True)
    assert "Alle Sitzungen von „berta“ wurden beendet" in response.get_data(as_text=True)
    for device in (laptop, phone):
        answer = device.get("/")
        assert answer.status_code == 302 and "/anmelden" in answer.headers["Location"]
    row = db.session.scalars(db.select(AuditLog).where(AuditLog.entity_type == "user", AuditLog.entity_id == berta.id,
                                                       AuditLog.action == "end_sessions")).one()
    assert row.label == "berta"
    # the administrator's own session goes on
    assert client.get("/benutzer").status_code == 200
    # berta can log in again
    _logged_in_client(app, berta)


def test_admin_ending_own_sessions_stays_logged_in_here(app, client, login):
    admin = login("admin")
    elsewhere = _logged_in_client(app, admin)
    client.post(f"/benutzer/{admin.id}/sitzungen-beenden")
    assert client.get("/benutzer").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_end_sessions_needs_the_csrf_token(app, client, login, make_user):
    login("admin")
    berta = make_user("staff", username="berta")
    token = berta.session_token
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/benutzer/{berta.id}/sitzungen-beenden").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert find_user("berta").session_token == token


def test_a_new_password_ends_the_other_sessions(app, client, login, make_user):
    login("admin")
    berta = make_user("staff", username="berta")
    laptop = _logged_in_client(app, berta)
    client.post(f"/benutzer/{berta.id}/bearbeiten", data={
        "username": "berta", "role": "staff", "locale": "de", "active": "y", "password": "Streuobst am Hang 12"})
    assert laptop.get("/").status_code == 302


def test_others_may_not_end_sessions(client, login, make_user):
    berta = make_user("staff", username="berta")
    login("manager")
    assert client.post(f"/benutzer/{berta.id}/sitzungen-beenden").status_code == 403
