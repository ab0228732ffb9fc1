"""The map of the region's municipalities: stored shapes, activity per municipality, demo shapes.

A municipality's area is what the person list's municipality filter means
(crm.contacts.services._in_municipality): the municipality itself, the organisations located in it
(`municipality_id`) and those under it (`parent_id`). Each measure counts per municipality in one
grouped query, so that the count behind a shape is the one its link shows:

- contacts: active persons with a current function at an organisation of the area;
- projects: projects (not archived) whose sponsoring organisation lies in the area, or whose sponsoring
  person has a current function there;
- participants: persons registered for a qualification offer (registered, attended or did not come;
  not the cancelled or those on the waitlist) with a current function in the area.

A person with functions in two municipalities counts in both.
"""
import json
import math
import random
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal_column, select, union

from crm.contacts.models import Affiliation, Organisation, Person
from crm.contacts.services import current_affiliation_clause
from crm.extensions import db
from crm.reports import geo
from crm.reports.map_models import MunicipalityMap

MEASURES = {
    "contacts": _l("Contacts (persons)"),
    "projects": _l("Projects"),
    "participants": _l("Participants in qualification offers"),
}


def municipalities() -> dict[str, tuple[int, str]]:
    """AGS -> (id, name) of the active municipalities that have an AGS."""
    rows = db.session.execute(
        select(Organisation.ags, Organisation.id, Organisation.short_name, Organisation.name)
        .where(Organisation.kind == "municipality", Organisation.archived_at.is_(None), Organisation.ags != "")
    ).all()
    return {ags: (oid, short or name) for ags, oid, short, name in rows}


def current_map() -> MunicipalityMap | None:
    return db.session.scalar(select(MunicipalityMap).order_by(MunicipalityMap.id.desc()).limit(1))


def max_upload_bytes() -> int:
    """As large as an import file may be (no request may be larger, see config.py)."""
    return current_app.config.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024)


def save_shapes(data: bytes, filename: str, user_id: int | None = None) -> tuple[MunicipalityMap, geo.ParsedShapes]:
    """Store an uploaded GeoJSON file as the map; DomainError (nothing stored) when it does not fit."""
    parsed = geo.parse_shapes(data, set(municipalities()), max_upload_bytes())
    record = MunicipalityMap(filename=(filename or "").replace("\\", "/").rsplit("/", 1)[-1][:255],
                             shapes=json.dumps(parsed.shapes, separators=(",", ":")),
                             feature_count=parsed.feature_count, matched_count=len(parsed.shapes),
                             uploaded_by_id=user_id)
    db.session.add(record)
    db.session.flush()
    return record, parsed


def _area():
    """(organisation_id, municipality_id) pairs: which municipality an organisation counts for."""
    muni = select(Organisation.id).where(Organisation.kind == "municipality")
    return union(
        select(Organisation.id.label("org_id"), Organisation.id.label("muni_id"))
        .where(Organisation.kind == "municipality"),
        select(Organisation.id, Organisation.municipality_id).where(Organisation.municipality_id.in_(muni)),
        select(Organisation.id, Organisation.parent_id).where(Organisation.parent_id.in_(muni)),
    ).subquery("area")


def activity(measure: str) -> dict[int, int]:
    """municipality id -> count for one of MEASURES, in one query."""
    area = _area()
    if measure == "projects":
        from crm.projects.models import Project

        by_org = (select(area.c.muni_id, Project.id.label("pid"))
                  .join(Project, Project.sponsor_organisation_id == area.c.org_id)
                  .where(Project.archived_at.is_(None)))
        by_person = (select(area.c.muni_id, Project.id)
                     .join(Affiliation, Affiliation.organisation_id == area.c.org_id)
                     .join(Project, Project.sponsor_person_id == Affiliation.person_id)
                     .where(Project.archived_at.is_(None), current_affiliation_clause()))
        pairs = union(by_org, by_person).subquery()
        query = select(pairs.c.muni_id, func.count(literal_column("*"))).group_by(pairs.c.muni_id)
    else:
        query = (select(area.c.muni_id, func.count(Affiliation.person_id.distinct()))
                 .join(Affiliation, Affiliation.organisation_id == area.c.org_id)
                 .join(Person, Person.id == Affiliation.person_id)
                 .where(current_affiliation_clause(), Person.archived_at.is_(None))
                 .group_by(area.c.muni_id))
        if measure == "participants":
            from crm.qualification.models import SEAT_STATUSES, Registration

            registered = select(Registration.person_id).where(Registration.status.in_(SEAT_STATUSES))
            query = query.where(Affiliation.person_id.in_(registered))
    return {muni_id: count for muni_id, count in db.session.execute(query).all()}


