"""The REST API, /api/v1/<resource>: lists with filters and cursor pages, single records with ETags,
create (POST) and update (PATCH with If-Match) through the pages' forms and services.

Token authentication (Authorization: Bearer rn_…), scoped read or write; writes also need the
user's role (staff and above). Errors are JSON: {"message": "…", "errors": {"field": ["…"]}},
in German, the same messages as the forms.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from functools import wraps

from flask import Blueprint, g, jsonify, make_response, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from crm.api import resources
from crm.api.openapi import spec
from crm.core.errors import DomainError
from crm.core.permissions import role_at_least
from crm.extensions import csrf, db, limiter

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
LIMIT = "600 per minute"


def problem(status: int, message: str, errors: dict | None = None, headers: dict | None = None):
    body = {"message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _token_key() -> str:
    return request.headers.get("Authorization", "")[-16:] or request.remote_addr or "-"


def authenticated(scope: str = "read"):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from crm.api import tokens

            header = request.headers.get("Authorization", "")
            token = tokens.check(header[7:].strip() if header[:7].lower() == "bearer " else None)
            if token is None:
                db.session.rollback()
                return problem(401, _("Authentication required: a valid API token."),
                               headers={"WWW-Authenticate": 'Bearer realm="RegioNetz"'})
            g._login_user = token.user  # current_user for this request (audit trail), without a session
            g.api_token = token
            if scope == "write":
                if token.scope != "write":
                    db.session.commit()
                    return problem(403, _("This token may only read."))
                if not role_at_least(token.user, "staff"):
                    db.session.commit()
                    return problem(403, _("Your role may read but not change anything."))
            response = make_response(view(*args, **kwargs))
            db.session.commit()
            response.headers["Cache-Control"] = "no-store"
            return response
        return wrapper
    return decorator


def _resource(name: str) -> resources.Resource:
    resource = resources.get(name)
    if resource is None:
        from flask import abort

        abort(problem(404, _("Not found.")))
    return resource


def _version(resource, record) -> int | None:
    """The record's row version; for records without one, the time of the last change in microseconds."""
    if resource.versioned:
        return record.version
    at = getattr(record, "updated_at", None)
    return int(at.timestamp() * 1_000_000) if at is not None else None


def _etag(resource, record) -> str | None:
    version = _version(resource, record)
    return f'"{version}"' if version is not None else None


def _record_response(resource, record, status: int = 200, written: bool = False):
    body = resource.serialize(record, resource.hidden_for(g.api_token.user))
    if written and resource.warnings is not None:
        body["warnings"] = resource.warnings(record)
    response = jsonify(body)
    response.status_code = status
    if (etag := _etag(resource, record)) is not None:
        response.headers["ETag"] = etag
    if status == 201:
        response.headers["Location"] = url_for("api.record", name=resource.name, record_id=record.id)
    return response


# ------------------------------------------------------------------ reading


def _parse(kind: str, raw: str):
    if kind == "integer":
        return int(raw)
    if kind == "boolean":
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise ValueError(raw)
    if kind == "date":
        return date.fromisoformat(raw)
    if kind == "datetime":
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return raw


def _cursor_after(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        after = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))["after"]
        if isinstance(after, int) and after >= 0:
            return after
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    raise ValueError(raw)


