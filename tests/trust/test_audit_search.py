"""Administrators search the audit trail; every export of personal data is audited with filter and rows."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from crm.core.audit import AuditLog, audit_row
from crm.extensions import db


def _exports():
    return db.session.scalars(select(AuditLog).where(AuditLog.action == "export").order_by(AuditLog.id)).all()


def _seed_rows(admin, other):
    """140 rows: 70 person changes by the admin over 70 days, 60 organisation creations by another user,
    10 exports by the system."""
    base = datetime(2026, 10, 1, 10, 0, tzinfo=timezone.utc)
    rows = []
    for i in range(70):
        rows.append(audit_row("person", 1000 + i, "update", {"city": ["Amorbach", f"Ort {i}"]},
                              label=f"Person {i}", actor=(admin.id, admin.display_name), at=base + timedelta(days=i)))
    for i in range(60):
        rows.append(audit_row("organisation", 2000 + i, "create", {"name": [None, f"Verein {i}"]},
                              label=f"Verein {i}", actor=(other.id, other.display_name), at=base + timedelta(hours=i)))
    for i in range(10):
        rows.append(audit_row("person", 0, "export", {"format": [None, "csv"], "filter": [None, {"tag": "7"}],
                                                       "rows": [None, 140]},
                              actor=(None, "System"), at=base + timedelta(days=2, minutes=i)))
    db.session.execute(insert(AuditLog.__table__), rows)
    db.session.commit()


def test_admin_searches_by_user_period_type_and_action_with_paging(client, login, make_user):
    admin = login("admin")
    other = make_user("staff", username="otto", full_name="Otto Ortner")
    _seed_rows(admin, other)
    html = client.get("/aenderungen").get_data(as_text=True)
    assert "Änderungsverlauf" in html and "Seite 1 von" in html

    html = client.get(f"/aenderungen?benutzer={other.id}").get_data(as_text=True)
    assert "60 Einträge" in html and "Otto Ortner" in html and "Verein 59" in html

    html = client.get("/aenderungen?typ=person&aktion=update").get_data(as_text=True)
    assert "70 Einträge" in html and "Seite 1 von 2" in html
    page2 = client.get("/aenderungen?typ=person&aktion=update&page=2").get_data(as_text=True)
    assert "Person 0<" in page2 and "Person 69<" not in page2  # newest first

    # a period in German days: 10.10.–14.10.2026 holds five of the admin's changes (days 9..13)
    html = client.get(f"/aenderungen?benutzer={admin.id}&von=2026-10-10&bis=2026-10-14").get_data(as_text=True)
    assert "5 Einträge" in html and "10.10.2026" in html

    html = client.get("/aenderungen?benutzer=system&aktion=export").get_data(as_text=True)
    assert "10 Einträge" in html and "CSV · 140 Zeilen" in html and "tag = 7" in html

    html = client.get("/aenderungen?von=2026-10-14&bis=2026-10-10").get_data(as_text=True)
    assert "Das Ende des Zeitraums liegt vor seinem Beginn" in html

    # nonsense in the filters narrows nothing and breaks nothing
    html = client.get("/aenderungen?typ=%27;drop&aktion=<b>&von=gestern&benutzer=x&page=999999999999")
    assert html.status_code in (200, 404)


def test_only_admins_search(client, login):
    login("manager")
    assert client.get("/aenderungen").status_code == 403


def test_person_list_exports_are_audited_with_filter_and_rows(client, login, make_person, make_org):
    login("staff")
    org = make_org("Markt Amorbach", kind="municipality", sector="public")
    for i in range(24):
        make_person(f"Huber{i:02d}" if i < 14 else f"Maier{i:02d}", organisation=org)
    for fmt in ("csv", "xlsx", "vcf", "zip"):
        response = client.get(f"/export/personen.{fmt}?q=Huber&sort=name")
        assert response.status_code == 200
        response.get_data()
    rows = _exports()
    assert [r.changes["format"][1] for r in rows] == ["csv", "xlsx", "vcf", "zip"]
    assert all(r.entity_type == "person" and r.user_name for r in rows)
    assert rows[0].changes["filter"][1] == {"q": "Huber", "sort": "name"}
    assert {r.changes["rows"][1] for r in rows} == {14}
    assert len(response.get_data()) > 0


def test_ticked_persons_and_single_cards_are_audited(client, login, make_person, make_org):
    login("staff")
    org = make_org("Verein A")
    people = [make_person(f"Kunz{i}", organisation=org) for i in range(3)]
    ids = ",".join(str(p.id) for p in people[:2])
    client.get(f"/export/personen.csv?ids={ids}").get_data()
    client.get(f"/vcard/personen/{people[2].id}.vcf")
    client.get(f"/vcard/organisationen/{org.id}.vcf")
    client.get(f"/export/organisationen.csv?ids={org.id}").get_data()
    rows = _exports()
    assert [(r.entity_type, r.changes["rows"][1]) for r in rows] == [
        ("person", 2), ("person", 1), ("organisation", 1), ("organisation", 1)]
    assert rows[0].changes["filter"][1] == {"ids": 2}
    assert rows[1].entity_id == people[2].id and rows[1].label == "Erika Kunz2"


def test_interaction_export_is_audited(client, login):
    login("staff")
    client.get("/interaktionen?export=csv&kind=call").get_data()
    row = _exports()[-1]
    assert row.entity_type == "interaction" and row.changes["filter"][1] == {"kind": "call"}
    assert row.changes["rows"][1] == 0


def test_viewer_exports_are_refused_and_not_audited(client, login):
    login("viewer")
    assert client.get("/export/personen.csv").status_code == 403
    assert _exports() == []


def test_import_is_audited_as_an_import(client, login):
    from crm.core.labels import action_label

    login("admin")
    assert action_label("import") == "importiert"
    assert action_label("export") == "exportiert"
