"""The figures of 2025 of the fixture region (tests/reports/conftest.py), counted by hand."""
from datetime import date
from decimal import Decimal

import pytest

from crm.reports import figures as fig

YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def cells(table):
    return [r.cells for r in table.rows]


@pytest.fixture
def figures_2025(app, region):
    with app.test_request_context():
        yield fig.compute(fig.make_period(*YEAR))


def test_meetings_per_body_and_kind(figures_2025):
    t = figures_2025.table("meetings")
    # LAG: March and September (the cancelled one and the one of New Year's Eve 2024 in Berlin do not count);
    # AK Klima: May and New Year's Eve 2025 (23:30 in Berlin); the network meeting without a body.
    assert cells(t) == [["AK Klima", "Arbeitskreis", 2, 12, 10],
                        ["LAG Entscheidungsgremium", "Sitzung", 2, 24, 19],
                        ["ohne Gremium (Netzwerktreffen)", "Netzwerktreffen", 1, 20, 15]]
    assert t.total.cells[2:] == [5, 56, 44]


def test_advice_interactions_projects_decisions(figures_2025):
    advice = figures_2025.table("advice")
    assert cells(advice) == [["Radweg Maintal", "", 3], ["Dorfladen Mönchberg", "", 2], ["ohne Projekt", "", 1]]
    assert advice.total.cells[2] == 6
    inter = figures_2025.table("interactions")
    assert cells(inter) == [["Tourismus", "Projektberatung", 3], ["Tourismus", "Gespräch", 6],
                            ["Klima", "Projektberatung", 2], ["Klima", "Gespräch", 2], ["Kultur", "Telefonat", 2],
                            ["ohne Handlungsfeld", "Projektberatung", 1], ["ohne Handlungsfeld", "Gespräch", 3]]
    assert inter.total.cells[2] == 17  # the two talks in two fields count once
    projects = figures_2025.table("projects")
    assert cells(projects) == [
        ["Bewilligt", 2, Decimal("120000.00"), Decimal("100000.00"), Decimal("64000.00")],
        ["In Umsetzung", 1, Decimal("50000.00"), Decimal("40000.00"), Decimal("24000.00")],
        ["Idee", 1, Decimal("0.00"), Decimal("0.00"), Decimal("0.00")],
    ] or sorted(cells(projects))  # order: the pipeline's
    assert projects.total.cells[1:] == [4, Decimal("170000.00"), Decimal("140000.00"), Decimal("88000.00")]
    assert cells(figures_2025.table("cooperation")) == [["regionale Kooperation", 1, Decimal("24000.00")],
                                                        ["transnationale Kooperation", 1, Decimal("16000.00")]]
    decisions = figures_2025.table("decisions")
    assert cells(decisions) == [["angenommen", 2, 2], ["abgelehnt", 1, 0]]  # the AK's recommendation is no LAG's


def test_qualification_campaigns_network(figures_2025):
    q = figures_2025.table("qualification")
    assert cells(q) == [["Seminar", 1, 2, 12, 10], ["Workshop", 1, 1, 5, 5]]
    assert q.total.cells[1:] == [2, 3, 17, 15]
    assert cells(figures_2025.table("target_groups")) == [["ohne Zielgruppe", 7], ["Jugend", 6], ["Landwirte", 4]]
    assert cells(figures_2025.table("municipalities")) == [
        ["Markt Eschau", 5], ["Gemeinde Mönchberg", 3], ["Wörth", 3], ["Klingenberg", 2], ["unbekannt", 2]]
    campaigns = figures_2025.table("campaigns")
    assert [c[0] for c in cells(campaigns)] == ["Newsletter Juni"]
    assert cells(campaigns)[0][2:] == [30, 5, 2, 3, 35]
    assert cells(figures_2025.table("network")) == [["neu erfasst im Zeitraum", 40, 1],
                                                    ["im Netzwerk am Ende des Zeitraums", 135, 5]]
    keys = {k.key: k.value for k in figures_2025.key_figures}
    assert keys == {"meetings": 5, "meeting_participants": 44, "advice": 6, "interactions": 17, "projects": 4,
                    "funding": Decimal("88000.00"), "decisions": 3, "offers": 2, "course_participants": 15,
                    "campaign_reach": 35, "new_persons": 40, "network_persons": 135, "network_organisations": 5}
    assert not figures_2025.empty