def _cursor(after: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


@bp.get("/v1/<name>")
@limiter.limit(LIMIT, key_func=_token_key)
@authenticated("read")
def collection(name: str):
    resource = _resource(name)
    model = resource.model
    known = {f.name: f for f in resource.filters} | {"cursor": None, "limit": None}
    unknown = [key for key in request.args if key not in known]
    errors = {key: [_("Unknown parameter.")] for key in unknown}
    stmt = select(model)
    if "archived" in known and "archived" not in request.args:
        stmt = next(f for f in resource.filters if f.name == "archived").apply(stmt, False)
    for flt in resource.filters:
        if flt.name in request.args:
            try:
                stmt = flt.apply(stmt, _parse(flt.type, request.args[flt.name]))
            except ValueError:
                errors[flt.name] = [_("Not a valid value (expected: %(type)s).", type=_type_words(flt.type))]
    try:
        limit = int(request.args.get("limit", PAGE_SIZE))
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError
    except ValueError:
        errors["limit"] = [_("A whole number from 1 to %(max)s.", max=MAX_PAGE_SIZE)]
        limit = PAGE_SIZE
    try:
        after = _cursor_after(request.args.get("cursor"))
    except ValueError:
        errors["cursor"] = [_("Invalid cursor: take next_cursor from the previous page.")]
        after = None
    if errors:
        return problem(400, _("The request has errors."), errors)
    if after is not None:
        stmt = stmt.where(model.id > after)
    rows = list(db.session.scalars(stmt.order_by(model.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    hidden = resource.hidden_for(g.api_token.user)
    return jsonify({"items": [resource.serialize(r, hidden) for r in rows],
                    "next_cursor": _cursor(rows[-1].id) if more else None})


@bp.get("/v1/<name>/<id:record_id>")
@limiter.limit(LIMIT, key_func=_token_key)
@authenticated("read")
def record(name: str, record_id: int):
    resource = _resource(name)
    row = resources.load(resource, record_id)
    if row is None:
        return problem(404, _("Not found."))
    etag = _etag(resource, row)
    if etag is not None and etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return ("", 304, {"ETag": etag})
    return _record_response(resource, row)


# ------------------------------------------------------------------ writing


def _type_words(kind: str) -> str:
    return {"string": _("text"), "integer": _("a whole number"), "boolean": _("true or false"),
            "date": _("a date as YYYY-MM-DD"), "datetime": _("a time as ISO 8601"), "number": _("a number"),
            "string[]": _("a list of texts"), "integer[]": _("a list of whole numbers")}[kind]


def _type_ok(field: resources.Field, value) -> bool:
    if value is None:
        return field.nullable
    if field.type == "string":
        return isinstance(value, str)
    if field.type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if field.type == "boolean":
        return isinstance(value, bool)
    if field.type == "date":
        try:
            date.fromisoformat(value)
            return isinstance(value, str) and len(value) == 10
        except (TypeError, ValueError):
            return False
    if field.type == "datetime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return True
        except (AttributeError, TypeError, ValueError):
            return False
    if field.type == "number":  # a JSON number or a German amount as the forms take it ("12.500,50")
        return isinstance(value, (int, float, str)) and not isinstance(value, bool)
    if field.type == "string[]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if field.type == "integer[]":
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return False


def _checked_payload(resource) -> tuple[dict | None, dict]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return None, {"": [_("The body must be a JSON object.")]}
    fields = {f.name: f for f in resource.fields}
    errors = {}
    for key, value in payload.items():
        field = fields.get(key)
        if field is None:
            errors[key] = [_("Unknown field.")]
        elif not field.writable:
            errors[key] = [_("This field cannot be changed.")]
        elif not _type_ok(field, value):
            errors[key] = [_("Wrong type: expected %(type)s.", type=_type_words(field.type))
                           + (" " + _("Allowed: %(values)s.", values=", ".join(field.enum)) if field.enum else "")]
        elif field.enum and value not in field.enum:
            errors[key] = [_("Not one of the allowed values: %(values)s.", values=", ".join(field.enum))]
    return payload, errors


def _formdata(writer: resources.Writer, values: dict) -> MultiDict:
    data = MultiDict()
    for key, value in values.items():
        if key in writer.to_form:
            value = writer.to_form[key](value)
        if isinstance(value, bool):
            if value:
                data.add(key, "y")
        elif isinstance(value, list):
            for item in value:
                data.add(key, str(item))
        elif isinstance(value, (date, datetime)):
            data.add(key, value.isoformat())
        elif value is not None:
            data.add(key, str(value))
    return data


def _save(resource, row, payload: dict, seen_version):
    """The form validated with the record's values and the payload over them; then the service."""
    from crm.core.concurrency import StaleEdit, versioned_edit

    writer = resource.writer
    writable = {f.name for f in resource.fields if f.writable}
    current = ({k: v for k, v in resource.serialize(row).items() if k in writable} if row is not None
               else {f.name: f.initial() for f in resource.fields if f.writable})
    values = current | payload
    form = writer.form(row, _formdata(writer, values))
    if not form.validate():
        return None, problem(422, _("The data has errors; nothing was saved."),
                             {writer.rename.get(key, key): [str(m) for m in messages]
                              for key, messages in form.errors.items()})
    try:
        with versioned_edit(row, seen_version if resource.versioned else None):
            saved = writer.save(row, writer.data(form) if writer.data is not None else dict(form.data))
            if writer.after is not None:
                writer.after(saved, payload)
        return saved, None
    except StaleEdit as error:
        db.session.rollback()
        return None, problem(412, error.message)
    except DomainError as error:
        db.session.rollback()
        field = writer.rename.get(error.field, error.field) if error.field else ""
        return None, problem(422, _("The data has errors; nothing was saved."), {field: [error.message]})


@bp.post("/v1/<name>")
@limiter.limit(LIMIT, key_func=_token_key)
@authenticated("write")
def create(name: str):
    resource = _resource(name)
    if resource.writer is None:
        return problem(405, _("This kind of record is read only in the API."))
    payload, errors = _checked_payload(resource)
    if errors:
        return problem(422, _("The data has errors; nothing was saved."), errors)
    saved, failed = _save(resource, None, payload, None)
    if failed is not None:
        return failed
    return _record_response(resource, saved, 201, written=True)


@bp.patch("/v1/<name>/<id:record_id>")
@limiter.limit(LIMIT, key_func=_token_key)
@authenticated("write")
def update(name: str, record_id: int):
    resource = _resource(name)
    if resource.writer is None:
        return problem(405, _("This kind of record is read only in the API."))
    row = resources.load(resource, record_id)
    if row is None:
        return problem(404, _("Not found."))
    if_match = request.headers.get("If-Match", "").strip()
    if not if_match:
        return problem(428, _("Send the ETag of the record you changed in If-Match (optimistic locking)."))
    seen = if_match.removeprefix("W/").strip('"')
    if not seen.isdigit():
        return problem(412, _("If-Match does not name a version of this record."))
    payload, errors = _checked_payload(resource)
    if errors:
        return problem(422, _("The data has errors; nothing was saved."), errors)
    if int(seen) != _version(resource, row):
        return problem(412, _("The record was changed since you read it (now version %(now)s, yours %(seen)s); "
                              "nothing was saved. Read it again.", now=_version(resource, row), seen=seen))
    saved, failed = _save(resource, row, payload, int(seen))
    if failed is not None:
        return failed
    return _record_response(resource, saved, written=True)


# ------------------------------------------------------------------ description


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())
