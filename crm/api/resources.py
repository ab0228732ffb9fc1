"""What the REST API offers, declared once: fields with their JSON types, filters, and for writable
resources the form and service the pages use. The views (views.py) and the OpenAPI description
(openapi.py) are both generated from these declarations, so they cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from importlib import import_module
from typing import Any, Callable

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from crm.extensions import db

TYPES = ("string", "integer", "boolean", "date", "datetime", "number", "string[]", "integer[]")


@dataclass
class Field:
    name: str
    type: str  # one of TYPES
    description: str
    writable: bool = False
    nullable: bool = False
    enum: tuple | None = None
    get: Callable[[Any], Any] | None = None  # default: the attribute of the same name
    default: Any = None  # for a create without this field; None: by type ("" / false / [] / null, an enum's first)

    def initial(self) -> Any:
        if self.default is not None:
            return self.default
        if self.nullable:
            return None
        if self.enum:
            return self.enum[0]
        return {"string": "", "boolean": False, "string[]": [], "integer[]": []}.get(self.type)

    def value(self, record) -> Any:
        raw = self.get(record) if self.get is not None else getattr(record, self.name)
        if isinstance(raw, datetime):
            return raw.isoformat()
        if isinstance(raw, date):
            return raw.isoformat()
        if isinstance(raw, Decimal):
            return float(raw)
        return raw


@dataclass
class Filter:
    name: str
    type: str  # string, integer, boolean, date, datetime
    description: str
    apply: Callable[[Select, Any], Select]


@dataclass
class Writer:
    """Create and update through the pages' form and service: the same checks, the same German messages."""
    form: Callable[[Any, Any], Any]  # (record or None, formdata) -> the pages' form, its choices set up
    to_form: dict[str, Callable[[Any], Any]]  # JSON value -> form value, per field needing it
    save: Callable[[Any, dict], Any]  # (record or None, form.data) -> record; raises DomainError
    after: Callable[[Any, dict], None] | None = None  # (saved record, JSON payload): what the form has no field for
    data: Callable[[Any], dict] | None = None  # form -> what the service takes (default: form.data)
    rename: dict[str, str] = field(default_factory=dict)  # the form's error key -> the API's field name


@dataclass
class Resource:
    name: str  # URL segment and tag: "persons"
    title: str  # German, for the documentation page
    model: Any
    fields: list[Field]
    filters: list[Filter] = field(default_factory=list)
    writer: Writer | None = None
    versioned: bool = True  # has a row version: ETag / If-Match
    options: tuple = ()  # loader options for a page of records
    warnings: Callable[[Any], list[dict]] | None = None  # after a write: what the pages warn about ({kind, message})
    warnings_description: str = ""  # for the OpenAPI description

    def serialize(self, record, hidden: frozenset = frozenset()) -> dict:
        """The record as JSON values; `hidden` fields (confidential, for viewers) come out empty."""
        return {f.name: ("" if f.type == "string" else None) if f.name in hidden else f.value(record)
                for f in self.fields}

    def hidden_for(self, user) -> frozenset:
        from crm.core.confidential import CONFIDENTIAL_FIELDS, may_see_confidential

        return frozenset() if may_see_confidential(user) else CONFIDENTIAL_FIELDS.get(self.model.__tablename__,
                                                                                       frozenset())

    @property
    def schema_name(self) -> str:
        return self.name[:-1].capitalize() if self.name.endswith("s") else self.name.capitalize()


def _ids(attribute: str):
    return lambda record: [item.id for item in getattr(record, attribute)]


def _names(attribute: str):
    return lambda record: [item.name for item in getattr(record, attribute)]


def _archived(record) -> bool:
    return record.archived_at is not None


def _current(model):
    def apply(stmt, value):
        from crm.core import time as clock

        today = clock.today()
        now = or_(model.valid_from.is_(None), model.valid_from <= today) & or_(model.valid_to.is_(None),
                                                                              model.valid_to >= today)
        return stmt.where(now if value else ~now)
    return apply


def _since(column):
    return lambda stmt, value: stmt.where(column >= value)


