"""Each part declares itself in crm/<part>/__init__.py; core imports no part; nothing registers on import."""
import ast
import re
from pathlib import Path

from crm import create_app, part_packages

CRM = Path(__file__).resolve().parents[2] / "crm"


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_part():
    parts = {package.__name__ for package in part_packages()}
    offending = {}
    for path in sorted((CRM / "core").glob("*.py")):
        hits = {m for m in _imported_modules(path) if m == "crm" or any(m == p or m.startswith(p + ".") for p in parts)}
        if hits:
            offending[path.name] = sorted(hits)
    assert offending == {}


def test_no_part_imports_the_cli_module_to_hang_commands_on_it():
    users = [str(p.relative_to(CRM)) for p in CRM.rglob("*.py")
             if p != CRM / "__init__.py" and "crm.cli" in _imported_modules(p)]
    assert users == []


def test_every_domain_part_is_found():
    names = {package.__name__ for package in part_packages()}
    assert {"crm.auth", "crm.contacts", "crm.network", "crm.projects", "crm.interactions", "crm.imports",
            "crm.exports", "crm.duplicates", "crm.segments"} <= names
    assert "crm.core" not in names and "crm.interop" not in names


def test_person_page_cards_panels_and_labels_come_from_the_parts(app):
    registry = app.extensions["crm"]
    cards = [(s.template, s.context.__module__) for s in registry.detail_sections["person"]]
    assert cards == [
        ("network/_person_seats.html", "crm.network.views"),
        ("projects/_person_section.html", "crm.projects.views"),
        ("imports/_person_details.html", "crm.imports.views"),
        ("campaigns/_person_consents.html", "crm.campaigns.consent_views"),
        ("privacy/_person_requests.html", "crm.privacy.views"),
        ("qualification/_person_section.html", "crm.qualification.views"),
    ]
    assert [p.__module__ for p in registry.panels] == ["crm.contacts.dashboard"] * 2 + ["crm.interactions.dashboard"] * 3
    assert str(registry.entities["body"]) == "Gremium"
    assert {"create-user", "seed-demo", "reindex", "import", "send-task-digest"} <= set(app.cli.commands["crm"].commands)


def test_each_app_has_its_own_registry(app):
    second = create_app("testing")
    first_registry, second_registry = app.extensions["crm"], second.extensions["crm"]
    assert first_registry is not second_registry
    # incl. "Umlaufverfahren", "Kampagnen", "Änderungsverlauf", "Weiterbildung", "Datenschutz-Prüfliste",
    # "Monitoring", "Netzwerkbild"
    assert len(first_registry.nav_items) == len(second_registry.nav_items) == 20
    assert len(first_registry.detail_sections["person"]) == 6


def test_seed_demo_runs_the_demo_data_of_every_part(app):
    registry = app.extensions["crm"]
    assert [loader.load.__module__ for loader in registry.demo_loaders] == ["crm.network.demo", "crm.projects.demo",
                                                                            "crm.segments.demo", "crm.letters.demo",
                                                                            "crm.meetings.demo",
                                                                            "crm.decisions.selection_demo",
                                                                            "crm.campaigns.demo",
                                                                            "crm.campaigns.campaign_demo",
                                                                            "crm.qualification.demo",
                                                                            "crm.reports.demo",
                                                                            "crm.reports.municipality_map"]


def test_seed_demo_loads_the_bodies_and_projects_the_parts_declare(app, session):
    from sqlalchemy import func, select

    from crm.extensions import db
    from crm.network.models import Body
    from crm.projects.models import Project

    result = app.test_cli_runner().invoke(args=["crm", "seed-demo", "--persons", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Body)) > 0
    assert db.session.scalar(select(func.count()).select_from(Project)) > 0


def test_no_part_uses_the_private_audit_actor():
    """Audit rows go through core's public API (record_audit, audit_row, current_actor)."""
    users = [str(p.relative_to(CRM)) for p in CRM.rglob("*.py")
             if p != CRM / "core" / "audit.py" and re.search(r"\b_actor\b", p.read_text(encoding="utf-8"))]
    assert users == []
