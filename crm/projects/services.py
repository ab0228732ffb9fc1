"""Everything that changes projects or runs a non-trivial query on them. Services flush; views commit.

Money is Decimal throughout; amounts in euros with cents, rates in percent. The plain
functions at the top (parsing, formatting, the funding arithmetic) need no database.
"""
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_decimal
from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, case, exists, func, or_, select, true
from sqlalchemy.orm import aliased, selectinload

from crm.contacts.models import FieldOfAction, Organisation, Person
from crm.contacts.search import ORGANISATION, PERSON, matching_id_subquery
from crm.contacts.services import by_ids
from crm.core.converters import parse_id
from crm.core.errors import DomainError
from crm.core.text import fold
from crm.extensions import db
from crm.projects.models import (
    PROGRAMMES,
    PROJECT_STATUSES,
    FundingDefault,
    Project,
    ProjectContact,
    project_field,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

# The pipeline a project moves along on the board; "dropped" stands aside.
PIPELINE = [status for status in PROJECT_STATUSES if status != "dropped"]
STATUS_ORDER = {status: position for position, status in enumerate(PROJECT_STATUSES)}


# ------------------------------------------------------------------ money (pure)

_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_decimal(raw: str | None) -> Decimal | None:
    """German or plain input: "12.500,50", "12500,5", "12500.50", "12.500", "60 %", "1.000 €" -> Decimal.

    None for an empty input; ValueError for anything that is not a number.
    """
    text = (raw or "").replace("€", "").replace("%", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "")
    text = text.strip()
    if not text:
        return None
    if "," in text:
        integer, _sep, fraction = text.rpartition(",")
        if "," in integer or (integer and "." in integer and not _THOUSANDS.match(integer)):
            raise ValueError(raw)
        text = integer.replace(".", "") + "." + fraction
    elif _THOUSANDS.match(text):  # "12.500": German thousands, not twelve and a half
        text = text.replace(".", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValueError(raw)
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(raw) from exc


def format_eur(value, cents: bool = True) -> str:
    """12500 -> "12.500,00 €" (German, whatever the UI language); "" for None."""
    if value is None or value == "":
        return ""
    # Rounded half up first: babel rounds half to even, and 1.234,50 € shown whole is 1.235 €.
    value = Decimal(value).quantize(CENT if cents else Decimal(1), rounding=ROUND_HALF_UP)
    return format_decimal(value, "#,##0.00" if cents else "#,##0", locale="de") + "\u00a0€"


def format_percent(value) -> str:
    """60 -> "60 %", 62.5 -> "62,5 %"; "" for None."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(value), "#,##0.##", locale="de") + "\u00a0%"


def format_number_input(value, decimals: int = 2) -> str:
    """A value for a form field, German style without the currency sign ("12.500,00")."""
    if value is None or value == "":
        return ""
    pattern = "#,##0.00" if decimals == 2 else "#,##0.##"
    return format_decimal(Decimal(value), pattern, locale="de")


def compute_funding(eligible_cost: Decimal | None, rate: Decimal | None, cap: Decimal | None = None) -> Decimal | None:
    """Eligible cost x rate, to the cent, at most the programme's cap; None if a figure is missing."""
    if eligible_cost is None or rate is None:
        return None
    amount = (Decimal(eligible_cost) * Decimal(rate) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    if cap is not None and amount > cap:
        amount = Decimal(cap).quantize(CENT)
    return amount


def to_cents(value: Decimal | None) -> Decimal | None:
    """Two decimals, as stored (so that the audit log shows 62.50 -> 62.50, not 62.5 -> 62.50)."""
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def next_status(status: str) -> str | None:
    if status not in PIPELINE:
        return None
    position = PIPELINE.index(status)
    return PIPELINE[position + 1] if position + 1 < len(PIPELINE) else None


def previous_status(status: str) -> str | None:
    if status not in PIPELINE:
        return None
    position = PIPELINE.index(status)
    return PIPELINE[position - 1] if position > 0 else None


# ------------------------------------------------------------------ funding defaults


def funding_defaults() -> list[FundingDefault]:
    order = case({key: i for i, key in enumerate(PROGRAMMES)}, value=FundingDefault.programme, else_=len(PROGRAMMES))
    return list(db.session.scalars(select(FundingDefault).order_by(order, FundingDefault.project_type)))


def default_for(programme: str, project_type: str) -> FundingDefault | None:
    """The row for this programme and type, else the programme's general row (empty type)."""
    wanted = (project_type or "").strip().lower()
    rows = db.session.scalars(select(FundingDefault).where(FundingDefault.programme == programme)).all()
    exact = next((r for r in rows if wanted and r.project_type.strip().lower() == wanted), None)
    return exact or next((r for r in rows if not r.project_type), None)


def project_types() -> list[str]:
    """The project types the managers have defined (any programme), alphabetically."""
    rows = db.session.scalars(select(FundingDefault.project_type).where(FundingDefault.project_type != "").distinct())
    return sorted(set(rows), key=fold)


def derived_figures(project: Project) -> dict:
    """Which of the project's figures are what the defaults give anyway.

    The edit form shows those empty (with the derived value as a hint), so that the next save
    derives them again from the then current cost, programme and type instead of freezing them.
    """
    default = default_for(project.programme, project.project_type)
    rate_is_default = default is not None and project.funding_rate is not None and project.funding_rate == default.rate
    computed = compute_funding(project.eligible_cost, project.funding_rate, default.max_amount if default else None)
    amount_is_computed = computed is not None and project.funding_amount == computed
    return {"default": default, "rate_is_default": rate_is_default, "amount_is_computed": amount_is_computed}


def save_funding_default(row: FundingDefault | None, data: dict) -> FundingDefault:
    programme = data.get("programme") or (row.programme if row else "")
    project_type = " ".join((data.get("project_type") if "project_type" in data else row.project_type).split())
    if programme not in PROGRAMMES:
        raise DomainError(_("Please choose a programme."), field="programme")
    clash = db.session.scalar(
        select(FundingDefault).where(
            FundingDefault.programme == programme, func.lower(FundingDefault.project_type) == project_type.lower()
        )
    )
    if clash is not None and clash is not row:
        raise DomainError(
            _("There is a default for this programme and project type already; change its rate instead."),
            field="project_type",
        )
    if row is None:
        row = FundingDefault(programme=programme, project_type=project_type)
        db.session.add(row)
    row.rate = to_cents(data["rate"])
    row.max_amount = to_cents(data.get("max_amount"))
    db.session.flush()
    return row


def delete_funding_default(row: FundingDefault) -> None:
    db.session.delete(row)
    db.session.flush()


# ------------------------------------------------------------------ projects

PROJECT_FIELDS = ("title", "description", "status", "programme", "project_type", "cooperation", "total_cost",
                  "eligible_cost", "start_date", "end_date", "selected_on", "approved_on")
NULLABLE = {"total_cost", "eligible_cost", "start_date", "end_date", "selected_on", "approved_on"}


def _get_by_posted_id(model, value):
    """The record for an id from a form (hidden picker field), None for anything that is not one."""
    value = parse_id(value)
    return db.session.get(model, value) if value else None


def _picked(model, id_value, label: str, field: str, message: str):
    """The record chosen in a picker; a name typed but not picked from the list is an error."""
    record = _get_by_posted_id(model, id_value)
    if record is None and (label or "").strip():
        raise DomainError(message, field=field)
    return record


def resolve_sponsor(data: dict) -> tuple[Person | None, Organisation | None]:
    person = _picked(Person, data.get("sponsor_person_id"), data.get("sponsor_person_label", ""),
                     "sponsor_person_label", _("Please choose the person from the list."))
    org = _picked(Organisation, data.get("sponsor_organisation_id"), data.get("sponsor_organisation_label", ""),
                  "sponsor_organisation_label", _("Please choose the organisation from the list."))
    if person is not None and org is not None:
        raise DomainError(
            _("A project has one sponsor: either a person or an organisation. Please clear one of the two."),
            field="sponsor_organisation_label",
        )
    return person, org


def save_project(project: Project | None, data: dict) -> Project:
    """Create (project=None) or update a project from validated form data.

    An empty funding rate takes the default for the programme and project type; an empty
    funding amount is eligible cost x rate (at most the programme's cap).
    """
    person, org = resolve_sponsor(data)
    if data.get("status", "idea") not in PROJECT_STATUSES:
        raise DomainError(_("Please choose a status."), field="status")
    if project is None:
        project = Project()
        db.session.add(project)
    for name in PROJECT_FIELDS:
        if name in data:
            value = data[name]
            if value is None and name not in NULLABLE:
                value = ""
            setattr(project, name, value)
    project.project_type = " ".join((project.project_type or "").split())
    project.sponsor_person = person
    project.sponsor_organisation = org
    project.fields_of_action = by_ids(FieldOfAction, data.get("fields_of_action"))

    default = default_for(project.programme, project.project_type)
    rate = data.get("funding_rate")
    if rate is None and default is not None:
        rate = default.rate
    amount = data.get("funding_amount")
    if amount is None:
        amount = compute_funding(project.eligible_cost, rate, default.max_amount if default else None)
    project.total_cost = to_cents(project.total_cost)
    project.eligible_cost = to_cents(project.eligible_cost)
    project.funding_rate = to_cents(rate)
    project.funding_amount = to_cents(amount)
    db.session.flush()
    return project


def change_status(project: Project, status: str) -> bool:
    """Move the project to `status`; False if it is there already. The audit log keeps the step."""
    if status not in PROJECT_STATUSES:
        raise DomainError(_("Unknown status."), field="status")
    if project.status == status:
        return False
    project.status = status
    db.session.flush()
    return True


def add_contact(project: Project, person_id, role: str) -> ProjectContact:
    person = _get_by_posted_id(Person, person_id)
    if person is None:
        raise DomainError(_("Please choose the person from the list."), field="person_label")
    if any(c.person_id == person.id for c in project.contacts):
        raise DomainError(
            _("%(name)s is involved in this project already.", name=person.full_name), field="person_label"
        )
    contact = ProjectContact(project=project, person=person, role=" ".join((role or "").split()))
    db.session.add(contact)
    db.session.flush()
    return contact


def remove_contact(contact: ProjectContact) -> None:
    db.session.delete(contact)
    db.session.flush()


# ------------------------------------------------------------------ lists


@dataclass
class ProjectFilters:
    q: str = ""
    status: str = ""  # "": all but dropped (the default: sums count live projects), "all", "open", a status
    programme: str = ""
    field: int | None = None
    sponsor: str = ""  # "organisation:12" or "person:7"
    cooperation: str = ""  # "", "regional", "transnational", "any", "none"
    archived: str = "active"
    sort: str = "status"

    SORTS = ("status", "title", "sponsor", "funding", "cost", "start", "updated")

    @classmethod
    def from_args(cls, args) -> "ProjectFilters":
        field = args.get("field", "")
        status = args.get("status", "")
        programme = args.get("programme", "")
        sponsor = args.get("sponsor", "")
        cooperation = args.get("cooperation", "")
        archived = args.get("archived", "active")
        sort = args.get("sort", "status")
        return cls(
            q=args.get("q", "").strip()[:200],
            status=status if status in PROJECT_STATUSES or status in ("open", "all") else "",
            programme=programme if programme in PROGRAMMES else "",
            field=parse_id(field),
            sponsor=sponsor if re.fullmatch(r"(organisation|person):\d{1,9}", sponsor, re.ASCII) else "",
            cooperation=cooperation if cooperation in ("regional", "transnational", "any", "none") else "",
            archived=archived if archived in ("active", "archived", "all") else "active",
            sort=sort if sort in cls.SORTS else "status",
        )

    @property
    def active(self) -> bool:
        return any((self.q, self.status, self.programme, self.field, self.sponsor, self.cooperation,
                    self.archived != "active"))

    def args(self, **changes) -> dict:
        """The filters as URL arguments (for links that keep them), without empty ones."""
        values = {"q": self.q, "status": self.status, "programme": self.programme, "field": self.field or "",
                  "sponsor": self.sponsor, "cooperation": self.cooperation,
                  "archived": "" if self.archived == "active" else self.archived,
                  "sort": "" if self.sort == "status" else self.sort}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def _status_rank():
    return case(STATUS_ORDER, value=Project.status, else_=len(STATUS_ORDER))


def filtered_projects(f: ProjectFilters, with_status: bool = True) -> Select:
    """Projects matching the filters (the board ignores the status filter: it shows every column)."""
    stmt = select(Project)
    if f.archived == "active":
        stmt = stmt.where(Project.archived_at.is_(None))
    elif f.archived == "archived":
        stmt = stmt.where(Project.archived_at.is_not(None))
    if with_status and f.status == "open":
        stmt = stmt.where(Project.status.not_in(("done", "dropped")))
    elif with_status and not f.status:
        stmt = stmt.where(Project.status != "dropped")
    elif with_status and f.status != "all":
        stmt = stmt.where(Project.status == f.status)
    if f.programme:
        stmt = stmt.where(Project.programme == f.programme)
    if f.field:
        stmt = stmt.where(exists().where(project_field.c.project_id == Project.id,
                                         project_field.c.field_of_action_id == f.field))
    if f.sponsor:
        kind, _sep, ident = f.sponsor.partition(":")
        column = Project.sponsor_organisation_id if kind == "organisation" else Project.sponsor_person_id
        stmt = stmt.where(column == int(ident))
    if f.cooperation == "any":
        stmt = stmt.where(Project.cooperation != "")
    elif f.cooperation == "none":
        stmt = stmt.where(Project.cooperation == "")
    elif f.cooperation:
        stmt = stmt.where(Project.cooperation == f.cooperation)
    if f.q:
        stmt = stmt.where(_text_clause(f.q))
    return stmt


def _text_clause(q: str):
    """Every word in title, type or description, or the whole query matches the sponsor's name."""
    words = fold(q).split()
    in_text = [Project.search_text.contains(word, autoescape=True) for word in words]
    options = [and_(*in_text)] if in_text else []
    org_ids = matching_id_subquery(ORGANISATION, q)
    if org_ids is not None:
        options.append(Project.sponsor_organisation_id.in_(org_ids))
    person_ids = matching_id_subquery(PERSON, q)
    if person_ids is not None:
        options.append(Project.sponsor_person_id.in_(person_ids))
    return or_(*options) if options else true()


def _list_options():
    return (
        selectinload(Project.sponsor_person),
        selectinload(Project.sponsor_organisation),
        selectinload(Project.fields_of_action),
    )


def project_list_query(f: ProjectFilters) -> Select:
    stmt = filtered_projects(f)
    if f.sort == "sponsor":
        org, person = aliased(Organisation), aliased(Person)
        stmt = stmt.outerjoin(org, org.id == Project.sponsor_organisation_id).outerjoin(
            person, person.id == Project.sponsor_person_id
        )
        order = (func.coalesce(org.sort_name, person.sort_name, "~").asc(), Project.sort_title, Project.id)
    else:
        order = {
            "status": (_status_rank(), Project.sort_title, Project.id),
            "title": (Project.sort_title, Project.id),
            "funding": (Project.funding_amount.is_(None), Project.funding_amount.desc(), Project.id),
            "cost": (Project.total_cost.is_(None), Project.total_cost.desc(), Project.id),
            "start": (Project.start_date.is_(None), Project.start_date.desc(), Project.id),
            "updated": (Project.updated_at.desc(), Project.id.desc()),
        }[f.sort]
    return stmt.order_by(*order).options(*_list_options())


@dataclass
class BoardColumn:
    status: str
    label: str
    projects: list
    funding_total: Decimal

    @property
    def count(self) -> int:
        return len(self.projects)


def board_columns(f: ProjectFilters) -> list[BoardColumn]:
    projects = db.session.scalars(
        filtered_projects(f, with_status=False)
        .order_by(Project.updated_at.desc(), Project.id.desc())
        .options(selectinload(Project.sponsor_person), selectinload(Project.sponsor_organisation))
    ).all()
    columns = []
    for status, label in PROJECT_STATUSES.items():
        in_column = [p for p in projects if p.status == status]
        total = sum((p.funding_amount for p in in_column if p.funding_amount is not None), Decimal(0))
        columns.append(BoardColumn(status, str(label), in_column, total))
    return columns


def sponsor_choices() -> list[tuple[str, str]]:
    """Every organisation and person sponsoring at least one project, for the list filter."""
    orgs = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(select(Project.sponsor_organisation_id)))
        .order_by(Organisation.sort_name)
    ).all()
    persons = db.session.scalars(
        select(Person).where(Person.id.in_(select(Project.sponsor_person_id))).order_by(Person.sort_name)
    ).all()
    return [(f"organisation:{o.id}", o.name) for o in orgs] + [(f"person:{p.id}", p.full_name) for p in persons]


@cache
def _projects_of_person_statement():
    # Built once per process (the person page runs it on every request; building it cost more than running it).
    person_id = bindparam("person_id")
    return (select(Project, ProjectContact.role, ProjectContact.id)
            .outerjoin(ProjectContact,
                       (ProjectContact.project_id == Project.id) & (ProjectContact.person_id == person_id))
            .where(or_(Project.sponsor_person_id == person_id, ProjectContact.id.is_not(None)))
            .order_by(_status_rank(), Project.sort_title, Project.id))


def projects_of_person(person: Person) -> list[tuple[Project, str]]:
    """(project, how the person is involved) for projects the person sponsors or works on."""
    rows = db.session.execute(_projects_of_person_statement(), {"person_id": person.id}).all()
    out, seen = [], set()
    for project, role, contact_id in rows:
        if project.id in seen:
            continue
        seen.add(project.id)
        involvement = []
        if project.sponsor_person_id == person.id:
            involvement.append(_("Sponsor"))
        if contact_id is not None:
            involvement.append(role or _("Contact"))
        out.append((project, " · ".join(involvement)))
    return out


def projects_of_organisation(org: Organisation) -> list[Project]:
    return list(
        db.session.scalars(
            select(Project)
            .where(Project.sponsor_organisation_id == org.id)
            .order_by(_status_rank(), Project.sort_title, Project.id)
        )
    )
