"""flask crm backup OUT / flask crm restore IN (declared in crm/backup/__init__.py)."""
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _when(iso: str) -> str:
    from datetime import datetime

    from crm.core.formatting import local_datetime

    try:
        return local_datetime(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def _size(n: int) -> str:
    from flask_babel import format_decimal

    return format_decimal(round(n / 1024 / 1024, 1), format="#,##0.0")


@click.command("backup", help=_l("Back up the whole database into the file OUT (with its schema version and a "
                                  "checksum)."))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path):
    from crm.backup import services

    try:
        manifest = services.backup(out)
    except services.BackupError as error:
        raise click.ClickException(str(error))
    kind = KINDS.get(manifest.dialect, manifest.dialect)
    click.echo(_("Backup written: %(file)s (%(size)s MB, %(kind)s database, schema %(revision)s).", file=str(out),
                 size=_size(out.stat().st_size), kind=kind, revision=", ".join(manifest.revisions)))


@click.command("restore", help=_l("Replace the whole database by the backup IN (checked first; upgraded to this "
                                   "version's schema afterwards)."))
@click.argument("source", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help=_l("Do not ask for confirmation."))
@with_appcontext
def restore_command(source: Path, yes: bool):
    import tempfile

    from crm.backup import services

    try:
        with tempfile.TemporaryDirectory(prefix="regionetz-check-") as tmp:
            manifest, _payload = services.verify(source, Path(tmp))
        click.echo(_("Backup checked: made %(when)s, schema %(revision)s, checksum correct.",
                     when=_when(manifest.created_at), revision=", ".join(manifest.revisions)))
        if not yes:
            click.confirm(_("Replace every record of the database by this backup?"), abort=True)
        manifest, revisions = services.restore(source)
    except services.BackupError as error:
        raise click.ClickException(str(error))
    if sorted(revisions) != sorted(manifest.revisions):
        click.echo(_("Schema upgraded from %(old)s to %(new)s.", old=", ".join(manifest.revisions),
                     new=", ".join(revisions)))
    click.echo(_("Database restored from %(file)s.", file=str(source)))
