#!/usr/bin/env python3
"""Validate API pages against the official OpenAPI description (Fixtures/openapi/usage-and-costs.json),
with the project's own entries for what it does not describe yet (Fixtures/openapi/usage-etl-additions.json,
marked `x-usage-etl-own`: the decisions endpoint of the API reference of 2026-11).

Usage: validate_fixtures.py DIR [DIR ...]

Each DIR holds JSON bodies: fixtures (`<name>.json` beside `<name>.query`, whose request line names
the endpoint) or answers recorded by the simulator during the tests (`<endpoint>.<status>.<hash>.json`).
Usage and costs pages are checked against `UsageResponse` (and every result's `object` must be the
one of its endpoint), the admin list endpoints' pages against their list schemas, error bodies
against `ErrorResponse`. Exits 1 naming each file that fails.
"""
import decimal
import json
import pathlib
import sys

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parent.parent
DESCRIPTION = ROOT / "Fixtures" / "openapi" / "usage-and-costs.json"
OWN_ENTRIES = ROOT / "Fixtures" / "openapi" / "usage-etl-additions.json"

RESULT_OBJECTS = {
    "completions": "organization.usage.completions.result",
    "embeddings": "organization.usage.embeddings.result",
    "moderations": "organization.usage.moderations.result",
    "images": "organization.usage.images.result",
    "audio_speeches": "organization.usage.audio_speeches.result",
    "audio_transcriptions": "organization.usage.audio_transcriptions.result",
    "vector_stores": "organization.usage.vector_stores.result",
    "code_interpreter_sessions": "organization.usage.code_interpreter_sessions.result",
    "file_search_calls": "organization.usage.file_searches.result",
    "web_search_calls": "organization.usage.web_searches.result",
    "decisions": "organization.usage.decisions.result",
    "costs": "organization.costs.result",
}

# The admin list endpoints that name projects, users, keys and service accounts.
LIST_SCHEMAS = {
    "projects": "ProjectListResponse",
    "users": "UserListResponse",
    "api_keys": "ProjectApiKeyListResponse",
    "service_accounts": "ProjectServiceAccountListResponse",
    "admin_api_keys": "ApiKeyList",
}


def validator(components, name):
    schema = {"$ref": f"#/components/schemas/{name}", "components": components}
    return jsonschema.Draft202012Validator(schema)


def endpoint_of(path):
    query = path.with_suffix(".query")
    if query.exists():
        for line in query.read_text().splitlines():
            if line.startswith("GET "):
                target = line[4:].split("?", 1)[0]
                return target.rstrip("/").rsplit("/", 1)[-1]
        return None
    return path.name.split(".", 1)[0]


def main(directories):
    components = json.loads(DESCRIPTION.read_text())["components"]
    own = json.loads(OWN_ENTRIES.read_text())["components"]["schemas"]
    components["schemas"].update(own)  # ours add to the official ones and replace them by name
    page_schema = validator(components, "UsageResponse")
    error_schema = validator(components, "ErrorResponse")
    list_schemas = {name: validator(components, schema) for name, schema in LIST_SCHEMAS.items()}
    failures, checked = [], 0
    for directory in map(pathlib.Path, directories):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.json")):
            checked += 1
            endpoint = endpoint_of(path)
            if endpoint not in RESULT_OBJECTS and endpoint not in LIST_SCHEMAS:
                failures.append(f"{path}: cannot tell its endpoint ('{endpoint}')")
                continue
            try:
                document = json.loads(path.read_bytes(), parse_float=decimal.Decimal)
            except ValueError as error:
                failures.append(f"{path}: not JSON: {error}")
                continue
            is_error = isinstance(document, dict) and "error" in document
            schema = error_schema if is_error else list_schemas.get(endpoint, page_schema)
            errors = sorted(schema.iter_errors(document), key=lambda e: list(e.absolute_path))
            for error in errors[:3]:
                where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                failures.append(f"{path}: {where}: {error.message[:300]}")
            if errors or is_error or endpoint in LIST_SCHEMAS:
                continue
            expected = RESULT_OBJECTS[endpoint]
            for b, bucket in enumerate(document["data"]):
                for r, result in enumerate(bucket["results"]):
                    if result.get("object") != expected:
                        failures.append(f"{path}: data/{b}/results/{r}/object: "
                                        f"'{result.get('object')}' is not {expected}")
                        break
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"validate_fixtures: {checked} bodies checked against the official schema and our own entries, {len(failures)} problems")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
