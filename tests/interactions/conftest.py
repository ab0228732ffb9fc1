import pytest


@pytest.fixture
def mayor(make_org, make_person, make_function):
    town = make_org("Markt Kleinwallstadt", kind="municipality", sector="public", ags="09676139")
    function = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin", key=True)
    return make_person("Zöller", "Thomas", gender="male", organisation=town, function=function)
