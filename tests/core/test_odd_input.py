"""Odd input at every route: huge ids, '²', 10^20, a giant page number. 404 or a message, never 500.

Found by a security probe (issue 9): each of these was a 500 somewhere.
"""
import pytest

from crm.core.converters import MAX_ID, parse_id, parse_ids, parse_int
from tests.core.test_routes_by_role import MODULES, ROUTES, _urls

ODD_VALUES = ["²", str(10**20), "9223372036854775807", "-1", "0", "1e3", "abc", ""]
# Every parameter name a list, filter, picker or form reads an id or a number from.
PARAM_NAMES = [
    "page", "tag", "field", "municipality", "person", "organisation", "project", "handlungsfeld",
    "ids", "target_group", "topic", "parent", "keep", "monate", "person_id", "organisation_id",
    "project_id", "body_id", "interest_group_id", "deputy_id", "represented_organisation_id",
    "fields_of_action", "target_groups", "persons", "organisations", "assigned_to_id", "user_id",
    "sponsor_id", "contact_id", "stichtag", "kind", "status", "sort", "archived", "a", "b",
    "person_ids", "organisation_ids", "parent_id", "municipality_id", "function_id", "aff_function_id",
    "saved_mapping", "followup_assignee", "assignee_id",
]


@pytest.fixture
def ids(request):
    values = {}
    for module in MODULES:
        if hasattr(module, "url_values"):
            values.update(module.url_values(request.getfixturevalue))
    return values


def _status(client, method, url, **kwargs):
    try:
        return client.open(url, method=method, **kwargs).status_code
    except Exception as error:  # TESTING propagates exceptions: that is the 500
        import traceback

        where = [f"{f.filename.split('/crm/')[-1]}:{f.lineno}" for f in traceback.extract_tb(error.__traceback__)
                 if "/crm/" in f.filename]
        return f"500 ({type(error).__name__}: {str(error)[:100]} at {where[-1:] or '?'})"


def test_huge_ids_in_the_url_are_404_everywhere(app, client, login, ids):
    login("admin")
    problems = []
    for rule in app.url_map.iter_rules():
        id_args = [a for a in rule.arguments if a.endswith("_id")]
        if rule.endpoint not in ROUTES or not id_args:
            continue
        for huge in (2**31, 2**63, 10**20):
            values = {arg: ids[arg] for arg in rule.arguments}
            values[id_args[0]] = huge
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **values)
            for method in ROUTES[rule.endpoint][1].split():
                status = _status(client, method, url, data={})
                if status != 404:
                    problems.append(f"{method} {url}: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("odd", ODD_VALUES)
def test_odd_query_and_form_values_never_give_a_500(app, client, login, ids, odd):
    login("admin")
    params = {name: odd for name in PARAM_NAMES}
    problems = []
    for endpoint, url in _urls(app, ids):
        for method in ROUTES[endpoint][1].split():
            form = dict(params, **{"action-²": "update", f"action-{odd}": "skip", "_method": "POST"})
            status = _status(client, method, url, query_string=params, data=form)
            if not isinstance(status, int) or status >= 500:
                problems.append(f"{method} {url} ({odd!r}): {status}")
    assert not problems, "\n".join(problems)


def test_the_method_override_parameter_is_ignored(client, login):
    login("admin")
    assert client.get("/personen?_method=POST").status_code == 200


def test_id_parsing():
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7
    for bad in ("²", "", None, "0", "-3", "1e3", str(10**20), str(MAX_ID + 1), "٣", True):
        assert parse_id(bad) is None, bad
    assert parse_ids(["3,4", "²", "4", str(10**20), "5"]) == [3, 4, 5]
    assert parse_int("9223372036854775807", 1, 1, 1000) == 1000 and parse_int("-99", 1, 1, 1000) == 1
    assert parse_int("²", 6) == 6 and parse_int("12", 6, 1, 24) == 12 and parse_int("99", 6, 1, 24) == 24


def test_a_task_for_a_person_id_of_10_to_the_20_gets_a_form_message(client, login):
    from crm.extensions import db
    from crm.interactions.models import Task

    login("staff")
    before = db.session.scalar(db.select(db.func.count(Task.id)))
    response = client.post("/aufgaben/neu", data={"title": "Rückruf", "person_id": str(10**20)})
    assert response.status_code == 200
    assert "Es wurde nichts gespeichert" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Task.id))) == before


def test_an_interaction_with_odd_person_ids_gets_a_form_message(client, login):
    login("staff")
    response = client.post("/interaktionen/neu", data={
        "occurred_at": "2026-12-01T10:00", "kind": "phone", "subject": "Telefonat",
        "person_ids": ["²", str(10**20)],
    })
    assert response.status_code == 200
    assert "mindestens eine Person" in response.get_data(as_text=True)


def test_a_giant_page_number_is_a_404(client, login):
    login("viewer")
    assert client.get("/personen?page=9223372036854775807").status_code == 404
    assert client.get("/personen?page=²").status_code == 200


def test_a_preview_action_for_row_superscript_two_is_ignored(client, login):
    import io

    from sqlalchemy import select

    from crm.extensions import db
    from crm.imports.models import ImportBatch

    login("staff")
    data = "Vorname;Nachname\r\nÄnne;Bäcker\r\n".encode("utf-8")
    client.post("/import", data={"file": (io.BytesIO(data), "liste.csv")}, content_type="multipart/form-data")
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    client.post(f"/import/{batch.id}/spalten", data={"col-0": "first_name", "col-1": "last_name"})
    assert db.session.get(ImportBatch, batch.id).status == "preview"
    for key in ("action-²", f"action-{10**20}", "action-"):
        response = client.post(f"/import/{batch.id}/vorschau", data={key: "skip"})
        assert response.status_code == 302, key
    row = batch.rows[0]
    for choice in ("update:²", f"update:{10**20}", "update:", "²"):
        response = client.post(f"/import/{batch.id}/vorschau", data={f"action-{row.id}": choice})
        assert response.status_code == 302, choice
