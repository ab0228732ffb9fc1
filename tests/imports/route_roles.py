"""Who may use the import routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "imports.import_upload": ("staff", "GET POST"),
    "imports.import_mapping": ("staff", "GET POST"),
    "imports.import_preview": ("staff", "GET POST"),
    "imports.import_discard": ("staff", "POST"),
    "imports.import_log": ("staff", "GET"),
    "imports.import_detail": ("staff", "GET"),
    "imports.import_undo": ("staff", "POST"),
    "imports.import_mappings": ("staff", "GET"),
    "imports.import_mapping_delete": ("staff", "POST"),
}


def url_values(fixture):
    from crm.extensions import db
    from crm.imports.models import ImportBatch, SavedMapping

    # a carried-out import without rows: every route answers without deleting it on the way
    batch = ImportBatch(filename="sweep.csv", source="csv", status="committed", header=["Nachname"])
    saved = SavedMapping(name="Sweep", columns={"Nachname": "last_name"})
    db.session.add_all([batch, saved])
    db.session.commit()
    return {"batch_id": batch.id, "mapping_id": saved.id}
