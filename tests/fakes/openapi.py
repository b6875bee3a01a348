"""An OpenAPI description as a checker, for the fakes that speak an HTTP API and their tests.

Two descriptions are used: Spotify's Web API (`shared/specs/spotify-web-api/fixed-spotify-open-api.yml`)
for the fake Spotify, and Discord's own HTTP API description (`shared/specs/discord-api/openapi.json`,
OpenAPI 3.1) for the fake Discord. Each is loaded once per process and answers two questions with
openapi-core: is this request one the API accepts (path, method, parameters, security, body), and is
this response one the API may give (status, content type, body schema). On top of openapi-core,
which lets unknown query parameters through, it rejects query parameters the operation does not
declare, because the real API ignores them silently and a client relying on one would be relying on
nothing. Each finding is a plain sentence; an empty list means conforming.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
DEFAULT_SPEC_PATH = SPECS / "spotify-web-api" / "fixed-spotify-open-api.yml"
DISCORD_SPEC_PATH = SPECS / "discord-api" / "openapi.json"
SERVER = "https://api.spotify.com"  # the spec's server is https://api.spotify.com/v1
BASE_PATH = "/v1"
DISCORD_SERVER = "https://discord.com"  # the spec's server is https://discord.com/api/v10
DISCORD_BASE_PATH = "/api/v10"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    query_names: frozenset[str]


class ApiSpec:
    """One API's description: `server` + `base_path` + an operation's path is a request's URL."""

    def __init__(
        self,
        path: Path,
        *,
        name: str,
        server: str,
        base_path: str,
        check_description: bool = True,
    ) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"{name} description not found at {path}")
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        # Checking a large description against the OpenAPI meta-schema takes seconds; a vendor's
        # published one (Discord's, 1.2 MB) is trusted as it is and only used.
        config = Config() if check_description else Config(spec_validator_cls=None)
        with warnings.catch_warnings():  # oauth2 security is "unsupported" there; we check tokens
            warnings.simplefilter("ignore")
            self.openapi = OpenAPI.from_dict(raw, config=config)
        self.name = name
        self.server = server
        self.base_path = base_path
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
        headers: Mapping[str, str] | None = None,
    ) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {self.base_path}{path} is not an operation of the {self.name}"]
        problems = [
            f"query parameter {name!r} is not declared for {method} {operation.template}"
            for name in dict(query)
            if name not in operation.query_names
        ]
        request = self._request(method, path, query, body, content_type, headers)
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
        request = self._request(method, path, query, b"", None, None)
        response = MockResponse(body, status_code=status, content_type=content_type)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.openapi.validate_response(request, response)
            except Exception as exc:
                return [f"response {status}: {_describe(exc)}"]
        return []

    def _request(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        body: bytes,
        content_type: str | None,
        headers: Mapping[str, str] | None,
    ) -> MockRequest:
        return MockRequest(
            self.server,
            method,
            self.base_path + path,
            args=query,  # type: ignore[arg-type]  # a list of pairs keeps repeated names
            headers=dict(headers or {}),
            data=body or None,
            content_type=(content_type or "application/json").split(";")[0].strip(),
        )


class SpotifyApiSpec(ApiSpec):
    def __init__(self, path: Path = DEFAULT_SPEC_PATH) -> None:
        super().__init__(path, name="Spotify Web API", server=SERVER, base_path=BASE_PATH)


@cache
def load_spec(path: Path = DEFAULT_SPEC_PATH) -> SpotifyApiSpec:
    return SpotifyApiSpec(path)


@cache
def load_discord_spec(path: Path = DISCORD_SPEC_PATH) -> ApiSpec:
    return ApiSpec(
        path,
        name="Discord HTTP API",
        server=DISCORD_SERVER,
        base_path=DISCORD_BASE_PATH,
        check_description=False,
    )


def _operations(raw: dict[str, Any]) -> list[Operation]:
    shared = raw.get("components", {}).get("parameters", {})
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