def _page_form(views: str, builder: str):
    """The pages' form, built by `builder` in the module `views` as the edit page builds it, from the API's data."""
    def form(record, formdata):
        return getattr(import_module(views), builder)(record, formdata=formdata, meta={"csrf": False})
    return form


def _page_service(services: str, function: str):
    """The service the page's form saves with: (record or None, form data) -> record."""
    return lambda record, data: getattr(import_module(services), function)(record, data)


# ------------------------------------------------------------------ persons and organisations


def _person_resource() -> Resource:
    from crm.contacts import services
    from crm.contacts.forms import PersonForm
    from crm.contacts.models import GENDERS, LEGAL_BASES, Affiliation, Person
    from crm.contacts.search import PERSON, matching_id_subquery

    def form(record, formdata):
        from crm.contacts.views import _person_form_setup

        return _person_form_setup(PersonForm(formdata=formdata, meta={"csrf": False}))


    def save(person, data):
        return services.save_person(person, data)

    def search(stmt, value):
        sub = matching_id_subquery(PERSON, value)
        return stmt.where(Person.id.in_(sub)) if sub is not None else stmt.where(False)

    def at_organisation(stmt, value):
        return stmt.where(Person.id.in_(select(Affiliation.person_id).where(Affiliation.organisation_id == value)))

    text = lambda name, description, **kw: Field(name, "string", description, writable=True, **kw)  # noqa: E731
    return Resource(
        name="persons", title="Personen", model=Person,
        fields=[
            Field("id", "integer", "Kennung"),
            Field("version", "integer", "Stand des Datensatzes (auch als ETag)"),
            text("gender", "Geschlecht (für die Anrede)", enum=tuple(GENDERS), default="unknown"),
            text("degree", "Akademischer Grad"), text("first_name", "Vorname"), text("nobility", "Adelsprädikat"),
            text("last_name", "Nachname (Pflicht)"), text("name_suffix", "Namenszusatz"),
            Field("formal", "boolean", "Anrede mit „Sie“", writable=True, default=True),
            text("salutation_override", "Eigene Briefanrede"),
            text("email", "E-Mail (privat; vertraulich)"), text("phone", "Telefon (privat; vertraulich)"),
            text("mobile", "Mobil (vertraulich)"), text("street", "Straße und Hausnummer (privat; vertraulich)"),
            text("postcode", "PLZ (privat; vertraulich)"), text("city", "Ort (privat; vertraulich)"),
            text("country", "Land (ISO-Code)", default="DE"),
            Field("tags", "string[]", "Schlagworte", writable=True, get=_names("tags")),
            Field("fields_of_action", "integer[]", "Handlungsfelder (Kennungen)", writable=True,
                  get=_ids("fields_of_action")),
            Field("target_groups", "integer[]", "Zielgruppen (Kennungen)", writable=True, get=_ids("target_groups")),
            Field("expertise_topics", "string[]", "Fachgebiete", writable=True, get=_names("expertise_topics")),
            text("expertise_note", "Expertenprofil"), text("notes", "Notizen"),
            text("confidential_notes", "Vertrauliche Notizen (nur für Geschäftsstelle und höher)"),
            text("legal_basis", "Rechtsgrundlage", enum=tuple(LEGAL_BASES)),
            text("data_source", "Herkunft der Daten"),
            Field("data_collected_on", "date", "Erhoben am", writable=True, nullable=True),
            Field("last_reviewed_on", "date", "Zuletzt geprüft am", writable=True, nullable=True),
            Field("contact_objection", "boolean", "Widerspruch gegen Kontaktaufnahme", writable=True),
            Field("archived", "boolean", "Archiviert", get=_archived),
            Field("created_at", "datetime", "Angelegt"), Field("updated_at", "datetime", "Zuletzt geändert"),
        ],
        filters=[
            Filter("q", "string", "Suchwörter wie in der Schnellsuche (Name, Organisation, Ort …)", search),
            Filter("organisation_id", "integer", "Mit einer Funktion bei dieser Organisation", at_organisation),
            Filter("archived", "boolean", "Archivierte (true) statt aktive (false, Standard)",
                   lambda stmt, v: stmt.where(Person.archived_at.isnot(None) if v else Person.archived_at.is_(None))),
            Filter("updated_since", "datetime", "Geändert seit (ISO 8601)", _since(Person.updated_at)),
        ],
        writer=Writer(form=form, save=save, to_form={
            "formal": lambda v: "1" if v else "0", "tags": ", ".join, "expertise_topics": ", ".join}),
    )


