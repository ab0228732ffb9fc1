"""Letter runs: resolve the recipients, merge, keep the document, log a letter on every timeline.

The format work is crm/interop/letters.py (pure); who gets a letter is crm/segments (resolve,
record_use). A run keeps its document and its resolved list, so it can be downloaded again
exactly as it was sent.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import insert, select

from crm.core.audit import current_actor
from crm.core.errors import DomainError
from crm.extensions import db
from crm.interactions.models import Interaction, interaction_organisation, interaction_person
from crm.interactions.services import refresh_last_contacted
from crm.interop import letters as engine
from crm.letters.models import Letterhead, LetterRun, LetterTemplate
from crm.segments import services as segments

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_LOGO_BYTES = 1024 * 1024
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


# ------------------------------------------------------------------ letterhead


def letterhead() -> Letterhead:
    """The one letterhead row (created empty on first use)."""
    row = db.session.scalar(select(Letterhead).order_by(Letterhead.id).limit(1))
    if row is None:
        row = Letterhead(sender_name="")
        db.session.add(row)
        db.session.flush()
    return row


def logo_type(data: bytes) -> str:
    for magic, mimetype in LOGO_TYPES.items():
        if data.startswith(magic):
            return mimetype
    raise DomainError(_("The logo must be a PNG or JPEG image."), field="logo")


def save_letterhead(row: Letterhead, data: dict, logo: bytes | None) -> Letterhead:
    for key in ("sender_name", "address", "return_line", "contact_person", "phone", "email", "website", "bank",
                "footer"):
        setattr(row, key, data.get(key) or "")
    if data.get("remove_logo"):
        row.logo, row.logo_type = None, ""
    elif logo:
        if len(logo) > MAX_LOGO_BYTES:
            raise DomainError(_("The logo is larger than 1 MB."), field="logo")
        row.logo_type = logo_type(logo)
        row.logo = logo
    db.session.flush()
    return row


def engine_letterhead(row: Letterhead) -> "engine.Letterhead":
    return engine.Letterhead(
        organisation=row.sender_name, address_lines=tuple(line for line in row.address.splitlines() if line.strip()),
        return_address=row.return_line, contact=row.contact_person, phone=row.phone, email=row.email,
        website=row.website, bank=row.bank, footer=row.footer, logo=row.logo,
    )


def letter_problem(error: "engine.LetterError", field: str | None = None) -> DomainError:
    """The engine's message (an English msgid with parameters) in the user's language."""
    return DomainError(_(error.msgid, **error.params), field=field)


# ------------------------------------------------------------------ templates


def active_templates() -> list[LetterTemplate]:
    return list(db.session.scalars(
        select(LetterTemplate).where(LetterTemplate.archived_at.is_(None)).order_by(LetterTemplate.name)))


def store_template(name: str, filename: str, content: bytes, user) -> LetterTemplate:
    """Keep an uploaded Serienbrief template; refused (nothing stored) when Word could not merge it here."""
    if len(content) > MAX_TEMPLATE_BYTES:
        raise DomainError(_("The file is larger than 5 MB."), field="file")
    try:
        fields = engine.check_template(content)
    except engine.LetterError as error:
        raise letter_problem(error, "file") from error
    template = LetterTemplate(name=name, filename=filename[:255], content=content, fields=list(fields),
                              size=len(content), uploaded_by=user)
    db.session.add(template)
    db.session.flush()
    return template


# ------------------------------------------------------------------ runs


@dataclass
class Source:
    """Where the recipients come from: a saved Verteiler or ids ticked in a list."""

    segment: object | None = None
    person_ids: list[int] = field(default_factory=list)
    organisation_ids: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.segment is not None:
            return self.segment.name
        return _("Selection (%(count)s)", count=len(self.person_ids) + len(self.organisation_ids))


def resolve(source: Source, rule: str):
    if source.segment is not None:
        return segments.resolve(source.segment, rule, "letter")
    return segments.resolve(segments.Selection.of(source.person_ids, source.organisation_ids), rule, "letter")


def _merge_rows(resolution, letter_date: date, subject: str) -> list[dict]:
    return [engine.merge_values(r.addressee, r.email, letter_date, subject) for r in resolution.recipients]


def render(resolution, *, template: LetterTemplate | None, letter_date: date, text: "engine.LetterText") -> bytes:
    """The merged .docx for these recipients (raises DomainError for what the user must fix)."""
    if not resolution.recipients:
        raise DomainError(_("Nobody in this list can get a letter (see the excluded contacts)."))
    rows = _merge_rows(resolution, letter_date, text.subject)
    try:
        if template is None:
            return engine.builtin_letters(engine_letterhead(letterhead()), text, rows)
        return engine.merge_template(template.content, rows)
    except engine.LetterError as error:
        raise letter_problem(error, "body" if template is None else "template") from error


def create_run(source: Source, *, rule: str, template: LetterTemplate | None, letter_date: date,
               text: "engine.LetterText", user) -> LetterRun:
    """Merge the letters, keep the document and the resolved list, and log "Brief: subject" on every
    recipient's timeline (one interaction of kind letter with all of them)."""
    resolution = resolve(source, rule)
    document = render(resolution, template=template, letter_date=letter_date, text=text)
    subject = text.subject
    # a Word template brings its own text; the form's text field is not part of these letters
    body = text.body if template is None else ""
    use = segments.record_use(source.segment, "letter", rule, resolution)
    results = body if template is None else _("Written with the Word template “%(name)s”.", name=template.name)
    interaction = Interaction(kind="letter", subject=_("Letter: %(subject)s", subject=subject)[:200],
                              results=results, created_by=user)
    db.session.add(interaction)
    db.session.flush()
    person_ids = sorted({r.person_id for r in resolution.recipients if r.person_id})
    organisation_ids = sorted({r.organisation_id for r in resolution.recipients if r.organisation_id})
    conn = db.session.connection()
    if person_ids:
        conn.execute(insert(interaction_person), [{"interaction_id": interaction.id, "person_id": i}
                                                  for i in person_ids])
        refresh_last_contacted(person_ids)
    if organisation_ids:
        conn.execute(insert(interaction_organisation), [{"interaction_id": interaction.id, "organisation_id": i}
                                                        for i in organisation_ids])
    db.session.expire(interaction, ["persons", "organisations"])
    run = LetterRun(
        created_by=user, created_by_name=current_actor()[1], subject=subject, body=body, letter_date=letter_date,
        rule=rule, template=template, template_name=template.name if template else _("Built-in letter (DIN 5008)"),
        segment_use_id=use.id, source_label=source.label[:200], recipient_count=len(resolution.recipients),
        excluded_count=len(resolution.excluded), interaction_id=interaction.id, document=document,
        filename=run_filename(subject, letter_date),
    )
    db.session.add(run)
    db.session.flush()
    return run


