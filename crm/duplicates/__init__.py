"""Duplicates: the duplicate finder, merging two records (and its undo), the merge log, and the
quick check for similar contacts on the create forms. The matching itself lives in
crm/interop/dedupe.py."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.duplicates import cli, views
    from crm.duplicates.merge import MERGE_ACTION

    registry.blueprint(views.bp)
    registry.nav("duplicates.duplicate_list", _l("Duplicates"), order=65, min_role="staff",
                 prefix="duplicates.duplicate_", menu="more")

    registry.labels(
        actions={"merge": MERGE_ACTION, "merged_away": _l("merged into another record"),
                 "unmerge": _l("merge undone")},
        entities={"duplicate_pair": _l("Possible duplicate"), "merge_log": _l("Merge log")},
        fields={"merged_from": _l("Merged from"), "merged_into": _l("Merged into")},
    )
    registry.command(cli.find_duplicates_command)