def _organisation_resource() -> Resource:
    from crm.contacts.models import ORGANISATION_KINDS, SECTORS, Organisation
    from crm.contacts.search import ORGANISATION, matching_id_subquery

    def search(stmt, value):
        sub = matching_id_subquery(ORGANISATION, value)
        return stmt.where(Organisation.id.in_(sub)) if sub is not None else stmt.where(False)

    text = lambda name, description, **kw: Field(name, "string", description, writable=True, **kw)  # noqa: E731
    return Resource(
        name="organisations", title="Organisationen", model=Organisation,
        fields=[
            Field("id", "integer", "Kennung"),
            Field("version", "integer", "Stand des Datensatzes (auch als ETag)"),
            text("name", "Name (Pflicht)"), text("short_name", "Kurzname"),
            text("kind", "Art", enum=tuple(ORGANISATION_KINDS)), text("sector", "Bereich", enum=tuple(SECTORS)),
            text("ags", "Amtlicher Gemeindeschlüssel"),
            Field("parent_id", "integer", "Übergeordnete Organisation", writable=True, nullable=True),
            Field("municipality_id", "integer", "Gemeinde", writable=True, nullable=True),
            text("street", "Straße"), text("po_box", "Postfach"), text("postcode", "PLZ"), text("city", "Ort"),
            text("country", "Land (ISO-Code)"), text("email", "E-Mail"), text("phone", "Telefon"),
            text("fax", "Fax"), text("website", "Website"),
            Field("tags", "string[]", "Schlagworte", writable=True, get=_names("tags")),
            Field("fields_of_action", "integer[]", "Handlungsfelder (Kennungen)", writable=True,
                  get=_ids("fields_of_action")),
            Field("target_groups", "integer[]", "Zielgruppen (Kennungen)", writable=True, get=_ids("target_groups")),
            text("notes", "Notizen"),
            Field("archived", "boolean", "Archiviert", get=_archived),
            Field("created_at", "datetime", "Angelegt"), Field("updated_at", "datetime", "Zuletzt geändert"),
        ],
        filters=[
            Filter("q", "string", "Suchwörter wie in der Schnellsuche", search),
            Filter("kind", "string", "Art der Organisation", lambda stmt, v: stmt.where(Organisation.kind == v)),
            Filter("sector", "string", "Bereich", lambda stmt, v: stmt.where(Organisation.sector == v)),
            Filter("archived", "boolean", "Archivierte (true) statt aktive (false, Standard)",
                   lambda stmt, v: stmt.where(Organisation.archived_at.isnot(None) if v
                                              else Organisation.archived_at.is_(None))),
            Filter("updated_since", "datetime", "Geändert seit (ISO 8601)", _since(Organisation.updated_at)),
        ],
        writer=Writer(form=_page_form("crm.contacts.views", "_organisation_form"),
                      save=_page_service("crm.contacts.services", "save_organisation"), to_form={
            "tags": ", ".join, "parent_id": lambda v: v or 0, "municipality_id": lambda v: v or 0}),
    )


# ------------------------------------------------------------------ read-only resources


def _read_only_resources() -> list[Resource]:
    ident = Field("id", "integer", "Kennung")
    return [
        _function_resource(ident),
        _body_resource(ident),
        _seat_resource(ident),
        _project_resource(ident),
        _interaction_resource(ident),
        _task_resource(ident),
    ]


