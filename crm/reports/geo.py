"""Municipality shapes: GeoJSON in, checked features and an inline SVG map out. Pure code, no database.

The states publish their municipality boundaries as open data (e.g. the VG250 of the BKG), keyed
by the Amtlicher Gemeindeschlüssel (AGS, 8 digits) or the Regionalschlüssel (ARS/RS, 12 digits,
whose first five and last three digits are the AGS). Coordinates are WGS84 longitude/latitude.
"""
import json
import math
from dataclasses import dataclass, field

from flask_babel import gettext as _

from crm.core.errors import DomainError

# Property names that carry the key, in the order they are tried (compared without case).
AGS_KEYS = ("ags", "ags_0", "gemeindeschluessel", "gemeindeschlüssel", "gkz", "ags8")
ARS_KEYS = ("ars", "rs", "ars_0", "rs_0", "regionalschluessel", "regionalschlüssel")
SHAPE_TYPES = ("Polygon", "MultiPolygon")


def feature_ags(properties) -> str:
    """The 8-digit AGS of a feature's properties, or "" when it has none."""
    if not isinstance(properties, dict):
        return ""
    folded = {str(k).casefold(): v for k, v in properties.items()}
    for key in AGS_KEYS:
        value = folded.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool):
            digits = str(value).strip()
            if digits.isdigit() and 7 <= len(digits) <= 8:
                return digits.zfill(8)  # a number in the file loses Bavaria's leading zero (9676111)
    for key in ARS_KEYS:
        value = folded.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool):
            digits = str(value).strip()
            if digits.isdigit() and 11 <= len(digits) <= 12:
                digits = digits.zfill(12)
                return digits[:5] + digits[-3:]
    return ""


def _valid_ring(ring) -> bool:
    return (isinstance(ring, list) and len(ring) >= 3
            and all(isinstance(p, list | tuple) and len(p) >= 2
                    and all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in p[:2])
                    for p in ring))


def _polygons(geometry) -> list:
    """The polygons (lists of rings) of a Polygon or MultiPolygon; [] for anything else or broken."""
    if not isinstance(geometry, dict) or geometry.get("type") not in SHAPE_TYPES:
        return []
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        return []
    polygons = coords if geometry["type"] == "MultiPolygon" else [coords]
    out = []
    for polygon in polygons:
        if isinstance(polygon, list):
            rings = [[[float(p[0]), float(p[1])] for p in ring] for ring in polygon if _valid_ring(ring)]
            if rings:
                out.append(rings)
    return out


@dataclass
class ParsedShapes:
    shapes: list = field(default_factory=list)  # [{"ags", "geometry"}] of the matched features
    feature_count: int = 0
    with_ags: int = 0
    unmatched: list = field(default_factory=list)  # AGS in the file that match no municipality


def parse_shapes(data: bytes, known_ags: set[str], max_bytes: int = 10 * 1024 * 1024) -> ParsedShapes:
    """Check an uploaded GeoJSON file against the municipalities' AGS; DomainError says what is wrong."""
    if not data:
        raise DomainError(_("Please choose a file."), field="file")
    if len(data) > max_bytes:
        raise DomainError(_("The file is too large (at most %(limit)s MB).", limit=max_bytes // 1024 // 1024),
                          field="file")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise DomainError(_("The file is not valid GeoJSON: it cannot be read as JSON."), field="file") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"),
                                                                                             list):
        raise DomainError(_("The file is not a GeoJSON FeatureCollection (a list of features with shapes)."),
                          field="file")
    parsed = ParsedShapes(feature_count=len(doc["features"]))
    seen = set()
    for feature in doc["features"]:
        if not isinstance(feature, dict):
            continue
        ags = feature_ags(feature.get("properties"))
        if not ags:
            continue
        parsed.with_ags += 1
        polygons = _polygons(feature.get("geometry"))
        if ags not in known_ags:
            parsed.unmatched.append(ags)
            continue
        if not polygons or ags in seen:
            continue
        seen.add(ags)
        parsed.shapes.append({"ags": ags, "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    if not parsed.with_ags:
        raise DomainError(_("No feature of the file has an AGS property (AGS, or the 12-digit ARS/RS); "
                            "the map cannot tell which shape is which municipality."), field="file")
    if not parsed.shapes:
        raise DomainError(_("None of the %(count)s AGS in the file belongs to a municipality recorded here "
                            "(organisations of kind municipality with their AGS).", count=parsed.with_ags),
                          field="file")
    return parsed


@dataclass
class MapShape:
    ags: str
    path: str  # SVG path data
    label_x: float
    label_y: float


@dataclass
class SvgMap:
    width: float
    height: float
    shapes: list[MapShape]


def project(shapes: list[dict], width: float = 800.0, pad: float = 6.0) -> SvgMap:
    """Equirectangular projection with the longitude scaled by cos(mean latitude): good enough for a
    region of a few dozen kilometres. North is up; the map fills `width`."""
    points = [p for s in shapes for polygon in s["geometry"]["coordinates"] for ring in polygon for p in ring]
    if not points:
        return SvgMap(width, 0, [])
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    x0, x1 = min(lons) * k, max(lons) * k
    y0, y1 = min(lats), max(lats)
    span = max(x1 - x0, y1 - y0, 1e-9)
    scale = (width - 2 * pad) / max(x1 - x0, span / 4)
    height = (y1 - y0) * scale + 2 * pad

    def xy(p):
        return (p[0] * k - x0) * scale + pad, (y1 - p[1]) * scale + pad

    out = []
    for s in shapes:
        parts, biggest, best = [], None, -1.0
        for polygon in s["geometry"]["coordinates"]:
            for i, ring in enumerate(polygon):
                pts = [xy(p) for p in ring]
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
                if i == 0:
                    area = abs(_ring_area(pts))
                    if area > best:
                        best, biggest = area, pts
        cx, cy = _centroid(biggest) if biggest else (0.0, 0.0)
        out.append(MapShape(s["ags"], "".join(parts), round(cx, 1), round(cy, 1)))
    return SvgMap(round(width, 1), round(height, 1), out)


def _ring_area(pts) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1])) / 2


def _centroid(pts) -> tuple[float, float]:
    a = _ring_area(pts)
    if abs(a) < 1e-9:
        return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))
    return cx / (6 * a), cy / (6 * a)


# Light to dark, colour-blind safe (ColorBrewer "Blues"); grey for none.
NONE_COLOUR = "#eeeeee"
CLASS_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")


@dataclass
class ColourClass:
    low: int
    high: int
    colour: str


def colour_classes(values: list[int]) -> list[ColourClass]:
    """Up to four classes for the values above zero, split at their quantiles (so a single large town
    does not leave every village in the lightest class); 0 has its own grey."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    bounds, start = [], positive[0]
    n = len(CLASS_COLOURS)
    for i in range(1, n + 1):
        high = positive[min(len(positive) - 1, math.ceil(i * len(positive) / n) - 1)]
        if high >= start:
            bounds.append((start, high))
            start = high + 1
    return [ColourClass(low, high, CLASS_COLOURS[round(i * (n - 1) / max(len(bounds) - 1, 1))])
            for i, (low, high) in enumerate(bounds)]


def colour_for(value: int, classes: list[ColourClass]) -> str:
    for c in classes:
        if c.low <= value <= c.high:
            return c.colour
    return NONE_COLOUR