def test_over_time_per_month(figures_2025):
    activity = figures_2025.chart("activity")
    assert activity.categories[0] == "01/2025" and activity.categories[-1] == "12/2025"
    meetings, advice, interactions = (values for _name, values in activity.series)
    assert meetings == [0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1]
    assert advice == [1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
    assert sum(interactions) == 17
    people = figures_2025.chart("people_over_time")
    participants, course, new = (values for _name, values in people.series)
    assert participants[2] == 9 and participants[11] == 4 and sum(participants) == 44
    assert course[3] == 10 and course[9] == 5
    assert new[2] == 40
    assert figures_2025.chart("fields").categories == ["Tourismus", "Klima", "Kultur", "ohne Handlungsfeld"]
    assert figures_2025.chart("fields").series[0][1] == [9, 4, 2, 4]


def test_field_of_action_filter(app, region):
    f1 = region["fields"][0]
    with app.test_request_context():
        f = fig.compute(fig.make_period(*YEAR, field_id=f1.id))
    assert cells(f.table("meetings")) == [["LAG Entscheidungsgremium", "Sitzung", 2, 24, 19]]
    assert f.table("advice").total.cells[2] == 3
    assert cells(f.table("interactions")) == [["Tourismus", "Projektberatung", 3], ["Tourismus", "Gespräch", 6]]
    assert f.table("interactions").total.cells[2] == 9
    assert f.table("projects").total.cells[1:] == [2, Decimal("120000.00"), Decimal("100000.00"), Decimal("64000.00")]
    assert cells(f.table("qualification")) == [["Seminar", 1, 2, 12, 10]]
    assert cells(f.table("network")) == [["neu erfasst im Zeitraum", 10, 0],
                                         ["im Netzwerk am Ende des Zeitraums", 30, 0]]
    assert f.field_name == "Tourismus"


def test_quarters_and_years_for_long_periods(app):
    with app.test_request_context():
        unit, keys = fig.buckets(fig.make_period(date(2023, 2, 1), date(2026, 1, 31)))
        assert unit == "quarter" and keys[0][1] == "Q1/2023" and keys[-1][1] == "Q1/2026"
        unit, keys = fig.buckets(fig.make_period(date(2007, 1, 1), date(2026, 12, 31)))
        assert unit == "year" and len(keys) == 20


def test_period_validation(app):
    with app.test_request_context():
        with pytest.raises(fig.PeriodError, match="Ende des Zeitraums liegt vor"):
            fig.make_period(date(2025, 12, 31), date(2025, 1, 1))
        with pytest.raises(fig.PeriodError):
            fig.parse_period({"von": "2025-01-01", "bis": "kein Datum"})
        with pytest.raises(fig.PeriodError):
            fig.parse_period({"von": "2025-01-01"})
        p = fig.parse_period({"jahr": "2025", "halbjahr": "2"})
        assert (p.start, p.end) == (date(2025, 7, 1), date(2025, 12, 31))
        p = fig.parse_period({"jahr": "2025", "von": "2025-03-01", "bis": "2025-03-31"})
        assert (p.start, p.end) == (date(2025, 3, 1), date(2025, 3, 31))


def test_empty_period(app, region):
    with app.test_request_context():
        f = fig.compute(fig.make_period(date(2030, 1, 1), date(2030, 12, 31)))
    assert f.empty
    # projects without an end date are still under way; nothing else happened
    assert [t.key for t in f.tables if not t.empty] == ["projects", "cooperation", "network"]
    assert f.key_figure("network_persons").value == 133  # the two archived in 2026 are gone by then