def _function_resource(ident: Field) -> Resource:
    """A person's function at an organisation (Affiliation), written through the function form and
    crm.contacts.services.save_affiliation. The catalogue function (function_id) or a free text
    (function_label), as in the form; `function` is the name as letters write it (read only)."""
    from crm.contacts import services
    from crm.contacts.models import Affiliation, Person
    from crm.core.errors import DomainError

    def form(record, formdata):
        from crm.contacts.views import _affiliation_form

        formdata = formdata.copy()
        person = db.session.get(Person, formdata.get("person_id", type=int) or 0)
        if formdata.get("is_primary") == "auto":  # not sent: as the form offers it, primary if no other runs
            others = [a for a in person.current_affiliations if a is not record] if person is not None else []
            formdata.setlist("is_primary", ["y"] if not others else [])
        built = _affiliation_form(formdata=formdata, meta={"csrf": False})
        built.api_person = person
        return built

    def save(affiliation, data):
        person = data.pop("api_person")
        if affiliation is None:
            if person is None:
                raise DomainError(_("Not found."), field="person_id")
            return services.save_affiliation(person, None, data)
        if person is not affiliation.person:
            raise DomainError(_("This field cannot be changed."), field="person_id")
        return services.save_affiliation(affiliation.person, affiliation, data)

    def eq(column):
        return lambda stmt, value: stmt.where(column == value)

    text = lambda name, description: Field(name, "string", description, writable=True)  # noqa: E731
    day = lambda name, description: Field(name, "date", description, writable=True, nullable=True)  # noqa: E731
    return Resource(
        name="functions", title="Funktionen (Person bei Organisation)", model=Affiliation,
        fields=[ident, Field("version", "integer", "Stand (auch als ETag)"),
                Field("person_id", "integer", "Person (Pflicht beim Anlegen, danach fest)", writable=True),
                Field("organisation_id", "integer", "Organisation (Pflicht)", writable=True, nullable=True),
                Field("function_id", "integer", "Funktion aus dem Katalog (oder function_label)", writable=True,
                      nullable=True),
                text("function_label", "Funktion als freier Text, wenn sie nicht im Katalog steht"),
                Field("function", "string", "Funktion, wie sie in Briefen steht", get=lambda a: a.function_name),
                text("department", "Abteilung"), text("email", "E-Mail (dienstlich)"),
                text("phone", "Telefon (dienstlich)"), text("mobile", "Mobil (dienstlich)"),
                day("valid_from", "Seit"), day("valid_to", "Bis"),
                Field("is_primary", "boolean", "Hauptfunktion (beim Anlegen ohne Angabe oder null: ja, wenn die "
                      "Person keine andere laufende Funktion hat, wie im Formular)", writable=True, nullable=True),
                Field("updated_at", "datetime", "Zuletzt geändert")],
        filters=[Filter("person_id", "integer", "Person", eq(Affiliation.person_id)),
                 Filter("organisation_id", "integer", "Organisation", eq(Affiliation.organisation_id)),
                 Filter("current", "boolean", "Nur heute gültige (true) oder nur beendete (false)",
                        _current(Affiliation))],
        writer=Writer(form=form, save=save, data=lambda built: dict(built.data, api_person=built.api_person),
                      to_form={"organisation_id": lambda v: v or "", "function_id": lambda v: v or 0,
                               "is_primary": lambda v: "auto" if v is None else v},
                      rename={"organisation_label": "organisation_id"}),
    )


