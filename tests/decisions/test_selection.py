"""Project selection: criteria, score sheets, totals and the pass/fail boundaries, refusals, ranking,
and the pages a regional manager uses."""
import io

import pytest

from crm.core.errors import DomainError
from crm.decisions import selection
from crm.decisions.selection_models import Score, ScoreSheet
from crm.extensions import db
from tests.decisions.conftest import entries

# 12 criteria: 2+1+... hand-counted totals
SEVENTEEN = [2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1, 1]  # 17
EIGHTEEN = [2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]  # 18
TWENTY_NINE = [3, 3, 3, 3, 2, 3, 2, 3, 2, 2, 2, 1]  # 29
NO_INNOVATION = [3, 0, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0]  # 24, but "Innovation" 0


def test_hand_counted_totals():
    assert sum(SEVENTEEN) == 17 and sum(EIGHTEEN) == 18 and sum(TWENTY_NINE) == 29 and sum(NO_INNOVATION) == 24


def test_pure_evaluation_at_the_boundary(app):
    ratings = [selection.Rating(f"K{i}", p, 3, 1 if i < 2 else None) for i, p in enumerate(SEVENTEEN)]
    outcome = selection.evaluate(ratings, 18)
    assert (outcome.total, outcome.max_total, outcome.passed) == (17, 36, False)
    assert outcome.problems == ["Mindestpunktzahl 18 nicht erreicht (17 Punkte)"]
    ratings = [selection.Rating(f"K{i}", p, 3, 1 if i < 2 else None) for i, p in enumerate(EIGHTEEN)]
    assert selection.evaluate(ratings, 18).passed
    assert selection.evaluate(ratings, None).passed


def test_seventeen_fails_eighteen_passes(selection_lag, make_project):
    lag = selection_lag
    low, boundary = make_project("Dorfladen Kleinwallstadt"), make_project("Kulturscheune Eschau")
    sheet = selection.score_project(low, lag.body, entries(lag.criteria, SEVENTEEN), meeting_id=lag.meeting.id)
    assert (sheet.total, sheet.passed) == (17, False)
    assert selection.outcome_of(sheet).problems == ["Mindestpunktzahl 18 nicht erreicht (17 Punkte)"]
    sheet = selection.score_project(boundary, lag.body, entries(lag.criteria, EIGHTEEN))
    assert (sheet.total, sheet.passed) == (18, True)
    assert selection.outcome_of(sheet).problems == []


def test_criterion_minimum_fails_despite_total(selection_lag, make_project):
    lag = selection_lag
    sheet = selection.score_project(make_project(), lag.body, entries(lag.criteria, NO_INNOVATION))
    assert (sheet.total, sheet.passed) == (24, False)
    assert selection.outcome_of(sheet).problems == ["Kriterium „Innovation“: mindestens 1 Punkt nötig (0)"]


def test_both_problems_named(selection_lag, make_project):
    lag = selection_lag
    points = [0, 0, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0]  # 15
    sheet = selection.score_project(make_project(), lag.body, entries(lag.criteria, points))
    assert selection.outcome_of(sheet).problems == [
        "Mindestpunktzahl 18 nicht erreicht (15 Punkte)",
        "Kriterium „Beitrag zu den Entwicklungszielen der LES“: mindestens 1 Punkt nötig (0)",
        "Kriterium „Innovation“: mindestens 1 Punkt nötig (0)",
    ]


@pytest.mark.parametrize("bad, message", [
    ("4", "Kriterium „Jugend“: Die Punktzahl muss zwischen 0 und 3 liegen (4 angegeben)."),
    ("-1", "Kriterium „Jugend“: Die Punktzahl muss zwischen 0 und 3 liegen (-1 angegeben)."),
    ("1,5", "Kriterium „Jugend“: Bitte geben Sie ganze Punkte an."),
    ("", "Kriterium „Jugend“: Bitte geben Sie die Punkte an."),
])
def test_out_of_range_refused_nothing_stored(selection_lag, make_project, bad, message):
    lag = selection_lag
    project = make_project()
    values = entries(lag.criteria, EIGHTEEN)
    values[lag.criteria[10].id] = (bad, "passt")
    with pytest.raises(DomainError) as error:
        selection.score_project(project, lag.body, values)
    assert error.value.message == message
    assert error.value.field == f"points-{lag.criteria[10].id}"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(ScoreSheet.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Score.id))) == 0


