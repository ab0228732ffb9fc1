"""Import: CSV/XLSX/vCard import with column assignment, preview, commit and undo. The format
code itself lives in crm/interop/."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.imports import cli, views

    registry.blueprint(views.bp)
    registry.nav("imports.import_upload", _l("Import"), order=60, min_role="staff", prefix="imports.import_",
                 menu="more")

    registry.detail_section("person", "imports/_person_details.html", views.person_details_section, order=80,
                            column="side")

    registry.labels(
        entities={"contact_detail": _l("Further contact detail"), "import_batch": _l("Import"),
                  "import_row": _l("Imported row"), "import_mapping": _l("Saved column assignment")},
    )
    registry.command(cli.import_command)
