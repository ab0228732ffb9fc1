"""One DomainError, one place for its message on a form."""
import pytest
from flask_wtf import FlaskForm
from wtforms import DateField, StringField

from crm.core.errors import DomainError, put_error_on_form, saving
from crm.extensions import db


class _Form(FlaskForm):
    name = StringField()
    end_valid_to = DateField()
    aff_email = StringField()


@pytest.fixture
def form(app):
    with app.test_request_context("/", method="POST"):
        yield _Form(meta={"csrf": False})


def test_message_with_a_field_goes_next_to_the_field(form):
    put_error_on_form(form, DomainError("Bitte einen Namen eingeben.", field="name"))
    assert form.name.errors == ["Bitte einen Namen eingeben."] and form.form_errors == []


def test_message_without_a_field_or_with_an_unknown_one_goes_to_the_top_of_the_form(form):
    put_error_on_form(form, DomainError("Ein ausgewählter Kontakt existiert nicht (mehr)."))
    put_error_on_form(form, DomainError("Gibt es nicht.", field="no_such_field"))
    assert form.form_errors == ["Ein ausgewählter Kontakt existiert nicht (mehr).", "Gibt es nicht."]
    assert not form.name.errors


def test_a_service_field_name_can_be_mapped_to_the_form(form):
    put_error_on_form(form, DomainError("Enddatum vor Anfang.", field="valid_to"), rename={"valid_to": "end_valid_to"})
    put_error_on_form(form, DomainError("Keine E-Mail.", field="email"), prefix="aff_")
    assert form.end_valid_to.errors == ["Enddatum vor Anfang."] and form.aff_email.errors == ["Keine E-Mail."]


def test_saving_rolls_back_on_a_domain_error_and_commits_otherwise(app, form, make_org):
    org = make_org("Markt Testdorf")
    with saving(form) as saved:
        org.name = "Geändert"
        db.session.flush()
        raise DomainError("Nein.", field="name")
    assert not saved and form.name.errors == ["Nein."]
    assert db.session.get(type(org), org.id).name == "Markt Testdorf"
    with saving(form) as saved:
        org.name = "Markt Neudorf"
    assert saved and db.session.get(type(org), org.id).name == "Markt Neudorf"