def test_missing_reason_refused(selection_lag, make_project):
    lag = selection_lag
    values = entries(lag.criteria, EIGHTEEN)
    values[lag.criteria[1].id] = ("1", "   ")
    with pytest.raises(DomainError, match="Kriterium „Innovation“: Bitte geben Sie eine kurze Begründung an."):
        selection.score_project(make_project(), lag.body, values)


def test_rescoring_updates_the_one_sheet(selection_lag, make_project):
    lag = selection_lag
    project = make_project()
    first = selection.score_project(project, lag.body, entries(lag.criteria, SEVENTEEN))
    db.session.commit()
    second = selection.score_project(project, lag.body, entries(lag.criteria, EIGHTEEN, "nachgebessert"))
    db.session.commit()
    assert first.id == second.id and second.total == 18 and second.passed
    assert {s.reason for s in second.scores} == {"nachgebessert"} and len(second.scores) == 12


def test_criteria_range_checks(selection_lag):
    lag = selection_lag
    with pytest.raises(DomainError, match="zwischen 0 und dem Höchstwert"):
        selection.save_criterion(None, lag.body, {"title": "Zu streng", "max_points": "3", "min_points": "4"})
    with pytest.raises(DomainError, match="zwischen 0 und 36 Punkten"):
        selection.save_min_total(lag.body, "37")


def test_move_and_archive(selection_lag):
    lag = selection_lag
    jugend = lag.criteria[10]
    selection.move_criterion(jugend, "up")
    titles = [c.title for c in selection.criteria_of(lag.body)]
    assert titles[9:11] == ["Jugend", "Baukultur und Ortsbild"]
    selection.set_archived(jugend, True)
    assert len(selection.criteria_of(lag.body)) == 11
    assert [c.position for c in selection.criteria_of(lag.body)][:3] == [1, 2, 3]


def test_ranking_passed_first_then_by_total(selection_lag, make_project):
    lag = selection_lag
    scored = {
        "Dorfladen Kleinwallstadt": SEVENTEEN,  # 17, fails
        "Kulturscheune Eschau": TWENTY_NINE,  # 29
        "Mehrgenerationenplatz Sulzbach": NO_INNOVATION,  # 24 but fails on "Innovation"
        "Radweg am Main": EIGHTEEN,  # 18
    }
    for title, points in scored.items():
        selection.score_project(make_project(title), lag.body, entries(lag.criteria, points),
                                meeting_id=lag.meeting.id)
    selection.score_project(make_project("Anderes Gremium, andere Sitzung"), lag.body,
                            entries(lag.criteria, TWENTY_NINE))
    db.session.commit()
    rows = selection.ranking(lag.meeting)
    assert [(r.rank, r.sheet.project.title, r.sheet.total, r.outcome.passed) for r in rows] == [
        (1, "Kulturscheune Eschau", 29, True),
        (2, "Radweg am Main", 18, True),
        (3, "Mehrgenerationenplatz Sulzbach", 24, False),
        (4, "Dorfladen Kleinwallstadt", 17, False),
    ]


# ------------------------------------------------------------------ pages


def _form(criteria, points, reason="laut Skizze", **extra):
    data = {f"points-{c.id}": str(p) for c, p in zip(criteria, points)}
    data |= {f"reason-{c.id}": reason for c in criteria}
    return data | extra


def test_score_page_saves_and_shows_the_result(client, login, selection_lag, make_project):
    lag = selection_lag
    project = make_project()
    login("staff")
    page = client.get(f"/projekte/{project.id}/bewertung").get_data(as_text=True)
    assert "Bürgerbeteiligung" in page and "LAG Main-Spessart Entscheidungsgremium" in page
    response = client.post(f"/projekte/{project.id}/bewertung/speichern",
                           data=_form(lag.criteria, SEVENTEEN, body_id=lag.body.id, meeting_id=lag.meeting.id))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "17 von 36 Punkten" in page
    assert "Mindestpunktzahl 18 nicht erreicht (17 Punkte)" in page
    ranking = client.get(f"/termine/{lag.meeting.id}/projektranking").get_data(as_text=True)
    assert "Dorfladen Kleinwallstadt" in ranking and "17 / 36" in ranking


