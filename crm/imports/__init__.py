"""Import, export and duplicates: CSV/XLSX/vCard import with preview and undo, exports,
duplicate finder and merge. The format code itself lives in crm/interop/."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.imports import cli, views
    from crm.imports.merge import MERGE_ACTION

    registry.blueprint(views.bp)
    registry.nav("imports.import_upload", _l("Import"), order=60, min_role="staff", prefix="imports.import_",
                 menu="more")
    registry.nav("imports.duplicate_list", _l("Duplicates"), order=65, min_role="staff",
                 prefix="imports.duplicate_", menu="more")

    registry.detail_section("person", "imports/_person_details.html", views.person_details_section, order=80,
                            column="side")

    registry.labels(
        actions={"merge": MERGE_ACTION, "merged_away": _l("merged into another record"),
                 "unmerge": _l("merge undone")},
        entities={"contact_detail": _l("Further contact detail"), "duplicate_pair": _l("Possible duplicate"),
                  "merge_log": _l("Merge log"), "import_batch": _l("Import"), "import_row": _l("Imported row"),
                  "import_mapping": _l("Saved column assignment")},
        fields={"merged_from": _l("Merged from"), "merged_into": _l("Merged into")},
    )
    registry.command(cli.import_command)
    registry.command(cli.find_duplicates_command)
