"""flask crm import (declared in crm/imports/__init__.py)."""
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.extensions import db


def _text(msgid: str, params: dict) -> str:
    """A service message (msgid + params) in the app's language."""
    return _(msgid, **params) if params else _(msgid)


@click.command("import", help=_l("Import persons from a CSV, XLSX or vCard file (with the duplicate check).\n\n"
                                 "Rows that match an existing contact strongly update it; rows with errors are"
                                 " skipped."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_name", default="", help=_l("Name of a saved column assignment."))
@click.option("--dry-run", is_flag=True, help=_l("Check and show what would happen; change nothing."))
@with_appcontext
def import_command(file: Path, mapping_name: str, dry_run: bool):
    from crm.imports import services

    data = file.read_bytes()
    try:
        batch = services.start_import(file.name, data)
        if batch.status == "mapping":
            saved = None
            if mapping_name:
                saved = services.find_saved_mapping(mapping_name)
                if saved is None:
                    raise click.ClickException(_("No saved column assignment named “%(name)s”.", name=mapping_name))
            mapping = services.mapping_for(batch, saved)
            services.apply_mapping(batch, mapping)
    except services.ImportProblem as problem:
        db.session.rollback()
        raise click.ClickException(_text(problem.msgid, problem.params)) from None
    counts = batch.counts
    click.echo(_("%(file)s: %(rows)s rows; to create %(create)s, to update %(update)s, to skip %(skip)s; "
                 "%(errors)s with errors, %(duplicates)s possible duplicates.",
                 file=file.name, rows=batch.row_count, create=counts.get("create", 0),
                 update=counts.get("update", 0), skip=counts.get("skip", 0), errors=counts.get("errors", 0),
                 duplicates=counts.get("duplicates", 0)))
    for position, line, message in batch.problems or []:
        click.echo("  " + _("Card %(position)s (line %(line)s) not readable: %(message)s",
                            position=position, line=line, message=message))
    from sqlalchemy import select

    from crm.imports.models import ImportRow

    shown = 0
    for row in db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id)
                                  .order_by(ImportRow.position)):
        if row.errors and shown < 20:
            click.echo("  " + _("Row %(position)s:", position=row.position) + " "
                       + "; ".join(_text(m, p) for _f, m, p in row.errors))
            shown += 1
    if dry_run:
        db.session.rollback()
        click.echo(_("Dry run: nothing has been changed."))
        return
    try:
        result = services.commit_import(batch)
    except services.ImportProblem as problem:
        db.session.rollback()
        raise click.ClickException(_text(problem.msgid, problem.params)) from None
    db.session.commit()
    click.echo(_("Imported (import no. %(number)s): %(created)s created, %(updated)s updated, %(skipped)s skipped. "
                 "Undo in the web interface under Import > Import log.", number=batch.id, created=result["created"],
                 updated=result["updated"], skipped=result["skipped"]))