def test_score_page_refuses_out_of_range_and_keeps_input(client, login, selection_lag, make_project):
    lag = selection_lag
    project = make_project()
    login("staff")
    points = list(EIGHTEEN)
    points[10] = 5
    response = client.post(f"/projekte/{project.id}/bewertung/speichern",
                           data=_form(lag.criteria, points, reason="Jugendraum geplant", body_id=lag.body.id))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kriterium „Jugend“: Die Punktzahl muss zwischen 0 und 3 liegen (5 angegeben)." in page
    assert "Es wurde nichts gespeichert." in page
    assert 'value="Jugendraum geplant"' in page
    jugend = lag.criteria[10].id
    assert f'form-control form-control-sm is-invalid" type="number" inputmode="numeric" min="0" max="3" step="1"\n' \
           f'                 name="points-{jugend}"' in page
    assert db.session.scalar(db.select(db.func.count(ScoreSheet.id))) == 0


def test_viewer_reads_but_cannot_save(client, login, selection_lag, make_project):
    lag = selection_lag
    project = make_project()
    login("viewer")
    assert client.get(f"/projekte/{project.id}/bewertung").status_code == 200
    assert client.get(f"/gremien/{lag.body.id}/auswahlkriterien").status_code == 200
    response = client.post(f"/projekte/{project.id}/bewertung/speichern", data=_form(lag.criteria, EIGHTEEN,
                                                                          body_id=lag.body.id))
    assert response.status_code == 403


def test_criteria_page_add_and_minimum_total(client, login, selection_lag):
    lag = selection_lag
    login("staff")
    response = client.post(f"/gremien/{lag.body.id}/auswahlkriterien/neu",
                           data={"title": "Digitalisierung", "max_points": "3", "min_points": ""})
    assert response.status_code == 302
    page = client.get(f"/gremien/{lag.body.id}/auswahlkriterien").get_data(as_text=True)
    assert "Digitalisierung" in page and "13 Kriterien, höchstens 39 Punkte" in page
    response = client.post(f"/gremien/{lag.body.id}/auswahlkriterien/mindestpunktzahl", data={"min_total": "50"})
    assert response.status_code == 200
    assert "zwischen 0 und 39 Punkten" in response.get_data(as_text=True)
    assert selection.min_total_of(lag.body) == 18


