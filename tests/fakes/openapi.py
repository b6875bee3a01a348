"""The Spotify Web API description as a checker, for the fake Spotify server and its tests.

It loads `shared/specs/spotify-web-api/fixed-spotify-open-api.yml` once and answers two questions
with openapi-core: is this request one the API accepts (path, method, parameters, body), and is this
response one the API may give (status, content type, body schema). On top of openapi-core, which
lets unknown query parameters through, it rejects query parameters the operation does not declare,
because the real API ignores them silently and a client relying on one would be relying on nothing.
Each finding is a plain sentence; an empty list means conforming.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

DEFAULT_SPEC_PATH = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "specs"
    / "spotify-web-api"
    / "fixed-spotify-open-api.yml"
)
SERVER = "https://api.spotify.com"  # the spec's server is https://api.spotify.com/v1
BASE_PATH = "/v1"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    query_names: frozenset[str]


class SpotifyApiSpec:
    def __init__(self, path: Path = DEFAULT_SPEC_PATH) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"Spotify Web API description not found at {path}")
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        with warnings.catch_warnings():  # oauth2 security is "unsupported" there; we check tokens
            warnings.simplefilter("ignore")
            self.openapi = OpenAPI.from_dict(raw)
        self.operations = _operations(raw)

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation serving `path` (below /v1); literal paths win over templated ones."""
        found = [
            op
            for op in self.operations
            if op.method == method.lower() and op.pattern.fullmatch(path)
        ]
        found.sort(key=lambda op: op.template.count("{"))
        return found[0] if found else None

    def request_problems(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        body: bytes,
        content_type: str | None,
    ) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {BASE_PATH}{path} is not an operation of the Spotify Web API"]
        problems = [
            f"query parameter {name!r} is not declared for {method} {operation.template}"
            for name in dict(query)
            if name not in operation.query_names
        ]
        request = self._request(method, path, query, body, content_type)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.openapi.validate_request(request)
            except Exception as exc:  # openapi-core raises one of many OpenAPIError kinds
                problems.append(_describe(exc))
        return problems

    def response_problems(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        status: int,
        body: bytes,
        content_type: str,
    ) -> list[str]:
        request = self._request(method, path, query, b"", None)
        response = MockResponse(body, status_code=status, content_type=content_type)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.openapi.validate_response(request, response)
            except Exception as exc:
                return [f"response {status}: {_describe(exc)}"]
        return []

    @staticmethod
    def _request(
        method: str,
        path: str,
        query: list[tuple[str, str]],
        body: bytes,
        content_type: str | None,
    ) -> MockRequest:
        return MockRequest(
            SERVER,
            method,
            BASE_PATH + path,
            args=query,  # type: ignore[arg-type]  # a list of pairs keeps repeated names
            data=body or None,
            content_type=(content_type or "application/json").split(";")[0].strip(),
        )


@cache
def load_spec(path: Path = DEFAULT_SPEC_PATH) -> SpotifyApiSpec:
    return SpotifyApiSpec(path)


def _operations(raw: dict[str, Any]) -> list[Operation]:
    shared = raw["components"].get("parameters", {})
    operations = []
    for template, item in raw["paths"].items():
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))
        common = item.get("parameters", [])
        for method, spec in item.items():
            if method == "parameters":
                continue
            params = [_resolve(p, shared) for p in (*common, *spec.get("parameters", []))]
            names = frozenset(p["name"] for p in params if p.get("in") == "query")
            operations.append(Operation(method, template, pattern, names))
    return operations


def _resolve(param: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    ref = param.get("$ref")
    return shared[ref.rsplit("/", 1)[-1]] if ref else param


def _describe(exc: Exception) -> str:
    text = str(exc)
    cause = exc.__cause__
    details = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None)
    if details:
        text += ": " + "; ".join(getattr(e, "message", str(e)) for e in details)
    elif cause is not None and str(cause) not in text:
        text += f": {cause}"
    return text


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()
