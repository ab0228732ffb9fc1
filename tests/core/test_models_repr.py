"""Models show what they are in logs and the debugger, without running a query."""
from crm.contacts.models import Person


def test_repr_names_class_id_and_the_loaded_name(make_person, make_org, session):
    person = make_person("Huber")
    org = make_org("Markt Eschau")
    assert repr(person) == f"<Person {person.id}>"  # expired after the commit: nothing is loaded for repr
    assert person.last_name and org.name
    assert repr(person) == f"<Person {person.id} 'Huber'>"
    assert repr(org) == f"<Organisation {org.id} 'Markt Eschau'>"
    assert repr(Person(last_name="Neu")) == "<Person new 'Neu'>"
