import pytest

from crm.extensions import db


@pytest.fixture
def run_import(app):
    """run_import(filename, data, mapping=None, choices=None) -> committed batch (services, no HTTP)."""
    from crm.imports import services

    def run(filename, data, mapping=None, choices=None, commit=True):
        batch = services.start_import(filename, data if isinstance(data, bytes) else data.encode("utf-8"))
        if batch.status == "mapping":
            services.apply_mapping(batch, mapping if mapping is not None else services.mapping_for(batch))
        if choices:
            services.set_row_actions(batch, choices(batch) if callable(choices) else choices)
        if commit:
            services.commit_import(batch)
        db.session.commit()
        return batch

    return run
