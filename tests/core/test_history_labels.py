"""History and merge screens speak German: no table or field names, no ISO dates, no English decimals.

The history of every audited table is rendered with a value of the right type for each audited
column (dates, timestamps, amounts, flags, stored keys); the merge screen and merge log with the
references of a real merge.
"""
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask import render_template_string
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric

import crm.auth.models  # noqa: F401  (every part's tables, for the parametrisation below)
import crm.contacts.models  # noqa: F401
import crm.duplicates.models  # noqa: F401
import crm.imports.models  # noqa: F401
import crm.interactions.models  # noqa: F401
import crm.network.models  # noqa: F401
import crm.projects.models  # noqa: F401
from crm.core.audit import Audited, AuditLog
from crm.core.labels import audit_value, entity_label, field_label
from crm.core.registry import current_registry
from crm.extensions import db

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ENGLISH_DECIMAL = re.compile(r"(?<![\d.,])\d+\.\d{1,2}(?![\d.,])")


def _audited_models():
    return sorted((m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, Audited)),
                  key=lambda c: c.__tablename__)


def _audited_keys(model):
    mapper = db.inspect(model)
    exclude = model.__audit_exclude__ | {"version"}  # the row version is not audited
    columns = [a for a in mapper.column_attrs if a.key not in exclude and a.key != "id"]
    lists = [r.key for r in mapper.relationships
             if r.uselist and r.secondary is not None and r.key not in exclude and not r.viewonly]
    return columns, lists


def _sample(table: str, attr) -> object:
    """A value as the audit log stores it for this column (see crm.core.audit.plain_value)."""
    value_labels = current_registry().value_labels
    mapping = value_labels.get(f"{table}.{attr.key}") or value_labels.get(attr.key)
    if mapping:
        return next(iter(mapping))
    column_type = attr.columns[0].type
    if isinstance(column_type, DateTime):
        return "2026-12-02T08:30:00+00:00"
    if isinstance(column_type, Date):
        return "2026-12-02"
    if isinstance(column_type, Boolean):
        return True
    if isinstance(column_type, Numeric):
        return "12500.50"
    if isinstance(column_type, Integer):
        return 40
    return "Beispieltext"


@pytest.mark.parametrize("model", _audited_models(), ids=lambda m: m.__tablename__)
def test_history_of_every_audited_table_reads_german(app, model):
    table = model.__tablename__
    columns, lists = _audited_keys(model)
    created = {c.key: [None, _sample(table, c)] for c in columns}
    created.update({key: [None, ["Erstes", "Zweites"]] for key in lists})
    changed = {c.key: [_sample(table, c), _sample(table, c)] for c in columns}
    at = datetime(2026, 12, 2, 8, 30, tzinfo=timezone.utc)
    rows = [AuditLog(id=2, at=at, user_name="Sabine Keller", action="update", entity_type=table, entity_id=1,
                     label="Datensatz", changes=changed),
            AuditLog(id=1, at=at, user_name="Sabine Keller", action="create", entity_type=table, entity_id=1,
                     label="Datensatz", changes=created)]
    # a second record type on the page shows the record type in the "What" column as well
    rows.append(AuditLog(id=0, at=at, user_name="System", action="create", entity_type="person", entity_id=1,
                         label="Anna Huber", changes={}))
    with app.test_request_context("/"):
        html = render_template_string('{% include "core/_history_table.html" %}', rows=rows)

    assert entity_label(table) != table, f"no label for the record type {table}"
    for key in [c.key for c in columns] + lists:
        assert field_label(key, table) != key, f"no label for {table}.{key}"
        assert f"<dt>{key}</dt>" not in html
    assert not ISO_DATE.search(html), ISO_DATE.findall(html)
    assert not ENGLISH_DECIMAL.search(html), ENGLISH_DECIMAL.findall(html)
    assert "02.12.2026" in html
    if table != "person":
        assert f"{entity_label(table)}: Datensatz" in html  # several record types: each row names its own
    if any(isinstance(c.columns[0].type, Numeric) for c in columns):
        assert "12.500,50" in html


@pytest.mark.parametrize(
    "value, key, entity, expected",
    [
        ("12500.50", "total_cost", "project", "12.500,50"),
        (12500, "total_cost", "project", "12.500,00"),  # a whole amount stored as a number
        ("40.00", "funding_rate", "project", "40,00"),
        ("50.00", "quorum_share", "body", "50,00"),
        (Decimal("12500.5"), "eligible_cost", "project", "12.500,50"),
        (date(2026, 12, 2), "data_collected_on", "person", "02.12.2026"),  # date objects (merge screen)
        ("2026-12-02", "data_collected_on", "person", "02.12.2026"),
        ("63820", "postcode", "organisation", "63820"),  # numbers that are no amounts stay as they are
        (2023, "position", "body", "2023"),
        (True, "voting", "seat", "ja"),
    ],
)
def test_audit_values_are_german(app, value, key, entity, expected):
    with app.test_request_context("/"):
        assert audit_value(value, key, entity) == expected


def test_project_history_shows_amounts_and_rates_in_german(client, login, app):
    from crm.projects import services
    from crm.projects.models import Project

    login("staff")
    project = services.save_project(None, {"title": "Dorfladen Kleinwallstadt", "status": "idea", "programme": "leader",
                                           "total_cost": Decimal("12500.50"), "funding_rate": Decimal("40")})
    db.session.commit()
    services.save_project(project, {"title": "Dorfladen Kleinwallstadt", "status": "idea", "programme": "leader",
                                    "total_cost": Decimal("12500"), "funding_rate": Decimal("45")})
    db.session.commit()
    html = client.get(f"/projekte/{db.session.scalar(db.select(Project.id))}/verlauf").get_data(as_text=True)
    history = html.split("<main", 1)[1]
    assert "12.500,50" in history and "12.500,00" in history and "45,00" in history
    assert not ENGLISH_DECIMAL.search(history), ENGLISH_DECIMAL.findall(history)


def test_merge_screen_and_log_name_the_links_in_german(client, login, make_person, make_org, session):
    from sqlalchemy import select

    from crm.contacts.models import Affiliation
    from crm.duplicates.models import DuplicatePair  # noqa: F401  (the merge needs the duplicates part)
    from crm.interactions.models import Interaction

    login("staff")
    org = make_org("Markt Mömlingen")
    a = make_person("Schmidt", "Anna", data_collected_on=date(2026, 12, 2))
    b = make_person("Schmitt", "Anna", organisation=org, data_collected_on=date(2025, 3, 1))
    session.add(Interaction(subject="Gespräch", kind="talk", persons=[b],
                            occurred_at=datetime(2026, 5, 4, 10, tzinfo=timezone.utc)))
    session.commit()
    screen = client.get(f"/duplikate/zusammenfuehren/person/{a.id}/{b.id}").get_data(as_text=True)
    main = screen.split("<main", 1)[1]
    assert "Personen einer Interaktion" in main and "interaction_person" not in main
    assert "person_field" not in main and "02.12.2026" in main and "2026-12-02" not in main
    client.post(f"/duplikate/zusammenfuehren/person/{a.id}/{b.id}", data={"keep": a.id, "merge": "1"})
    assert session.scalar(select(Affiliation.person_id)) == a.id
    log = client.get("/duplikate/protokoll").get_data(as_text=True).split("<main", 1)[1]
    assert "Personen einer Interaktion (Person): 1" in log and "Funktion (Person): 1" in log
    assert "person_id" not in log and "interaction_person" not in log and "affiliation." not in log
