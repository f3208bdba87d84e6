"""The Admin API contract: find an operation by method + path, validate bodies against it.

The spec is the admin subset of OpenAI's official OpenAPI document, vendored in
`tests/fakes/openapi/admin-openapi.json` (its README names the upstream version and digest).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:openai:admin-openapi"
SPEC_PATH = Path(__file__).resolve().parent / "openapi" / "admin-openapi.json"


class SpecViolation(AssertionError):
    """The fake produced (or was asked for) something the spec does not allow."""


def spec_path() -> Path:
    """The vendored spec (never a file outside the repository)."""
    return SPEC_PATH


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # e.g. /organization/projects/{project_id}
    spec: dict[str, Any]

    def parameter(self, name: str) -> dict[str, Any] | None:
        for param in self.spec.get("parameters", []):
            if param.get("name") == name:
                return param
        return None

    def enum_of(self, name: str) -> list[str] | None:
        param = self.parameter(name)
        if param is None:
            return None
        schema = param.get("schema", {})
        return schema.get("items", schema).get("enum")


class Spec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self._routes: list[tuple[re.Pattern[str], str, int]] = []
        for template in document["paths"]:
            pattern = re.sub(r"\\\{[^/]+?\\\}", "([^/]+)", re.escape(template))
            literal = len(re.sub(r"\{[^/]+\}", "", template))
            self._routes.append((re.compile(f"^{pattern}$"), template, literal))
        # Literal segments win over parameters (/certificates/activate vs /{certificate_id}).
        self._routes.sort(key=lambda r: -r[2])

    def operation(self, method: str, path: str) -> Operation | None:
        for regex, template, _ in self._routes:
            if regex.match(path):
                op = self.document["paths"][template].get(method.lower())
                if op is not None:
                    return Operation(method.upper(), template, op)
        return None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node and node["$ref"].startswith("#/components/responses/"):
            node = self.document["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def response_schema(self, op: Operation, status: int) -> dict[str, Any] | None:
        responses = op.spec.get("responses", {})
        response = responses.get(str(status))
        if response is None and status >= 400:
            return {"$ref": "#/components/schemas/ErrorResponse"}
        if response is None:
            return None
        content = self._resolve(response).get("content", {}).get("application/json")
        return None if content is None else content.get("schema")

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            rooted = json.loads(key.replace('"#/components/', f'"{SPEC_URI}#/components/'))
            self._validators[key] = Draft202012Validator(rooted, registry=self.registry)
        return self._validators[key]

    def validate_response(self, method: str, path: str, status: int, body: Any) -> None:
        op = self.operation(method, path)
        if op is None:
            if status >= 400:
                schema: dict[str, Any] | None = {"$ref": "#/components/schemas/ErrorResponse"}
            else:
                raise SpecViolation(f"{method} {path} is not an operation of the spec")
        else:
            schema = self.response_schema(op, status)
        if schema is None:
            raise SpecViolation(f"the spec declares no {status} JSON response for {method} {path}")
        errors = sorted(self.validator(schema).iter_errors(body), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.absolute_path) or "(root)"
            raise SpecViolation(
                f"{method} {path} → {status}: {len(errors)} spec violation(s); first at {where}: "
                f"{first.message[:300]}"
            )


@cache
def load_spec() -> Spec:
    return Spec(json.loads(spec_path().read_text(encoding="utf-8")))
