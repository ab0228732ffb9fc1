"""Who may use the import, export and duplicate routes (see tests/core/test_routes_by_role.py)."""

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
    "imports.duplicate_list": ("staff", "GET"),
    "imports.duplicate_scan": ("staff", "POST"),
    "imports.duplicate_ignore": ("staff", "POST"),
    "imports.duplicate_merge": ("staff", "GET POST"),
    "imports.duplicate_log": ("staff", "GET"),
    "imports.duplicate_unmerge": ("staff", "POST"),
    "imports.duplicate_similar": ("staff", "GET"),
}


def url_values(fixture):
    from crm.extensions import db
    from crm.imports.models import DuplicatePair, ImportBatch, MergeLog, SavedMapping

    make_person = fixture("make_person")
    a, b = make_person("Sweepmann", "Anna"), make_person("Sweepmann", "Anne")
    # a carried-out import without rows: every route answers without deleting it on the way
    batch = ImportBatch(filename="sweep.csv", source="csv", status="committed", header=["Nachname"])
    saved = SavedMapping(name="Sweep", columns={"Nachname": "last_name"})
    # "ignored": the sweep also runs the scan, which replaces open pairs
    pair = DuplicatePair(kind="person", a_id=a.id, b_id=b.id, score=80, reasons=[["name", 90]], status="ignored")
    # a merge from before merges could be undone: the undo route answers with a message
    log = MergeLog(kind="person", winner_id=a.id, loser_id=10**8, winner_label="Anna Sweepmann",
                   loser_label="Alte Sweepmann")
    db.session.add_all([batch, saved, pair, log])
    db.session.commit()
    return {"batch_id": batch.id, "mapping_id": saved.id, "pair_id": pair.id, "kind": "person",
            "a_id": a.id, "b_id": b.id, "log_id": log.id}
