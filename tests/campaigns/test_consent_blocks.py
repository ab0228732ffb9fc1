"""Who may get an e-mail or a letter for which purpose, on the 140-person region of conftest.py: every
person's reason checked against what the fixture made of them, in a few queries."""
import pytest

from crm.campaigns import consent
from crm.campaigns.models import Consent
from crm.contacts.models import Person
from crm.core.errors import DomainError
from crm.extensions import db
from crm.segments import facets
from tests.campaigns.conftest import SIZE


def expected_email(kind: str, purpose: str) -> str | None:
    if kind == "objection":
        return "Widerspruch gegen Kontaktaufnahme"
    if kind == "withdrawn" and purpose == "newsletter":
        return "Einwilligung widerrufen am 20.11.2026"
    if purpose == "newsletter" and kind in ("requested", "none"):
        return "Keine bestätigte Einwilligung (Newsletter)"
    if kind == "no_email":
        return "keine E-Mail-Adresse"
    return None


def test_email_blocks_for_the_newsletter_give_every_reason(region, count_queries):
    with count_queries.recording() as statements:
        blocked = consent.email_blocks(region.ids, "newsletter")
    expected = {pid: expected_email(kind, "newsletter") for pid, kind in region.kind.items()}
    assert blocked == {pid: reason for pid, reason in expected.items() if reason}
    allowed = [pid for pid in region.ids if pid not in blocked]
    assert len(allowed) == 40 and {region.kind[pid] for pid in allowed} == {"private", "business"}
    assert sorted(blocked.values()).count("Widerspruch gegen Kontaktaufnahme") == SIZE // 7
    assert len(statements) <= 4, "a fixed number of queries, not one per person"


def test_invitations_need_no_consent_but_respect_objection_and_missing_address(region):
    blocked = consent.email_blocks(region.ids, "invitations")
    expected = {pid: expected_email(kind, "invitations") for pid, kind in region.kind.items()}
    assert blocked == {pid: reason for pid, reason in expected.items() if reason}
    assert set(blocked.values()) == {"Widerspruch gegen Kontaktaufnahme", "keine E-Mail-Adresse"}
    assert len(blocked) == 40


def test_letter_blocks(region):
    blocked = consent.letter_blocks(region.ids, "newsletter")
    for pid, kind in region.kind.items():
        if kind == "objection":
            assert blocked[pid] == "Widerspruch gegen Kontaktaufnahme"
        elif kind == "withdrawn":
            assert blocked[pid] == "Einwilligung widerrufen am 20.11.2026"
        elif not region.address[pid]:
            assert blocked[pid] == "keine Postanschrift"
        else:
            assert pid not in blocked, (kind, pid)
    # a letter needs no consent: the ones never asked get the printed newsletter
    assert sum(1 for pid, kind in region.kind.items() if kind == "none" and pid not in blocked) == 18


def test_blocks_work_in_chunks_and_ignore_unknown_ids(region, monkeypatch):
    monkeypatch.setattr(consent, "CHUNK", 25)
    assert consent.email_blocks(region.ids + [999999], "newsletter") == consent.email_blocks(region.ids, "newsletter")
    assert consent.email_blocks([], "newsletter") == {}


def test_an_unknown_purpose_is_refused(region):
    with pytest.raises(DomainError, match="Unbekannter Zweck"):
        consent.email_blocks(region.ids, "spam")


def test_the_verteiler_condition_consent_confirmed(region):
    tree = {"op": "and", "items": [{"facet": "consent", "values": ["newsletter"]}]}
    tree = facets.parse_filter(tree)
    found = set(db.session.scalars(db.select(Person.id)
                                   .where(facets.persons_clause(tree))))
    expected = {pid for pid, kind in region.kind.items() if kind in ("no_email", "private", "business")}
    expected |= {p.id for i, p in enumerate(region.persons) if region.kind[p.id] == "objection" and i % 2 == 0}
    assert found == expected and len(found) == 70
    negated = facets.parse_filter({"op": "and", "items": [{"facet": "consent", "values": ["newsletter"],
                                                           "not": True}]})
    others = set(db.session.scalars(db.select(Person.id)
                                    .where(facets.persons_clause(negated))))
    assert found.isdisjoint(others) and expected | others >= set(region.ids)
    assert "Einwilligung bestätigt (Zweck)" in facets.describe(tree) and "Newsletter" in facets.describe(tree)


def test_withdrawal_by_the_office_blocks_at_once(region, login):
    login("staff")
    pid = next(pid for pid, kind in region.kind.items() if kind == "private")
    row = db.session.scalar(db.select(Consent).where(Consent.person_id == pid))
    consent.withdraw(row, "am Telefon")
    db.session.commit()
    assert consent.email_blocks([pid], "newsletter")[pid].startswith("Einwilligung widerrufen am ")
    with pytest.raises(DomainError, match="bereits am"):
        consent.withdraw(row)