def test_statement_docx(client, login, selection_lag, make_project):
    from docx import Document

    lag = selection_lag
    project = make_project(sponsor_organisation_id=lag.sponsor.id)
    selection.score_project(project, lag.body, entries(lag.criteria, EIGHTEEN, "Ort & Umfeld <passen>"),
                            meeting_id=lag.meeting.id)
    db.session.commit()
    login("staff")
    response = client.get(f"/projekte/{project.id}/stellungnahme.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('Stellungnahme-Dorfladen-Kleinwallstadt.docx"')
    doc = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in doc.paragraphs)
    rows = doc.tables[0].rows
    assert "Projektträger: Müller & Söhne <GmbH>" in text
    assert "Gesamtpunktzahl: 18 von 36 (Mindestpunktzahl 18)" in text
    assert "Beschluss: noch nicht gefasst" in text
    assert "Sitzung: 12. Sitzung des Entscheidungsgremiums, 18. März 2027" in text
    assert [c.text for c in rows[0].cells] == ["Nr.", "Kriterium", "Punkte", "Mindestens", "Begründung"]
    assert len(rows) == 13
    assert [c.text for c in rows[2].cells] == ["2.", "Innovation", "1 / 3", "1", "Ort & Umfeld <passen>"]

    # once the LAG has decided, the statement carries the decision with its check in words
    from crm.decisions.models import Decision
    from crm.meetings.models import AgendaItem

    item = AgendaItem(meeting_id=lag.meeting.id, position=1, title="Projektauswahl: Dorfladen", needs_vote=True)
    db.session.add(item)
    db.session.flush()
    db.session.add(Decision(agenda_item_id=item.id, project_id=project.id, votes_yes=9, votes_no=2, votes_abstain=1,
                            result="passed", check_result={"reasons": ["Beschlussfähig: 12 von 20 (60 %)."]}))
    db.session.commit()
    doc = Document(io.BytesIO(client.get(f"/projekte/{project.id}/stellungnahme.docx").data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "angenommen, 9 Ja, 2 Nein, 1 Enthaltungen" in text and "Beschlussfähig: 12 von 20 (60 %)." in text


def test_body_page_links_the_criteria(client, login, selection_lag):
    login("viewer")
    page = client.get(f"/gremien/{selection_lag.body.id}").get_data(as_text=True)
    assert "Projektauswahl" in page and "12 Kriterien, höchstens 36 Punkte" in page
    assert f"/gremien/{selection_lag.body.id}/auswahlkriterien" in page


def test_demo_leaves_existing_criteria_alone(selection_lag):
    from crm.decisions import selection_demo

    assert selection_demo.generate_selection() == {}
    assert len(selection.criteria_of(selection_lag.body)) == 12


def test_second_scorer_with_an_old_form_is_refused(client, login, selection_lag, make_project):
    lag = selection_lag
    project = make_project()
    sheet = selection.score_project(project, lag.body, entries(lag.criteria, EIGHTEEN))
    db.session.commit()
    seen = sheet.version
    selection.score_project(project, lag.body, entries(lag.criteria, TWENTY_NINE, "zweite Lesung"))
    db.session.commit()
    login("staff")
    response = client.post(f"/projekte/{project.id}/bewertung/speichern",
                           data=_form(lag.criteria, SEVENTEEN, body_id=lag.body.id, version=seen))
    assert response.status_code == 200
    assert "Dieser Datensatz wurde inzwischen geändert" in response.get_data(as_text=True)
    db.session.expire_all()
    assert selection.sheet_of(project, lag.body).total == 29


def test_agenda_item_sets_the_meeting_and_must_belong_to_the_body(selection_lag, make_project):
    from crm.meetings import services as meetings
    from crm.meetings.models import AgendaItem

    lag = selection_lag
    other = meetings.save_meeting(None, {"title": "Netzwerktreffen", "kind": "network"})
    item = AgendaItem(meeting=lag.meeting, position=2, title="Projektauswahl: Dorfladen Kleinwallstadt",
                      needs_vote=True)
    foreign = AgendaItem(meeting=other, position=1, title="Austausch", needs_vote=True)
    db.session.add_all([item, foreign])
    db.session.commit()
    assert selection.agenda_items_of(lag.body) == [item]
    project = make_project()
    with pytest.raises(DomainError, match="Der Tagesordnungspunkt gehört nicht zu diesem Termin."):
        selection.score_project(project, lag.body, entries(lag.criteria, EIGHTEEN), agenda_item_id=str(foreign.id))
    sheet = selection.score_project(project, lag.body, entries(lag.criteria, EIGHTEEN), agenda_item_id=str(item.id))
    assert (sheet.meeting_id, sheet.agenda_item_id) == (lag.meeting.id, item.id)


def test_ranking_page_queries_do_not_grow_with_the_projects(client, login, count_queries, selection_lag,
                                                            make_project, make_org):
    lag = selection_lag
    login("viewer")

    def score(n):
        for i in range(n):
            sponsor = make_org(f"Gemeinde {i}", kind="municipality", sector="public")
            selection.score_project(make_project(f"Projekt {i:02d}", sponsor_organisation_id=sponsor.id), lag.body,
                                    entries(lag.criteria, TWENTY_NINE if i % 2 else SEVENTEEN),
                                    meeting_id=lag.meeting.id)
        db.session.commit()

    score(3)
    few = count_queries(f"/termine/{lag.meeting.id}/projektranking")
    score(12)
    assert count_queries(f"/termine/{lag.meeting.id}/projektranking") == few
