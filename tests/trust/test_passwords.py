"""Password policy: minimum length and the list of common passwords, on every way a password is set."""
import pytest

from crm.auth.passwords import common_passwords, password_problem
from crm.auth.services import find_user
from crm.extensions import db
from tests.conftest import PASSWORD


def test_the_shipped_list_is_the_real_one():
    words = common_passwords()
    assert len(words) == 19640
    assert {"123456", "password", "passwort", "hallo123", "schalke04"} <= words


@pytest.mark.parametrize("password", ["Passwort1", "hallo123", "QWERTZ123", "password1", "schalke04"])
def test_common_passwords_are_refused_whatever_the_case(app, password):
    with app.test_request_context():
        assert "häufigsten Passwörtern" in password_problem(password)


def test_length_user_name_and_monotony(app):
    with app.test_request_context():
        assert password_problem("kurz") == "Das Passwort braucht mindestens 8 Zeichen (höchstens 200)."
        assert password_problem("x" * 201).startswith("Das Passwort braucht")
        assert password_problem("anna.huber", "Anna.Huber") == "Das Passwort darf nicht der Benutzername sein."
        assert "zu wenigen verschiedenen Zeichen" in password_problem("abababababab")
        assert password_problem(PASSWORD) is None
        assert password_problem("Wiesengrund-Brücke 7") is None


def test_length_follows_the_configuration(app):
    app.config["PASSWORD_MIN_LENGTH"] = 12
    try:
        with app.test_request_context():
            assert "mindestens 12 Zeichen" in password_problem("lang-genug1")
    finally:
        app.config["PASSWORD_MIN_LENGTH"] = 8


def test_admin_cannot_give_a_common_password(client, login):
    login("admin")
    html = client.post("/benutzer/neu", data={"username": "neuling", "role": "viewer", "locale": "de", "active": "y",
                                              "password": "passwort1"}).get_data(as_text=True)
    assert "Dieses Passwort gehört zu den häufigsten Passwörtern" in html
    assert find_user("neuling") is None


def test_admin_edit_refuses_a_common_password_and_keeps_the_old_one(client, login, make_user):
    login("admin")
    user = make_user("staff", username="berta")
    old_hash = user.password_hash
    html = client.post(f"/benutzer/{user.id}/bearbeiten", data={
        "username": "berta", "role": "staff", "locale": "de", "active": "y", "password": "football1"}
    ).get_data(as_text=True)
    assert "häufigsten Passwörtern" in html
    db.session.expire_all()
    assert find_user("berta").password_hash == old_hash


def test_own_password_change_checks_the_policy(client, login):
    user = login("staff")
    old_hash = user.password_hash
    html = client.post("/konto/passwort", data={"current": PASSWORD, "password": "iloveyou1",
                                                "confirm": "iloveyou1"}).get_data(as_text=True)
    assert "häufigsten Passwörtern" in html
    db.session.expire_all()
    assert find_user(user.username).password_hash == old_hash
    response = client.post("/konto/passwort", data={"current": PASSWORD, "password": "Streuobst am Hang 12",
                                                    "confirm": "Streuobst am Hang 12"})
    assert response.status_code == 302
    db.session.expire_all()
    assert find_user(user.username).check_password("Streuobst am Hang 12")


def test_cli_refuses_common_and_short_passwords(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "create-user", "kai", "--password", "passwort"])
    assert result.exit_code != 0 and "häufigsten Passwörtern" in result.output
    result = runner.invoke(args=["crm", "create-user", "kai", "--password", "kurz"])
    assert result.exit_code != 0 and "mindestens 8 Zeichen" in result.output
    assert find_user("kai") is None
    result = runner.invoke(args=["crm", "create-user", "kai", "--password", "Streuobst am Hang 12"])
    assert result.exit_code == 0, result.output
    assert find_user("kai").check_password("Streuobst am Hang 12")