def _german_number(value):
    """A JSON number as the forms' German input ("12500,5"); a string goes to the form as sent."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(Decimal(str(value)).normalize(), "f").replace(".", ",")
    return value


def _body_resource(ident: Field) -> Resource:
    from crm.network.models import BODY_KINDS, Body

    text = lambda name, description, **kw: Field(name, "string", description, writable=True, **kw)  # noqa: E731
    share = lambda name, description: Field(name, "number", description, writable=True, default=Decimal(  # noqa: E731
        {"quorum_share": 50, "max_group_share": 49, "min_non_public_share": 50}[name]))
    return Resource(
        name="bodies", title="Gremien", model=Body,
        fields=[ident, Field("version", "integer", "Stand"), text("name", "Name (Pflicht)"),
                text("short_name", "Kurzname"), text("kind", "Art", enum=tuple(BODY_KINDS)),
                Field("parent_id", "integer", "Übergeordnetes Gremium", writable=True, nullable=True),
                Field("fields_of_action", "integer[]", "Handlungsfelder (Kennungen)", writable=True,
                      get=_ids("fields_of_action")),
                text("description", "Beschreibung"),
                share("quorum_share", "Beschlussfähigkeit: Anteil der Stimmberechtigten (%)"),
                share("max_group_share", "Höchstanteil einer Interessengruppe (%, 100: keine Prüfung)"),
                share("min_non_public_share", "Mindestanteil nicht-öffentlicher Stimmen (%, 0: keine Prüfung)"),
                Field("archived", "boolean", "Archiviert", get=_archived),
                Field("updated_at", "datetime", "Zuletzt geändert")],
        filters=[Filter("kind", "string", "Art", lambda stmt, v: stmt.where(Body.kind == v))],
        writer=Writer(form=_page_form("crm.network.views", "_body_form"),
                      save=_page_service("crm.network.services", "save_body"), to_form={
            "parent_id": lambda v: v or 0, "quorum_share": _german_number, "max_group_share": _german_number,
            "min_non_public_share": _german_number}),
    )


def _seat_resource(ident: Field) -> Resource:
    from crm.core.errors import DomainError
    from crm.network import services
    from crm.network.models import SEAT_ROLES, Body, Seat

    pickers = {"person_id": "person_label", "organisation_id": "organisation_label", "deputy_id": "deputy_label"}

    def form(record, formdata):
        from crm.network.forms import SeatForm
        from crm.network.views import _seat_form_setup

        formdata = formdata.copy()
        for id_field, label_field in pickers.items():  # the pickers' labels: the service checks the ids
            formdata[label_field] = "#" + formdata[id_field] if formdata.get(id_field) else ""
        built = _seat_form_setup(SeatForm(formdata=formdata, meta={"csrf": False}),
                                 record.interest_group if record is not None else None)
        built.api_body_id = formdata.get("body_id", type=int)
        return built

    def save(seat, data):
        if seat is None:
            body = db.session.get(Body, data["body_id"] or 0)
            if body is None:
                raise DomainError(_("Not found."), field="body_id")
            return services.add_seat(body, data)
        if data["body_id"] != seat.body_id:
            raise DomainError(_("This field cannot be changed."), field="body_id")
        return services.correct_seat(seat, data)  # as the form's "correct a mistake"; the audit keeps the old

    def eq(column):
        return lambda stmt, value: stmt.where(column == value)

    def warnings(seat):
        """The body's composition as its page shows it after the seat form saved: on the day the seat counts
        (today while it runs, else its first day)."""
        from crm.core import time as clock

        today = clock.today()
        runs = seat.valid_from <= today and (seat.valid_to is None or seat.valid_to >= today)
        return services.composition_warnings(seat.body, today if runs else seat.valid_from)

    ref = lambda name, description: Field(name, "integer", description, writable=True, nullable=True)  # noqa: E731
    zero = lambda v: v or 0  # noqa: E731
    return Resource(
        name="seats", title="Sitze in Gremien", model=Seat, warnings=warnings,
        warnings_description=(
            "Wie das Sitz-Formular speichert die API einen Sitz auch dann, wenn das Gremium danach eine "
            "LEADER-Regel verletzt (eine Interessengruppe über dem Höchstanteil, z. B. 49 %, oder die öffentliche "
            "Hand mit zu vielen Stimmen); die Seite des Gremiums zeigt das als Warnung. Die Antwort auf POST und "
            "PATCH nennt diese Warnungen in `warnings` (Art und deutsche Meldung, wie auf der Seite des Gremiums), "
            "für den Tag, an dem der Sitz zählt (heute, solange er läuft, sonst sein erster Tag); leer, wenn die "
            "Zusammensetzung den Regeln entspricht. GET liefert `warnings` nicht."),
        fields=[ident, Field("version", "integer", "Stand"),
                Field("body_id", "integer", "Gremium (Pflicht beim Anlegen, danach fest)", writable=True),
                Field("person_id", "integer", "Person (Pflicht)", writable=True, nullable=True),
                ref("organisation_id", "Vertretene Organisation"),
                Field("role", "string", "Rolle", writable=True, enum=tuple(SEAT_ROLES), default="member"),
                Field("voting", "boolean", "Stimmberechtigt", writable=True, default=True),
                ref("interest_group_id", "Interessengruppe"), ref("deputy_id", "Stellvertretung (Person)"),
                Field("valid_from", "date", "Seit (Pflicht)", writable=True, nullable=True),
                Field("valid_to", "date", "Bis", writable=True, nullable=True),
                Field("resolution", "string", "Beschluss, der den Sitz vergab oder änderte", writable=True)],
        filters=[Filter("body_id", "integer", "Gremium", eq(Seat.body_id)),
                 Filter("person_id", "integer", "Person", eq(Seat.person_id)),
                 Filter("current", "boolean", "Nur heute besetzte (true) oder nur beendete (false)",
                        _current(Seat))],
        writer=Writer(form=form, save=save, to_form={"interest_group_id": zero},
                      data=lambda form: form.seat_data() | {"body_id": form.api_body_id},
                      rename={label: id_field for id_field, label in pickers.items()}),
    )


def _interaction_resource(ident: Field) -> Resource:
    from flask import g

    from crm.core.formatting import BERLIN, to_berlin
    from crm.interactions import services
    from crm.interactions.models import INTERACTION_KINDS, Interaction

    lists = {"persons": "person_ids", "organisations": "organisation_ids"}  # the API's names -> the form's

    def form(record, formdata):
        from crm.interactions.views import _interaction_form

        formdata = formdata.copy()
        for name, form_name in lists.items():
            formdata.setlist(form_name, formdata.poplist(name))
        return _interaction_form(record, formdata=formdata, meta={"csrf": False})

    def local_minute(value):
        """ISO 8601 (without a zone: UTC) -> the form's local time in Berlin."""
        at = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return to_berlin(at).strftime("%Y-%m-%dT%H:%M")

    def data(built):
        local = built.occurred_at.data.replace(tzinfo=BERLIN)
        return dict(built.data, occurred_at=local.astimezone(timezone.utc))

    def save(interaction, values):
        return services.save_interaction(interaction, values, g.api_token.user)

    zero = lambda v: v or 0  # noqa: E731
    ref = lambda name, description: Field(name, "integer", description, writable=True, nullable=True)  # noqa: E731
    return Resource(
        name="interactions", title="Interaktionen", model=Interaction,
        fields=[ident, Field("version", "integer", "Stand"),
                Field("occurred_at", "datetime", "Zeitpunkt (ISO 8601, ohne Zeitzone: UTC; auf die Minute)",
                      writable=True, default=" "),
                Field("kind", "string", "Art", writable=True, enum=tuple(INTERACTION_KINDS), default="phone"),
                Field("subject", "string", "Betreff (Pflicht)", writable=True),
                Field("results", "string", "Ergebnisse", writable=True),
                ref("project_id", "Projekt (ein laufendes)"), ref("meeting_id", "Termin"),
                Field("persons", "integer[]", "Beteiligte Personen (mindestens eine Person oder Organisation)",
                      writable=True, get=_ids("persons")),
                Field("organisations", "integer[]", "Beteiligte Organisationen", writable=True,
                      get=_ids("organisations")),
                Field("fields_of_action", "integer[]", "Handlungsfelder", writable=True, get=_ids("fields_of_action")),
                Field("updated_at", "datetime", "Zuletzt geändert")],
        filters=[Filter("kind", "string", "Art", lambda stmt, v: stmt.where(Interaction.kind == v)),
                 Filter("since", "datetime", "Seit (Zeitpunkt)", _since(Interaction.occurred_at))],
        writer=Writer(form=form, save=save, data=data, to_form={
            "occurred_at": lambda v: local_minute(v) if v and v.strip() else "",
            "project_id": zero, "meeting_id": zero},
            rename={form_name: name for name, form_name in lists.items()}),
    )


