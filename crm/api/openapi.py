"""The OpenAPI 3.1 description of /api/v1, generated from the resource declarations (resources.py)."""
from __future__ import annotations

from crm.api import resources

JSON_TYPES = {
    "string": {"type": "string"}, "integer": {"type": "integer"}, "boolean": {"type": "boolean"},
    "number": {"type": "number"}, "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "string[]": {"type": "array", "items": {"type": "string"}},
    "integer[]": {"type": "array", "items": {"type": "integer"}},
}
ERRORS = {"$ref": "#/components/schemas/Problem"}


def _field_schema(field: resources.Field) -> dict:
    schema = dict(JSON_TYPES[field.type])
    if field.nullable:
        schema["type"] = [schema["type"], "null"]
    if field.enum:
        schema["enum"] = list(field.enum) + ([None] if field.nullable else [])
    schema["description"] = field.description
    return schema


WARNINGS = {"type": "array", "readOnly": True, "items": {
    "type": "object", "required": ["kind", "message"], "additionalProperties": False,
    "properties": {"kind": {"type": "string", "description": "Art der Warnung, z. B. group_over_limit"},
                   "message": {"type": "string", "description": "Die Meldung auf Deutsch"}}}}


def _record_schema(resource: resources.Resource) -> dict:
    schema = {"type": "object", "additionalProperties": False, "required": [f.name for f in resource.fields],
              "properties": {f.name: _field_schema(f) | ({} if f.writable else {"readOnly": True})
                             for f in resource.fields}}
    if resource.warnings is not None:  # only in the answers to POST and PATCH
        schema["properties"]["warnings"] = WARNINGS | {"description": resource.warnings_description}
    return schema


def _input_field_schema(field: resources.Field) -> dict:
    """As in answers; a number may also come as a German amount ("12.500,50"), as the forms take it."""
    schema = _field_schema(field)
    if field.type == "number":
        schema["type"] = ["number", "string"] + (["null"] if field.nullable else [])
    return schema


def _input_schema(resource: resources.Resource) -> dict:
    return {"type": "object", "additionalProperties": False,
            "properties": {f.name: _input_field_schema(f) for f in resource.fields if f.writable}}


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERRORS}}}


def spec() -> dict:
    paths: dict = {}
    schemas: dict = {"Problem": {
        "type": "object", "required": ["message"],
        "properties": {"message": {"type": "string"},
                       "errors": {"type": "object", "additionalProperties": {"type": "array",
                                                                             "items": {"type": "string"}},
                                  "description": "Meldungen je Feld (Feldname als Schlüssel)"}}}}
    common = {"401": _problem("Kein oder kein gültiges Token"), "429": _problem("Zu viele Anfragen")}
    for resource in resources.resources().values():
        name = resource.schema_name
        schemas[name] = _record_schema(resource)
        schemas[f"{name}List"] = {"type": "object", "required": ["items", "next_cursor"], "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
            "next_cursor": {"type": ["string", "null"], "description": "Für die nächste Seite als ?cursor= senden"}}}
        one = {"description": resource.title, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{name}"}}}}
        if resource.versioned:
            one["headers"] = {"ETag": {"schema": {"type": "string"}, "description": "Stand; bei PATCH als If-Match"}}
        parameters = [{"name": f.name, "in": "query", "required": False, "description": f.description,
                       "schema": JSON_TYPES[f.type]} for f in resource.filters]
        parameters += [{"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
                       {"name": "limit", "in": "query", "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}]
        collection = {"get": {"tags": [resource.name], "summary": f"{resource.title}: Liste",
                              "operationId": f"list_{resource.name}", "parameters": parameters,
                              "responses": {"200": {"description": "Eine Seite", "content": {"application/json": {
                                  "schema": {"$ref": f"#/components/schemas/{name}List"}}}},
                                  "400": _problem("Fehler in den Parametern")} | common}}
        item_path = {"get": {"tags": [resource.name], "summary": f"{resource.title}: ein Datensatz",
                             "operationId": f"get_{resource.name}",
                             "responses": {"200": one, "304": {"description": "Unverändert (If-None-Match)"},
                                           "404": _problem("Nicht gefunden")} | common},
                     "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]}
        if resource.writer is not None:
            body = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{name}Input"}}}}
            schemas[f"{name}Input"] = _input_schema(resource)
            write_errors = {"403": _problem("Token nur zum Lesen oder Rolle ohne Änderungsrecht"),
                            "422": _problem("Fehler in den Daten; nichts gespeichert")}
            notes = {"description": resource.warnings_description} if resource.warnings_description else {}
            collection["post"] = {"tags": [resource.name], "summary": f"{resource.title}: anlegen", **notes,
                                  "operationId": f"create_{resource.name}", "requestBody": body,
                                  "responses": {"201": one} | write_errors | common}
            item_path["patch"] = {
                "tags": [resource.name], "summary": f"{resource.title}: ändern (nur die gesendeten Felder)",
                "operationId": f"update_{resource.name}", "requestBody": body, **notes,
                "parameters": [{"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
                                "description": "Das ETag des gelesenen Stands"}],
                "responses": {"200": one, "404": _problem("Nicht gefunden"),
                              "412": _problem("Inzwischen geändert; nichts gespeichert"),
                              "428": _problem("If-Match fehlt")} | write_errors | common}
        paths[f"/api/v1/{resource.name}"] = collection
        paths[f"/api/v1/{resource.name}/{{id}}"] = item_path
    return {
        "openapi": "3.1.0",
        "info": {"title": "RegioNetz API", "version": "1",
                 "description": "Kontakte, Gremien, Projekte, Interaktionen und Aufgaben von RegioNetz. Anmeldung "
                                "mit einem API-Token (Authorization: Bearer …), erzeugt unter „API-Zugang“."},
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    }
