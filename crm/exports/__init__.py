"""Exports of persons and organisations: one vCard, and the filtered lists as CSV, XLSX, vCard
and ZIP. The format code itself lives in crm/interop/."""


def register(registry) -> None:
    from crm.exports import cli, views

    registry.blueprint(views.bp)
    registry.command(cli.export_vcard_command)