def _project_resource(ident: Field) -> Resource:
    from crm.projects.models import COOPERATION, PROGRAMMES, PROJECT_STATUSES, Project

    text = lambda name, description, **kw: Field(name, "string", description, writable=True, **kw)  # noqa: E731
    money = lambda name, description: Field(name, "number", description  # noqa: E731
                                            + " – als Zahl oder wie im Formular („12.500,50“)",
                                            writable=True, nullable=True)
    day = lambda name, description: Field(name, "date", description, writable=True, nullable=True)  # noqa: E731
    return Resource(
        name="projects", title="Projekte", model=Project,
        fields=[ident, Field("version", "integer", "Stand"), text("title", "Titel (Pflicht)"),
                text("description", "Beschreibung"),
                text("status", "Status", enum=tuple(PROJECT_STATUSES), default="idea"),
                text("programme", "Förderprogramm", enum=tuple(PROGRAMMES), default="leader"),
                text("project_type", "Projektart (aus den Förderstandards)"),
                text("cooperation", "Kooperation", enum=tuple(COOPERATION)),
                Field("sponsor_person_id", "integer", "Projektträger (Person)", writable=True, nullable=True),
                Field("sponsor_organisation_id", "integer", "Projektträger (Organisation)", writable=True,
                      nullable=True),
                Field("fields_of_action", "integer[]", "Handlungsfelder (Kennungen)", writable=True,
                      get=_ids("fields_of_action")),
                money("total_cost", "Gesamtkosten (EUR)"), money("eligible_cost", "Förderfähige Kosten (EUR)"),
                money("funding_rate", "Fördersatz (%)"), money("funding_amount", "Zuschuss (EUR)"),
                day("start_date", "Beginn"), day("end_date", "Ende"),
                day("selected_on", "Von der LAG ausgewählt am"), day("approved_on", "Bewilligt am"),
                Field("updated_at", "datetime", "Zuletzt geändert")],
        filters=[Filter("status", "string", "Status", lambda stmt, v: stmt.where(Project.status == v)),
                 Filter("updated_since", "datetime", "Geändert seit", _since(Project.updated_at))],
        writer=Writer(form=_page_form("crm.projects.views", "_project_form"),
                      save=_page_service("crm.projects.services", "save_project"), to_form={
            "total_cost": _german_number, "eligible_cost": _german_number, "funding_rate": _german_number,
            "funding_amount": _german_number}),
    )