def run_filename(subject: str, letter_date: date) -> str:
    from crm.core.text import fold

    slug = "-".join(fold(subject).split())[:60] or "briefe"
    slug = "".join(ch for ch in slug if ch.isalnum() or ch == "-")
    return f"briefe-{letter_date.isoformat()}-{slug}.docx"


def runs(limit: int = 50) -> list[LetterRun]:
    return list(db.session.scalars(select(LetterRun).order_by(LetterRun.created_at.desc(), LetterRun.id.desc())
                                   .limit(limit)))


def labels(source: Source, rule: str, sheet: str, start_position: int) -> tuple[bytes, object]:
    resolution = resolve(source, rule)
    if not resolution.recipients:
        raise DomainError(_("Nobody in this list has a postal address for a label."))
    blocks = [r.address_lines for r in resolution.recipients]
    try:
        data = engine.address_labels(sheet, blocks, start_position=start_position)
    except engine.LetterError as error:
        raise letter_problem(error, "start_position") from error
    segments.record_use(source.segment, "labels", rule, resolution)
    return data, resolution


def archive_template(template: LetterTemplate) -> None:
    from crm.core.models import utcnow

    template.archived_at = utcnow()
    db.session.flush()


@dataclass
class Preview:
    resolution: object
    samples: list  # (recipient, address lines, merge values, body text) of the first few letters


def preview(source: Source, *, rule: str, template: LetterTemplate | None, letter_date: date,
            text: "engine.LetterText", size: int = 3) -> Preview:
    """Who gets a letter, who does not and why, and the first letters as they will read."""
    resolution = resolve(source, rule)
    if template is None:
        try:
            engine.check_text(text)
        except engine.LetterError as error:
            raise letter_problem(error, "body") from error
    samples = []
    for recipient in resolution.recipients[:size]:
        values = engine.merge_values(recipient.addressee, recipient.email, letter_date, text.subject)
        filled = engine.fill_text(text, values) if template is None else ""
        samples.append((recipient, values["Anschrift"].splitlines(), values, filled))
    return Preview(resolution=resolution, samples=samples)
