import pytest


@pytest.fixture
def ids(request):
    """The URL values every part's tests/<part>/route_roles.py builds (for the route sweep and the security walk)."""
    from tests.core.test_routes_by_role import MODULES

    values = {}
    for module in MODULES:
        if hasattr(module, "url_values"):
            values.update(module.url_values(request.getfixturevalue))
    return values
