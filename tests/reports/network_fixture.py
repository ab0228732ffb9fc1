"""A small region built by hand for the network picture's tests: who works with whom is known exactly."""
from dataclasses import dataclass
from datetime import date, datetime, timezone

from crm.extensions import db


@dataclass
class Region:
    ids: dict  # name -> (kind, id)

    def node(self, name: str) -> str:
        kind, record_id = self.ids[name]
        return {"person": "p", "organisation": "o", "body": "b", "project": "r"}[kind] + str(record_id)


def build_region(make_org, make_person, make_function) -> Region:
    """Gemeinde Astadt (AGS 09676111) with the Verein Astadt in it, a Firma and a second municipality;
    five persons, one body with seats, two projects (one archived), two interactions."""
    from crm.contacts.models import Affiliation, FieldOfAction
    from crm.interactions.models import Interaction
    from crm.network.models import Body, Seat
    from crm.projects.models import Project, ProjectContact

    culture = FieldOfAction(name="Kultur und Heimat", position=1)
    economy = FieldOfAction(name="Wirtschaft", position=2)
    db.session.add_all([culture, economy])
    astadt = make_org("Gemeinde Astadt", kind="municipality", sector="public", ags="09676111", short_name="Astadt")
    bedorf = make_org("Markt Bedorf", kind="municipality", sector="public", ags="09676114", short_name="Bedorf")
    verein = make_org("Heimatverein Astadt", municipality_id=astadt.id)
    firma = make_org("Holzbau Bedorf GmbH", kind="company", sector="economy", municipality_id=bedorf.id)
    chair = make_function()
    anna = make_person("Acker", "Anna", organisation=verein, function=chair)
    bert = make_person("Bauer", "Bert", gender="male", organisation=verein)
    db.session.add(Affiliation(person=bert, organisation=firma, valid_from=date(2021, 1, 1)))
    clara = make_person("Christ", "Clara", organisation=astadt)
    # a former employee: his function ended in 2022
    dieter = make_person("Dorn", "Dieter", gender="male", organisation=firma, valid_from=date(2019, 1, 1),
                         valid_to=date(2022, 6, 30))
    ernst = make_person("Eck", "Ernst", gender="male", organisation=verein)
    ernst.archived_at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    db.session.flush()

    body = Body(name="LAG-Entscheidungsgremium", kind="lag_decision", fields_of_action=[economy])
    db.session.add(body)
    db.session.add_all([
        Seat(body=body, person=anna, organisation=verein, valid_from=date(2023, 1, 1)),
        Seat(body=body, person=clara, organisation=astadt, valid_from=date(2023, 1, 1)),
        Seat(body=body, person=bert, valid_from=date(2020, 1, 1), valid_to=date(2022, 12, 31)),  # ended
    ])
    museum = Project(title="Dorfmuseum Astadt", sponsor_organisation=verein, sponsor_person=anna,
                     start_date=date(2024, 3, 1), end_date=date(2025, 12, 31), fields_of_action=[culture])
    old = Project(title="Alte Idee", sponsor_organisation=firma, archived_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    db.session.add_all([museum, old])
    db.session.add(ProjectContact(project=museum, person=bert, role="Kassier"))
    db.session.add_all([
        Interaction(subject="Vorgespräch Museum", kind="talk", persons=[anna, bert, clara], fields_of_action=[culture],
                    occurred_at=datetime(2024, 2, 1, 9, tzinfo=timezone.utc)),
        Interaction(subject="Nachfrage Förderung", kind="phone", persons=[anna, bert],
                    occurred_at=datetime(2025, 5, 1, 9, tzinfo=timezone.utc)),
    ])
    db.session.commit()
    return Region({
        "astadt": ("organisation", astadt.id), "bedorf": ("organisation", bedorf.id),
        "verein": ("organisation", verein.id), "firma": ("organisation", firma.id),
        "anna": ("person", anna.id), "bert": ("person", bert.id), "clara": ("person", clara.id),
        "dieter": ("person", dieter.id), "ernst": ("person", ernst.id), "body": ("body", body.id),
        "museum": ("project", museum.id), "old": ("project", old.id),
        "culture": ("field", culture.id), "economy": ("field", economy.id),
    })
