"""flask crm export-vcard (declared in crm/exports/__init__.py)."""
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@click.command("export-vcard", help=_l("Write every person as vCard 3.0 to OUT (a .vcf file, or a .zip with"
                                              " one card per person)."))
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--archived", is_flag=True, help=_l("Include archived persons."))
@with_appcontext
def export_vcard_command(out: Path, archived: bool):
    from crm.contacts.services import ContactFilters
    from crm.exports import services as exports

    stmt = exports.persons_query(ContactFilters(archived="all" if archived else "active"))
    session = exports.export_session()
    make = exports.vcard_zip_stream if out.suffix.lower() == ".zip" else exports.vcard_bytes_stream
    stream = exports.closing(session, make(stmt, session))
    size = 0
    with out.open("wb") as handle:
        for chunk in stream:
            handle.write(chunk)
            size += len(chunk)
    click.echo(_("Written: %(file)s (%(size)s KB).", file=out, size=size // 1024))


@click.command("remove-expired-exports", help=_l("Remove the files of background jobs (exports, activity "
                                                 "reports) older than EXPORT_KEEP_HOURS (also done whenever such a "
                                                 "job starts or its page is opened)."))
@with_appcontext
def remove_expired_exports_command():
    from crm.jobs import files

    click.echo(_("Export files removed: %(count)s", count=files.remove_expired()))