def _task_resource(ident: Field) -> Resource:
    from flask import g

    from crm.interactions import services
    from crm.interactions.models import Task

    def save(task, data):
        return services.save_task(task, data, g.api_token.user)

    def after(task, payload):
        if payload.get("status") == "done" and task.status != "done":
            services.complete_task(task)
        elif payload.get("status") == "open" and task.status != "open":
            services.reopen_task(task)

    def eq(column):
        return lambda stmt, value: stmt.where(column == value)

    ref = lambda name, description: Field(name, "integer", description, writable=True, nullable=True)  # noqa: E731
    zero = lambda v: v or 0  # noqa: E731  (the form's "none" choice)
    return Resource(
        name="tasks", title="Aufgaben", model=Task, versioned=False,
        fields=[ident, Field("title", "string", "Titel (Pflicht)", writable=True),
                Field("notes", "string", "Notizen", writable=True),
                Field("due_on", "date", "Fällig am", writable=True, nullable=True),
                Field("status", "string", "Status: open (offen) oder done (erledigt)", writable=True,
                      enum=("open", "done")),
                Field("completed_at", "datetime", "Erledigt am", nullable=True),
                ref("assignee_id", "Zuständig (Benutzer; ohne Angabe: wer anlegt)"),
                Field("interaction_id", "integer", "Interaktion", nullable=True),
                ref("person_id", "Person"), ref("organisation_id", "Organisation"), ref("project_id", "Projekt"),
                Field("updated_at", "datetime", "Zuletzt geändert")],
        filters=[Filter("status", "string", "Status (open, done)", eq(Task.status)),
                 Filter("assignee_id", "integer", "Zuständig", eq(Task.assignee_id))],
        writer=Writer(form=_page_form("crm.interactions.views", "_task_form"), save=save, after=after, to_form={
            # the form offers the user itself as "me" (0)
            "assignee_id": lambda v: 0 if not v or v == g.api_token.user.id else v,
            "person_id": zero, "organisation_id": zero, "project_id": zero}),
    )


_RESOURCES: dict[str, Resource] | None = None


def resources() -> dict[str, Resource]:
    global _RESOURCES
    if _RESOURCES is None:
        items = [_person_resource(), _organisation_resource(), *_read_only_resources()]
        _RESOURCES = {r.name: r for r in items}
    return _RESOURCES


def get(name: str) -> Resource | None:
    return resources().get(name)


def load(resource: Resource, record_id: int):
    return db.session.get(resource.model, record_id)
