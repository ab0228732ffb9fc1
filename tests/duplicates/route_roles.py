"""Who may use the duplicate and merge routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "duplicates.duplicate_list": ("staff", "GET"),
    "duplicates.duplicate_scan": ("staff", "POST"),
    "duplicates.duplicate_ignore": ("staff", "POST"),
    "duplicates.duplicate_merge": ("staff", "GET POST"),
    "duplicates.duplicate_log": ("staff", "GET"),
    "duplicates.duplicate_unmerge": ("staff", "POST"),
    "duplicates.duplicate_similar": ("staff", "GET"),
}


def url_values(fixture):
    from crm.duplicates.models import DuplicatePair, MergeLog
    from crm.extensions import db

    make_person = fixture("make_person")
    a, b = make_person("Sweepmann", "Anna"), make_person("Sweepmann", "Anne")
    # "ignored": the sweep also runs the scan, which replaces open pairs
    pair = DuplicatePair(kind="person", a_id=a.id, b_id=b.id, score=80, reasons=[["name", 90]], status="ignored")
    # a merge from before merges could be undone: the undo route answers with a message
    log = MergeLog(kind="person", winner_id=a.id, loser_id=10**8, winner_label="Anna Sweepmann",
                   loser_label="Alte Sweepmann")
    db.session.add_all([pair, log])
    db.session.commit()
    return {"pair_id": pair.id, "kind": "person", "a_id": a.id, "b_id": b.id, "log_id": log.id}
