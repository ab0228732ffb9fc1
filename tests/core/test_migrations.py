from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crm.extensions import db


def test_migrations_match_the_models(app, _transaction):
    """The schema built by `flask db upgrade` is exactly what the models declare."""
    context = MigrationContext.configure(_transaction, opts={"compare_type": True})
    diff = compare_metadata(context, db.metadata)
    assert diff == [], diff
