"""Import: CSV/XLSX/vCard import with column assignment, preview, commit and undo. The format
code itself lives in crm/interop/. The commit and the undo run as background jobs (jobs.py)."""
from flask import url_for
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
        values={"job.kind": {"import_commit": _l("Import"), "import_undo": _l("Undoing an import")},
                "job.record": {"import_commit": "import_batch", "import_undo": "import_batch"}},
        record_urls={"import_batch": lambda i: url_for("imports.import_detail", batch_id=i)},
    )
    registry.command(cli.import_command)
