"""The Admin API contract: find an operation by method + path, validate bodies against it.

The spec is the admin subset of OpenAI's official OpenAPI document, vendored in
`tests/fakes/openapi/admin-openapi.json` (its README names the upstream version and digest).

Each distinct response *shape* is validated once per session (per xdist worker): the shape of a
body is its keys and JSON types, lists as the set of their items' shapes, and the value of every
string under a property the spec restricts to an enum or const (``object``, ``role``, ``type``, …).
An answer whose operation, status and shape were already found valid is not validated again; any
new shape is, and an invalid one fails every time.

A new shape is validated on its *representative*: the body with each list cut to one item per
distinct item shape (a page of 500 results of three shapes is validated as three results). The
spec restricts no response list's length (`minItems`/`maxItems` appear only in a request body,
`tests/unit/test_admin_fake.py` holds that), so the representative validates exactly when the
body does; when it fails, the whole body is validated again for a message naming the first
failing item at its real index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:openai:admin-openapi"
SPEC_PATH = Path(__file__).resolve().parent / "openapi" / "admin-openapi.json"


Shape = str | tuple[Any, ...]


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
        self._valid_shapes: set[tuple[str, str, int, Shape]] = set()
        self._enum_keys = frozenset(_enum_properties(document))
        self.validations = 0  # answers validated in full (not found in the shape cache)
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

    def shape(self, value: Any, key: str | None = None) -> Shape:
        """What decides whether `value` validates, minus values the spec does not restrict."""
        return self.represent(value, key)[0]

    def represent(self, value: Any, key: str | None = None) -> tuple[Shape, Any]:
        """`value`'s shape, and `value` with every list cut to one item per item shape."""
        if isinstance(value, dict):
            pairs = [(k, self.represent(v, k)) for k, v in value.items()]
            shape = ("{}", *sorted(((k, s) for k, (s, _) in pairs), key=_first))
            return shape, {k: r for k, (_, r) in pairs}
        if isinstance(value, list):
            items: dict[Shape, Any] = {}
            for item in value:
                item_shape, reduced = self.represent(item, key)
                items.setdefault(item_shape, reduced)
            return ("[]", frozenset(items)), list(items.values())
        if isinstance(value, str):
            return (("str", value) if key in self._enum_keys else "str"), value
        if value is None:
            return "null", None
        return type(value).__name__, value  # bool, int and float stay apart

    def validate_response(self, method: str, path: str, status: int, body: Any) -> None:
        op = self.operation(method, path)
        shape, representative = self.represent(body)
        seen = (method, op.template if op else path, status, shape)
        if seen in self._valid_shapes:
            return
        try:
            self._validate(op, method, path, status, representative)
        except SpecViolation:
            self._validate(op, method, path, status, body)  # the message names the real item
            raise
        self._valid_shapes.add(seen)

    def _validate(
        self, op: Operation | None, method: str, path: str, status: int, body: Any
    ) -> None:
        self.validations += 1
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


def _first(pair: tuple[str, Shape]) -> str:
    return pair[0]


def _enum_properties(node: Any) -> Iterator[str]:
    """Names of the properties whose schema (anywhere in the document) has an enum or const."""
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            if isinstance(schema, dict) and _restricts_values(schema):
                yield name
        for value in node.values():
            yield from _enum_properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enum_properties(value)


def _restricts_values(schema: dict[str, Any]) -> bool:
    if "enum" in schema or "const" in schema:
        return True
    alternatives = [*schema.get("anyOf", []), *schema.get("oneOf", []), schema.get("items")]
    return any(isinstance(a, dict) and _restricts_values(a) for a in alternatives)


@cache
def load_spec() -> Spec:
    return Spec(json.loads(spec_path().read_text(encoding="utf-8")))
