"""Who works with whom: the network of persons, organisations, bodies and projects as nodes and edges.

Edges, each kind read in one query (no query per node):

- function: a person's function at an organisation (crm.contacts Affiliation);
- seat: a person's seat in a body, and the organisation the seat represents, to the body;
- project: the sponsoring organisation or person, and the persons involved, to the project;
- interaction: two persons who appear in the same interaction (weight: how many interactions).
  Interactions with more than MAX_INTERACTION_PERSONS persons (a large event) are left out: they say
  little about who works with whom and would tie everyone to everyone.

Without a period the network is today's (current functions and seats, all projects and interactions);
with one, what was active at some time in it. The field of action keeps the edges whose context lies
in it: the body of a seat, the project, the interaction, the person or organisation of a function.

Archived records are left out. The result is cut to the `limit` best-connected nodes, and says so.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from crm.contacts.models import Affiliation, Organisation, Person, organisation_field, person_field
from crm.core import time as clock
from crm.extensions import db

NODE_KINDS = {
    "person": _l("Person"),
    "organisation": _l("Organisation"),
    "body": _l("Body"),
    "project": _l("Project"),
}
EDGE_KINDS = {
    "function": _l("Function at an organisation"),
    "seat": _l("Seat in a body"),
    "project": _l("Involved in a project"),
    "interaction": _l("Met in an interaction"),
}
# Colours of the node kinds, on the page (legend, list) and in the drawn graph.
NODE_COLOURS = {"person": "#1f77b4", "organisation": "#ff7f0e", "body": "#2ca02c", "project": "#9467bd"}
PREFIX = {"person": "p", "organisation": "o", "body": "b", "project": "r"}
DEFAULT_LIMIT = 150
MAX_LIMIT = 600
MAX_INTERACTION_PERSONS = 25


@dataclass
class GraphFilter:
    kinds: frozenset = frozenset(NODE_KINDS)
    field_id: int | None = None
    start: date | None = None
    end: date | None = None
    limit: int = DEFAULT_LIMIT


@dataclass
class Graph:
    nodes: list = field(default_factory=list)  # dicts: id, kind, label, url, degree
    edges: list = field(default_factory=list)  # dicts: source, target, kind, weight
    total_nodes: int = 0
    total_edges: int = 0
    limit: int = DEFAULT_LIMIT

    @property
    def truncated(self) -> bool:
        return self.total_nodes > len(self.nodes)

    def as_json(self) -> dict:
        return {"nodes": self.nodes, "edges": self.edges, "total_nodes": self.total_nodes,
                "total_edges": self.total_edges, "truncated": self.truncated, "limit": self.limit}


def _period(f: GraphFilter) -> tuple[date, date]:
    """The first and last day that count; today for both without a period."""
    today = clock.today()
    if f.start is None and f.end is None:
        return today, today
    return f.start or date.min, f.end or date.max


def _overlaps(start_col, end_col, first: date, last: date):
    """A record valid from start_col to end_col (both may be open: NULL) touches [first, last]."""
    return and_(or_(start_col.is_(None), start_col <= last), or_(end_col.is_(None), end_col >= first))


def _function_edges(f: GraphFilter, first: date, last: date):
    q = (select(Affiliation.person_id, Affiliation.organisation_id)
         .join(Person, Person.id == Affiliation.person_id)
         .join(Organisation, Organisation.id == Affiliation.organisation_id)
         .where(Person.archived_at.is_(None), Organisation.archived_at.is_(None),
                _overlaps(Affiliation.valid_from, Affiliation.valid_to, first, last))
         .distinct())
    if f.field_id:
        q = q.where(or_(
            Affiliation.person_id.in_(select(person_field.c.person_id)
                                      .where(person_field.c.field_of_action_id == f.field_id)),
            Affiliation.organisation_id.in_(select(organisation_field.c.organisation_id)
                                            .where(organisation_field.c.field_of_action_id == f.field_id)),
        ))
    for person_id, org_id in db.session.execute(q):
        yield ("person", person_id), ("organisation", org_id), "function", 1


def _seat_edges(f: GraphFilter, first: date, last: date):
    from crm.network.models import Body, Seat, body_field

    base = (select(Seat.person_id, Seat.organisation_id, Seat.body_id)
            .join(Body, Body.id == Seat.body_id)
            .join(Person, Person.id == Seat.person_id)
            .where(Body.archived_at.is_(None), Person.archived_at.is_(None),
                   _overlaps(Seat.valid_from, Seat.valid_to, first, last)))
    if f.field_id:
        base = base.where(Seat.body_id.in_(select(body_field.c.body_id)
                                           .where(body_field.c.field_of_action_id == f.field_id)))
    archived_orgs = set(db.session.scalars(select(Organisation.id).where(Organisation.archived_at.is_not(None))))
    seen = set()
    for person_id, org_id, body_id in db.session.execute(base):
        for end in (("person", person_id), ("organisation", org_id)):
            if end[1] is None or (end[0] == "organisation" and end[1] in archived_orgs):
                continue
            if (end, body_id) not in seen:
                seen.add((end, body_id))
                yield end, ("body", body_id), "seat", 1


def _project_edges(f: GraphFilter, first: date, last: date):
    from crm.projects.models import Project, ProjectContact, project_field

    conditions = [Project.archived_at.is_(None)]
    if f.start is not None or f.end is not None:
        conditions.append(_overlaps(Project.start_date, Project.end_date, first, last))
    if f.field_id:
        conditions.append(Project.id.in_(select(project_field.c.project_id)
                                         .where(project_field.c.field_of_action_id == f.field_id)))
    archived_people = select(Person.id).where(Person.archived_at.is_not(None))
    archived_orgs = select(Organisation.id).where(Organisation.archived_at.is_not(None))
    sponsors = db.session.execute(
        select(Project.id, Project.sponsor_person_id, Project.sponsor_organisation_id).where(*conditions)).all()
    hidden_people = set(db.session.scalars(archived_people))
    hidden_orgs = set(db.session.scalars(archived_orgs))
    seen = set()
    for project_id, person_id, org_id in sponsors:
        if person_id is not None and person_id not in hidden_people:
            seen.add((person_id, project_id))
            yield ("person", person_id), ("project", project_id), "project", 1
        if org_id is not None and org_id not in hidden_orgs:
            yield ("organisation", org_id), ("project", project_id), "project", 1
    contacts = (select(ProjectContact.person_id, ProjectContact.project_id)
                .join(Project, Project.id == ProjectContact.project_id)
                .where(*conditions, ProjectContact.person_id.not_in(archived_people)).distinct())
    for person_id, project_id in db.session.execute(contacts):
        if (person_id, project_id) not in seen:
            yield ("person", person_id), ("project", project_id), "project", 1


def _interaction_edges(f: GraphFilter, first: date, last: date):
    from crm.interactions.models import Interaction, interaction_field, interaction_person

    a, b = interaction_person.alias("a"), interaction_person.alias("b")
    small = (select(interaction_person.c.interaction_id).group_by(interaction_person.c.interaction_id)
             .having(func.count() <= MAX_INTERACTION_PERSONS))
    q = (select(a.c.person_id, b.c.person_id, func.count())
         .join(b, and_(b.c.interaction_id == a.c.interaction_id, b.c.person_id > a.c.person_id))
         .where(a.c.interaction_id.in_(small),
                a.c.person_id.not_in(select(Person.id).where(Person.archived_at.is_not(None))),
                b.c.person_id.not_in(select(Person.id).where(Person.archived_at.is_not(None))))
         .group_by(a.c.person_id, b.c.person_id))
    if f.start is not None or f.end is not None:
        zone = clock.region_zone()
        window = select(Interaction.id)
        if f.start is not None:
            window = window.where(Interaction.occurred_at >= datetime.combine(f.start, time(), zone))
        if f.end is not None:
            window = window.where(Interaction.occurred_at < datetime.combine(f.end + timedelta(days=1), time(), zone))
        q = q.where(a.c.interaction_id.in_(window))
    if f.field_id:
        q = q.where(a.c.interaction_id.in_(select(interaction_field.c.interaction_id)
                                           .where(interaction_field.c.field_of_action_id == f.field_id)))
    for left, right, weight in db.session.execute(q):
        yield ("person", left), ("person", right), "interaction", weight


EDGE_SOURCES = {"function": _function_edges, "seat": _seat_edges, "project": _project_edges,
                "interaction": _interaction_edges}
# Which node kinds an edge kind needs at all (a source whose nodes are all filtered away is not read).
EDGE_NEEDS = {"function": {"person", "organisation"}, "seat": {"body"}, "project": {"project"},
              "interaction": {"person"}}


def _labels(keep: set) -> dict:
    """(kind, id) -> (label, url) for the kept nodes: one query per kind."""
    from crm.network.models import Body
    from crm.projects.models import Project

    by_kind = {}
    for kind, node_id in keep:
        by_kind.setdefault(kind, []).append(node_id)
    out = {}
    if ids := by_kind.get("person"):
        for p in db.session.scalars(select(Person).where(Person.id.in_(ids))):
            out["person", p.id] = (p.full_name, url_for("contacts.person_detail", person_id=p.id))
    if ids := by_kind.get("organisation"):
        for oid, name in db.session.execute(select(Organisation.id, Organisation.name)
                                            .where(Organisation.id.in_(ids))):
            out["organisation", oid] = (name, url_for("contacts.organisation_detail", org_id=oid))
    if ids := by_kind.get("body"):
        for bid, name in db.session.execute(select(Body.id, Body.name).where(Body.id.in_(ids))):
            out["body", bid] = (name, url_for("network.body_detail", body_id=bid))
    if ids := by_kind.get("project"):
        for pid, title in db.session.execute(select(Project.id, Project.title).where(Project.id.in_(ids))):
            out["project", pid] = (title, url_for("projects.project_detail", project_id=pid))
    return out


def build_graph(f: GraphFilter) -> Graph:
    first, last = _period(f)
    edges: dict = {}
    for kind, source in EDGE_SOURCES.items():
        if not (EDGE_NEEDS[kind] & f.kinds):
            continue
        for left, right, edge_kind, weight in source(f, first, last):
            if left[0] not in f.kinds or right[0] not in f.kinds:
                continue
            key = (left, right, edge_kind)
            edges[key] = edges.get(key, 0) + weight
    degree: dict = {}
    for left, right, _kind in edges:
        degree[left] = degree.get(left, 0) + 1
        degree[right] = degree.get(right, 0) + 1
    ranked = sorted(degree, key=lambda n: (-degree[n], n[0], n[1]))
    keep = set(ranked[:f.limit])
    labels = _labels(keep)
    keep = {n for n in keep if n in labels}  # a node whose record vanished meanwhile is no node

    def node_id(n) -> str:
        return f"{PREFIX[n[0]]}{n[1]}"

    kept_edges = [(key, weight) for key, weight in sorted(edges.items()) if key[0] in keep and key[1] in keep]
    if len(keep) < len(degree):  # after a cut, a node whose every neighbour was cut away is only noise
        keep = {n for key, _w in kept_edges for n in key[:2]}
    graph = Graph(total_nodes=len(degree), total_edges=len(edges), limit=f.limit)
    graph.nodes = sorted(({"id": node_id(n), "kind": n[0], "label": labels[n][0], "url": labels[n][1],
                           "degree": degree[n]} for n in keep),
                         key=lambda d: (list(NODE_KINDS).index(d["kind"]), d["label"].casefold(), d["id"]))
    graph.edges = [{"source": node_id(left), "target": node_id(right), "kind": kind, "weight": weight}
                   for (left, right, kind), weight in kept_edges]
    return graph
