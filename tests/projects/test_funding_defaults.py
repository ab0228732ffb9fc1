"""The managers' table of default funding rates per programme and project type."""
from decimal import Decimal

import pytest

from crm.core.audit import AuditLog
from crm.extensions import db
from crm.projects.models import FundingDefault


def rows():
    return db.session.scalars(db.select(FundingDefault).order_by(FundingDefault.id)).all()


def test_only_managers_see_and_change_the_defaults(client, login, make_default):
    row = make_default("leader", "Kommune", "60")
    login("staff")
    assert client.get("/projekte/foerdersaetze").status_code == 403
    assert client.post("/projekte/foerdersaetze", data={"programme": "leader", "rate": "10"}).status_code == 403
    assert client.post(f"/projekte/foerdersaetze/{row.id}", data={f"d{row.id}-rate": "10"}).status_code == 403
    assert client.post(f"/projekte/foerdersaetze/{row.id}/loeschen").status_code == 403
    assert "/projekte/foerdersaetze" not in client.get("/projekte").get_data(as_text=True)
    assert rows()[0].rate == Decimal("60")


def test_manager_adds_edits_and_removes_a_default(client, login):
    login("manager")
    assert "/projekte/foerdersaetze" in client.get("/projekte").get_data(as_text=True)
    response = client.post("/projekte/foerdersaetze", data={"programme": "leader", "project_type": " Kommune ",
                                                            "rate": "60", "max_amount": "200.000"})
    assert response.status_code == 302
    row = rows()[0]
    assert (row.programme, row.project_type, row.rate, row.max_amount) == ("leader", "Kommune", Decimal("60"),
                                                                          Decimal("200000"))
    html = client.get("/projekte/foerdersaetze").get_data(as_text=True)
    assert "Kommune" in html and 'value="60"' in html and 'value="200.000,00"' in html

    response = client.post(f"/projekte/foerdersaetze/{row.id}", data={f"d{row.id}-rate": "62,5",
                                                                      f"d{row.id}-max_amount": ""})
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.rate == Decimal("62.5") and row.max_amount is None
    change = db.session.scalar(db.select(AuditLog).where(AuditLog.entity_type == "funding_default",
                                                         AuditLog.action == "update"))
    assert change.changes["rate"] == ["60.00", "62.50"]

    client.post(f"/projekte/foerdersaetze/{row.id}/loeschen")
    assert rows() == []


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"programme": "leader", "rate": "101"}, "rate", "between 0 and 100"),
        ({"programme": "leader", "rate": ""}, "rate", "enter the rate"),
        ({"programme": "leader", "rate": "viel"}, "rate", "percentage"),
        ({"programme": "leader", "rate": "60", "max_amount": "-1"}, "max_amount", "negative"),
        ({"programme": "erfunden", "rate": "60"}, "programme", "choice"),
        ({"programme": "leader", "project_type": "kommune", "rate": "50"}, "project_type", "already"),
    ],
)
def test_bad_defaults_are_refused_next_to_the_field(client, login, make_default, data, field, message):
    make_default("leader", "Kommune", "60")
    login("manager")
    response = client.post("/projekte/foerdersaetze", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = html.split('class="card card-body shadow-sm col-lg-10 add-default"')[1]
    feedback = form.split(f'id="{field}"')[1].split('<div class="mb-3')[0]
    assert message in feedback
    assert len(rows()) == 1 and rows()[0].rate == Decimal("60")


def test_bad_edit_shows_the_message_in_its_row(client, login, make_default):
    row = make_default("leader", "", "50")
    other = make_default("ile_regionalbudget", "", "80")
    login("manager")
    response = client.post(f"/projekte/foerdersaetze/{row.id}", data={f"d{row.id}-rate": "200"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    own_row = html.split(f'id="default-{row.id}"')[1].split("</tr>")[0]
    assert "between 0 and 100" in own_row and 'value="200"' in own_row
    assert "invalid-feedback" not in html.split(f'id="default-{other.id}"')[1].split("</tr>")[0]
    db.session.refresh(row)
    assert row.rate == Decimal("50")


def test_changing_a_default_leaves_existing_projects_alone(client, login, make_default, make_project):
    row = make_default("leader", "", "60")
    project = make_project(programme="leader", eligible_cost=Decimal("1000"), funding_rate=Decimal("60"),
                           funding_amount=Decimal("600"))
    login("manager")
    client.post(f"/projekte/foerdersaetze/{row.id}", data={f"d{row.id}-rate": "40"})
    client.post(f"/projekte/foerdersaetze/{row.id}/loeschen")
    db.session.refresh(project)
    assert project.funding_rate == Decimal("60") and project.funding_amount == Decimal("600")


def test_project_form_lists_the_defaults_and_their_types(client, login, make_default):
    make_default("leader", "Kommune", "60", max_amount="200000")
    make_default("leader", "Verein", "60")
    make_default("ile_regionalbudget", "", "80", max_amount="10000")
    login("staff")
    html = client.get("/projekte/neu").get_data(as_text=True)
    select = html.split('id="project_type"')[1].split("</select>")[0]
    assert 'value="Kommune"' in select and 'value="Verein"' in select
    table = html.split('class="table table-sm small mb-0 funding-defaults"')[1].split("</table>")[0]
    assert "ILE Regionalbudget" in table and "80\u00a0%" in table and "10.000\u00a0€" in table