@dataclass
class MapRow:
    ags: str
    municipality_id: int
    name: str
    value: int
    colour: str
    shape: geo.MapShape | None


def map_view(measure: str) -> dict:
    """Everything the map page shows: the SVG shapes with their colour, the legend, the table."""
    munis = municipalities()
    counts = activity(measure)
    record = current_map()
    shapes = json.loads(record.shapes) if record else []
    svg = geo.project([s for s in shapes if s["ags"] in munis])
    by_ags = {s.ags: s for s in svg.shapes}
    classes = geo.colour_classes([counts.get(oid, 0) for oid, _name in munis.values()])
    rows = [MapRow(ags, oid, name, counts.get(oid, 0), geo.colour_for(counts.get(oid, 0), classes), by_ags.get(ags))
            for ags, (oid, name) in munis.items()]
    rows.sort(key=lambda r: (-r.value, r.name.casefold()))
    return {"record": record, "svg": svg, "rows": rows, "classes": classes, "none_colour": geo.NONE_COLOUR,
            "without_shape": [r for r in rows if r.shape is None], "total": sum(r.value for r in rows)}


# ------------------------------------------------------------------ demo region


def demo_feature_collection(munis: dict[str, tuple[int, str]], seed: int = 1) -> dict:
    """Plausible shapes for the demo municipalities: a jittered grid around Miltenberg whose cells
    share their corners and wiggly edges, so that neighbours fit together without gaps."""
    rng = random.Random(seed)
    keys = sorted(munis)
    cols = max(1, math.ceil(math.sqrt(len(keys) * 1.6)))
    rows = max(1, math.ceil(len(keys) / cols))
    lon0, lat0, dlon, dlat = 9.02, 49.62, 0.075, 0.05

    corner = {}
    for r in range(rows + 1):
        for c in range(cols + 1):
            inner = 0 < r < rows and 0 < c < cols
            jitter = 0.32 if inner else 0.12
            corner[r, c] = (lon0 + (c + rng.uniform(-jitter, jitter)) * dlon,
                            lat0 + (r + rng.uniform(-jitter, jitter)) * dlat)

    edge_points = {}

    def edge(a, b):
        """Two wiggle points between corners a and b, the same for both cells beside the edge."""
        key = (min(a, b), max(a, b))
        if key not in edge_points:
            (x0, y0), (x1, y1) = corner[key[0]], corner[key[1]]
            pts = []
            for t in (1 / 3, 2 / 3):
                off = rng.uniform(-0.12, 0.12)
                pts.append((x0 + (x1 - x0) * t - (y1 - y0) * off * dlon / dlat,
                            y0 + (y1 - y0) * t + (x1 - x0) * off * dlat / dlon))
            edge_points[key] = pts
        pts = edge_points[key]
        return pts if a < b else list(reversed(pts))

    features = []
    for i, ags in enumerate(keys):
        r, c = divmod(i, cols)
        ring_corners = [(r, c), (r, c + 1), (r + 1, c + 1), (r + 1, c)]
        ring = []
        for a, b in zip(ring_corners, ring_corners[1:] + ring_corners[:1]):
            ring.append(corner[a])
            ring.extend(edge(a, b))
        ring.append(ring[0])
        features.append({"type": "Feature", "properties": {"AGS": ags, "GEN": munis[ags][1]},
                         "geometry": {"type": "Polygon",
                                      "coordinates": [[[round(x, 5), round(y, 5)] for x, y in ring]]}})
    return {"type": "FeatureCollection", "features": features}


def generate_demo_shapes(seed: int = 1) -> None:
    """Demo loader: shapes for the demo region's municipalities (nothing when there are none)."""
    munis = municipalities()
    if not munis:
        return
    data = json.dumps(demo_feature_collection(munis, seed)).encode()
    save_shapes(data, "Demo-Gemeindegrenzen.geojson")
