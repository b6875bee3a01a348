"""A fake Spotify (Web API and accounts service) on loopback, for running the real spotipy against.

`FakeSpotify` is a `ThreadingHTTPServer` on 127.0.0.1 (an ephemeral port unless told otherwise) in a
thread of its own. Its accounts side serves `GET /authorize` (the browser's consent page, approved at
once for the signed-in user) and `POST /api/token` (authorization-code and refresh-token grants, as
Spotify documents them: form-encoded, client authenticated by HTTP Basic or in the body, codes
single-use and bound to their redirect URI, optional refresh-token rotation). Its API side, under
`/v1`, keeps users, playlists with their items and a searchable catalog, and serves `GET /me`,
`POST /me/playlists`, `GET /playlists/{id}`, `GET|POST /playlists/{id}/items` and `GET /search`, with
Spotify's rules: bearer tokens that expire, a development-mode list of allowed users (others get
403), at most 100 items per add, at most 10 search results. Every API request and every response is
checked against the OpenAPI description (`tests.fakes.openapi`), token-endpoint traffic against the
documented grant fields; a violation is recorded in `violations` (and a bad request answered 400).
Tests program faults (`fail_next`: 429 with Retry-After, 401, 5xx), expire tokens, and drive the
browser step (`approve`, `deny`). Run it standalone for demos: `python -m tests.fakes.spotify`.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import re
import secrets
import string
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jsonschema

from tests.fakes.openapi import SpotifyApiSpec, load_spec

CLIENT_ID = "moodwave-fake-client-id"
CLIENT_SECRET = "moodwave-fake-client-secret-0123456789"
REDIRECT_URI = "http://127.0.0.1:8765/spotify/callback"
BASE62 = string.ascii_letters + string.digits
MAX_ITEMS_PER_ADD = 100
CODE_LIFETIME_S = 600
# spotipy adds these to the authorization-code grant; Spotify ignores them.
TOLERATED_TOKEN_FIELDS = frozenset({"scope", "state"})
TOKEN_FIELDS = {
    "authorization_code": ({"grant_type", "code", "redirect_uri"}, {"client_id", "client_secret"}),
    "refresh_token": ({"grant_type", "refresh_token"}, {"client_id", "client_secret"}),
}
TOKEN_RESPONSE_SCHEMA = {
    "type": "object",
    "required": ["access_token", "token_type", "scope", "expires_in"],
    "properties": {
        "access_token": {"type": "string", "minLength": 1},
        "token_type": {"const": "Bearer"},
        "scope": {"type": "string"},
        "expires_in": {"type": "integer", "minimum": 1},
        "refresh_token": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}
TOKEN_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


def spotify_id() -> str:
    return "".join(secrets.choice(BASE62) for _ in range(22))


@dataclass
class FakeUser:
    id: str
    display_name: str
    allowed: bool = True  # on the development-mode app's user list

    def to_api(self, api_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "display_name": self.display_name,
            "type": "user",
            "uri": f"spotify:user:{self.id}",
            "href": f"{api_url}/users/{self.id}",
            "external_urls": {"spotify": f"https://open.spotify.com/user/{self.id}"},
            "images": [],
        }


@dataclass
class FakeTrack:
    id: str
    name: str
    artists: tuple[str, ...]
    album: str = "Fake Album"
    duration_ms: int = 200_000

    @property
    def uri(self) -> str:
        return f"spotify:track:{self.id}"

    def to_api(self, api_url: str) -> dict[str, Any]:
        album_id = "A" + self.id[1:]
        artists = [
            {
                "id": "R" + str(abs(hash(name)))[:21].ljust(21, "0"),
                "name": name,
                "type": "artist",
                "uri": f"spotify:artist:{name}",
                "href": f"{api_url}/artists/x",
                "external_urls": {"spotify": "https://open.spotify.com/artist/x"},
            }
            for name in self.artists
        ]
        return {
            "id": self.id,
            "name": self.name,
            "type": "track",
            "uri": self.uri,
            "href": f"{api_url}/tracks/{self.id}",
            "external_urls": {"spotify": f"https://open.spotify.com/track/{self.id}"},
            "artists": artists,
            "album": {
                "album_type": "album",
                "total_tracks": 10,
                "available_markets": ["SE"],
                "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
                "href": f"{api_url}/albums/{album_id}",
                "id": album_id,
                "images": [],
                "name": self.album,
                "release_date": "2020",
                "release_date_precision": "year",
                "type": "album",
                "uri": f"spotify:album:{album_id}",
                "artists": artists,
            },
            "duration_ms": self.duration_ms,
            "explicit": False,
            "is_local": False,
            "popularity": 50,
            "disc_number": 1,
            "track_number": 1,
            "preview_url": None,
            "external_ids": {},
        }


@dataclass
class FakePlaylist:
    id: str
    owner_id: str
    name: str
    description: str
    public: bool
    collaborative: bool
    items: list[tuple[str, str]] = field(default_factory=list)  # (uri, added_at)
    snapshot: int = 1

    @property
    def uris(self) -> list[str]:
        return [uri for uri, _ in self.items]


@dataclass
class IssuedToken:
    value: str
    user_id: str
    scope: str
    expires_at: float


@dataclass
class _Code:
    user_id: str
    redirect_uri: str
    scope: str
    expires_at: float


@dataclass
class _Fault:
    path: re.Pattern[str]
    method: str | None
    status: int
    times: int
    retry_after: int | None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    user_id: str | None  # whose token it carried (API requests)
    body: str = ""


@dataclass(frozen=True)
class Violation:
    method: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.problem}"


class SpecViolationError(AssertionError):
    pass


class _Reply(Exception):
    """An API answer decided mid-handler (an error or a fault)."""

    def __init__(
        self, status: int, body: Any, headers: Mapping[str, str] | None = None, checked: bool = True
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.checked = checked  # validate against the spec (injected 5xx are not in it)


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, {"error": {"status": status, "message": message}})


class FakeSpotify:
    """Spotify on loopback: start it, point the app's API and accounts URLs at it, play the user."""

    def __init__(
        self,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        redirect_uris: Iterable[str] = (REDIRECT_URI,),
        access_token_lifetime_s: int = 3600,
        rotate_refresh_tokens: bool = False,
        auto_tracks: bool = False,
        port: int = 0,
        spec: SpotifyApiSpec | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)
        self.access_token_lifetime_s = access_token_lifetime_s
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.auto_tracks = auto_tracks  # demos: any well-formed track id exists
        self.spec = spec or load_spec()
        self.users: dict[str, FakeUser] = {}
        self.tracks: dict[str, FakeTrack] = {}
        self.playlists: dict[str, FakePlaylist] = {}
        self.signed_in_user: str | None = None  # who approves a browser visit to /authorize
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, IssuedToken] = {}
        self._refresh: dict[str, IssuedToken] = {}
        self._faults: list[_Fault] = []
        self._requests: list[RecordedRequest] = []
        self._violations: list[Violation] = []
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._snapshots = itertools.count(2)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeSpotify:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-spotify", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeSpotify:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def accounts_url(self) -> str:
        return self.url

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    # -- the world -----------------------------------------------------------------------------

    def add_user(self, user_id: str, display_name: str, allowed: bool = True) -> FakeUser:
        with self._lock:
            user = FakeUser(user_id, display_name, allowed)
            self.users[user_id] = user
            self.signed_in_user = self.signed_in_user or user_id
            return user

    def add_track(
        self, name: str, artists: Iterable[str] | str, track_id: str | None = None
    ) -> FakeTrack:
        names = (artists,) if isinstance(artists, str) else tuple(artists)
        track = FakeTrack(track_id or spotify_id(), name, names)
        with self._lock:
            self.tracks[track.id] = track
        return track

    def playlists_of(self, user_id: str) -> list[FakePlaylist]:
        with self._lock:
            return [p for p in self.playlists.values() if p.owner_id == user_id]

    # -- the browser step of the authorization code flow ---------------------------------------

    def approve(self, authorize_url: str, user_id: str | None = None) -> str:
        """The user signs in and agrees: the address Spotify sends the browser back to."""
        with self._lock:
            query = dict(parse_qsl(urlsplit(authorize_url).query))
            problem = self._authorize_problem(query)
            if problem:
                raise SpecViolationError(f"authorize URL rejected: {problem}")
            who = user_id or self.signed_in_user
            if who not in self.users:
                raise ValueError(f"no fake user {who!r}; add_user first")
            code = secrets.token_urlsafe(24)
            self._codes[code] = _Code(
                who, query["redirect_uri"], query.get("scope", ""), time.time() + CODE_LIFETIME_S
            )
            back = {"code": code, **({"state": query["state"]} if "state" in query else {})}
            return f"{query['redirect_uri']}?{urlencode(back)}"

    def deny(self, authorize_url: str) -> str:
        query = dict(parse_qsl(urlsplit(authorize_url).query))
        back = {"error": "access_denied", **({"state": query["state"]} if "state" in query else {})}
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def _authorize_problem(self, query: Mapping[str, str]) -> str | None:
        if query.get("client_id") != self.client_id:
            return "INVALID_CLIENT: Invalid client"
        if query.get("response_type") != "code":
            return "unsupported_response_type"
        if query.get("redirect_uri") not in self.redirect_uris:
            return "INVALID_CLIENT: Invalid redirect URI"
        return None

    # -- tokens and faults ---------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        """Every access token issued so far expires now (the next API call gets 401)."""
        with self._lock:
            for token in self._access.values():
                token.expires_at = 0

    def revoke_refresh_tokens(self, user_id: str) -> None:
        with self._lock:
            self._refresh = {k: t for k, t in self._refresh.items() if t.user_id != user_id}

    def tokens_of(self, user_id: str) -> set[str]:
        """Every access and refresh token issued for the user (to check none leaks anywhere)."""
        with self._lock:
            issued = [*self._access.values(), *self._refresh.values()]
            return {t.value for t in issued if t.user_id == user_id}

    def fail_next(
        self,
        path: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        method: str | None = None,
    ) -> None:
        """The next `times` API requests whose path (below /v1) matches the regex `path` answer
        `status` (429 carries `Retry-After`; 401 reads as an expired token)."""
        with self._lock:
            self._faults.append(
                _Fault(re.compile(path), method and method.upper(), status, times, retry_after)
            )

    # -- what happened -------------------------------------------------------------------------

    def requests(self, path: str | None = None, method: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self._requests
                if (path is None or re.fullmatch(path, r.path))
                and (method is None or r.method == method.upper())
            ]

    @property
    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    def assert_no_violations(self) -> None:
        found = self.violations
        if found:
            raise SpecViolationError(
                "the fake Spotify saw traffic outside the spec:\n"
                + "\n".join(f"  {v}" for v in found)
            )

    def clear_violations(self) -> None:
        with self._lock:
            self._violations.clear()

    def _violation(self, method: str, path: str, problem: str) -> None:
        with self._lock:
            self._violations.append(Violation(method, path, problem))

    # -- HTTP ----------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._dispatch(self, "GET")

            def do_POST(self) -> None:
                fake._dispatch(self, "POST")

            def do_PUT(self) -> None:
                fake._dispatch(self, "PUT")

            def do_DELETE(self) -> None:
                fake._dispatch(self, "DELETE")

            def log_message(self, format: str, *args: Any) -> None:
                return None  # the request line can carry codes; tests read `requests()` instead

        return Handler

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if parts.path.startswith("/v1/"):
            # Spotify's router serves "/me/" as "/me" (spotipy's `me()` asks for "me/").
            path = parts.path[3:].rstrip("/") or "/"
            self._serve_api(handler, method, path, query, body)
        elif parts.path == "/api/token" and method == "POST":
            self._serve_token(handler, body)
        elif parts.path == "/authorize" and method == "GET":
            self._serve_authorize(handler, parts.query)
        else:
            self._violation(method, parts.path, "not a Spotify accounts or API address")
            _send(handler, 404, {"error": {"status": 404, "message": "Service not found"}})

    # -- accounts service ----------------------------------------------------------------------

    def _serve_authorize(self, handler: BaseHTTPRequestHandler, raw_query: str) -> None:
        try:
            location = self.approve(f"/authorize?{raw_query}")
        except (SpecViolationError, ValueError) as exc:
            _send(handler, 400, {"error": str(exc)})
            return
        _send(handler, 303, b"", {"Location": location})

    def _serve_token(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        content_type = (handler.headers.get("Content-Type") or "").split(";")[0].strip()
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        with self._lock:
            status, answer = self._token_answer(handler, content_type, form)
            schema = TOKEN_RESPONSE_SCHEMA if status == 200 else TOKEN_ERROR_SCHEMA
            try:
                jsonschema.validate(answer, schema)
            except jsonschema.ValidationError as exc:
                self._violation("POST", "/api/token", f"response {status}: {exc.message}")
            self._requests.append(
                RecordedRequest("POST", "/api/token", (), status, None, form.get("grant_type", ""))
            )
        _send(handler, status, answer)

    def _token_answer(
        self, handler: BaseHTTPRequestHandler, content_type: str, form: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if content_type != "application/x-www-form-urlencoded":
            self._violation("POST", "/api/token", f"content type {content_type!r}, not a form")
            return 400, {"error": "invalid_request", "error_description": "Unsupported type"}
        grant = form.get("grant_type", "")
        if grant not in TOKEN_FIELDS:
            self._violation("POST", "/api/token", f"grant_type {grant!r} is not supported")
            return 400, {"error": "unsupported_grant_type"}
        required, optional = TOKEN_FIELDS[grant]
        missing = required - form.keys()
        unknown = form.keys() - required - optional - TOLERATED_TOKEN_FIELDS
        if missing or unknown:
            detail = f"missing {sorted(missing)}, unknown {sorted(unknown)}"
            self._violation("POST", "/api/token", f"{grant} grant: {detail}")
            return 400, {"error": "invalid_request", "error_description": detail}
        if not self._client_authenticated(handler, form):
            return 400, {"error": "invalid_client", "error_description": "Invalid client"}
        if grant == "authorization_code":
            return self._grant_code(form)
        return self._grant_refresh(form)

    def _client_authenticated(self, handler: BaseHTTPRequestHandler, form: dict[str, str]) -> bool:
        header = handler.headers.get("Authorization") or ""
        if header.startswith("Basic "):
            try:
                pair = base64.b64decode(header[6:]).decode()
            except ValueError:
                return False
            return pair == f"{self.client_id}:{self.client_secret}"
        return (form.get("client_id"), form.get("client_secret")) == (
            self.client_id,
            self.client_secret,
        )

    def _grant_code(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        code = self._codes.pop(form["code"], None)  # single use, even when it fails
        if code is None or code.expires_at < time.time():
            return 400, {
                "error": "invalid_grant",
                "error_description": "Invalid authorization code",
            }
        if code.redirect_uri != form["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "Invalid redirect URI"}
        refresh = IssuedToken(secrets.token_urlsafe(32), code.user_id, code.scope, float("inf"))
        self._refresh[refresh.value] = refresh
        return 200, {**self._issue_access(code.user_id, code.scope), "refresh_token": refresh.value}

    def _grant_refresh(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        refresh = self._refresh.get(form["refresh_token"])
        if refresh is None:
            return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
        answer = self._issue_access(refresh.user_id, refresh.scope)
        if self.rotate_refresh_tokens:
            del self._refresh[refresh.value]
            rotated = IssuedToken(secrets.token_urlsafe(32), refresh.user_id, refresh.scope, 0)
            self._refresh[rotated.value] = rotated
            answer["refresh_token"] = rotated.value
        return 200, answer

    def _issue_access(self, user_id: str, scope: str) -> dict[str, Any]:
        token = IssuedToken(
            secrets.token_urlsafe(32), user_id, scope, time.time() + self.access_token_lifetime_s
        )
        self._access[token.value] = token
        return {
            "access_token": token.value,
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": self.access_token_lifetime_s,
        }

    # -- Web API -------------------------------------------------------------------------------

    def _serve_api(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        content_type = handler.headers.get("Content-Type")
        problems = self.spec.request_problems(method, path, query, body, content_type)
        user_id: str | None = None
        if problems:
            for problem in problems:
                self._violation(method, "/v1" + path, problem)
            reply = _error(400, "; ".join(problems))
            reply.checked = False
        else:
            try:
                user_id = self._authenticate(handler)
                self._inject_fault(method, path)
                reply = self._route(method, path, dict(query), body, user_id)
            except _Reply as decided:
                reply = decided
        encoded = json.dumps(reply.body).encode() if reply.body is not None else b""
        if reply.checked:
            for problem in self.spec.response_problems(
                method, path, query, reply.status, encoded, "application/json"
            ):
                self._violation(method, "/v1" + path, problem)
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    method, path, tuple(query), reply.status, user_id, body.decode(errors="replace")
                )
            )
        _send(handler, reply.status, encoded, reply.headers)

    def _authenticate(self, handler: BaseHTTPRequestHandler) -> str:
        header = handler.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise _error(401, "No token provided")
        with self._lock:
            token = self._access.get(header[7:])
            if token is None:
                raise _error(401, "Invalid access token")
            if token.expires_at < time.time():
                raise _error(401, "The access token expired")
            user = self.users[token.user_id]
        if not user.allowed:
            raise _error(
                403,
                "Check settings on developer.spotify.com/dashboard, "
                "the user may not be registered.",
            )
        return token.user_id

    def _inject_fault(self, method: str, path: str) -> None:
        with self._lock:
            for fault in self._faults:
                if fault.times <= 0 or not fault.path.fullmatch(path):
                    continue
                if fault.method and fault.method != method:
                    continue
                fault.times -= 1
                if fault.status == 429:
                    headers = {"Retry-After": str(fault.retry_after or 1)}
                    raise _Reply(
                        429,
                        {"error": {"status": 429, "message": "API rate limit exceeded"}},
                        headers,
                    )
                if fault.status == 401:
                    raise _error(401, "The access token expired")
                if fault.status >= 500:
                    body = {"error": {"status": fault.status, "message": "Server error"}}
                    raise _Reply(fault.status, body, checked=False)
                raise _error(fault.status, "Injected fault")

    def _route(
        self, method: str, path: str, query: dict[str, str], body: bytes, user_id: str
    ) -> _Reply:
        if (method, path) == ("GET", "/me"):
            return _Reply(200, self.users[user_id].to_api(self.api_url))
        if (method, path) == ("POST", "/me/playlists"):
            return self._create_playlist(user_id, json.loads(body or b"{}"))
        if (method, path) == ("GET", "/search"):
            return self._search(query)
        if (method, path) == ("DELETE", "/me/library"):
            return self._remove_from_library(user_id, query)
        found = re.fullmatch(r"/playlists/([^/]+)(/items)?", path)
        if found:
            playlist = self._playlist(found[1])
            if found[2] and method == "POST":
                return self._add_items(playlist, user_id, query, json.loads(body or b"{}"))
            if found[2] and method == "GET":
                return _Reply(200, self._items_page(playlist, query))
            if method == "GET":
                return _Reply(200, self._playlist_api(playlist))
        self._violation(method, "/v1" + path, "operation not implemented by the fake")
        return _Reply(404, {"error": {"status": 404, "message": "Not implemented"}}, checked=False)

    def _playlist(self, playlist_id: str) -> FakePlaylist:
        with self._lock:
            playlist = self.playlists.get(playlist_id)
        if playlist is None:
            raise _Reply(404, {"error": {"status": 404, "message": "Not found."}}, checked=False)
        return playlist

    def _create_playlist(self, user_id: str, payload: dict[str, Any]) -> _Reply:
        name = str(payload.get("name", ""))
        if not name.strip():
            raise self._bad("POST /me/playlists", "a playlist needs a non-empty name")
        playlist = FakePlaylist(
            spotify_id(),
            user_id,
            name,
            str(payload.get("description") or ""),
            bool(payload.get("public", True)),
            bool(payload.get("collaborative", False)),
        )
        if playlist.collaborative and playlist.public:
            raise self._bad("POST /me/playlists", "a collaborative playlist must not be public")
        with self._lock:
            self.playlists[playlist.id] = playlist
        return _Reply(201, self._playlist_api(playlist))

    def _remove_from_library(self, user_id: str, query: dict[str, str]) -> _Reply:
        """Removing one's own playlist from one's library deletes it (Spotify's unfollow)."""
        uris = [u for u in query.get("uris", "").split(",") if u]
        if not uris or len(uris) > 40:
            raise self._bad("DELETE /me/library", "1 to 40 uris")
        with self._lock:
            for uri in uris:
                kind, _, item = uri.removeprefix("spotify:").partition(":")
                playlist = self.playlists.get(item) if kind == "playlist" else None
                if playlist is not None and playlist.owner_id == user_id:
                    del self.playlists[item]
        return _Reply(200, None)

    def _add_items(
        self, playlist: FakePlaylist, user_id: str, query: dict[str, str], payload: Any
    ) -> _Reply:
        if playlist.owner_id != user_id and not playlist.collaborative:
            raise _error(403, "You cannot add items to a playlist you do not own.")
        uris = payload.get("uris") if "uris" not in query else query["uris"].split(",")
        if not isinstance(uris, list) or not uris:
            raise self._bad("POST items", "no uris given")
        if len(uris) > MAX_ITEMS_PER_ADD:
            raise self._bad("POST items", f"{len(uris)} uris; at most {MAX_ITEMS_PER_ADD} per add")
        if self.auto_tracks:
            for uri in uris:
                found = re.fullmatch(r"spotify:track:([A-Za-z0-9]{22})", uri)
                if found and found[1] not in self.tracks:
                    self.add_track(f"Track {found[1]}", "Unknown artist", found[1])
        unknown = [u for u in uris if u.removeprefix("spotify:track:") not in self.tracks]
        if unknown:
            raise self._bad("POST items", f"unknown track uris {unknown[:3]}")
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            position = payload.get("position")
            at = len(playlist.items) if position is None else int(position)
            playlist.items[at:at] = [(u, now) for u in uris]
            playlist.snapshot = next(self._snapshots)
        return _Reply(201, {"snapshot_id": f"snapshot{playlist.snapshot}"})

    def _bad(self, where: str, problem: str) -> _Reply:
        self._violation("API", where, problem)
        reply = _error(400, problem)
        reply.checked = False  # Spotify answers 400 here, but the description lists no 400
        return reply

    def _playlist_api(self, playlist: FakePlaylist) -> dict[str, Any]:
        owner = self.users[playlist.owner_id].to_api(self.api_url)
        page = self._items_page(playlist, {})
        return {
            "id": playlist.id,
            "name": playlist.name,
            "description": playlist.description,
            "public": playlist.public,
            "collaborative": playlist.collaborative,
            "owner": owner,
            "snapshot_id": f"snapshot{playlist.snapshot}",
            "type": "playlist",
            "uri": f"spotify:playlist:{playlist.id}",
            "href": f"{self.api_url}/playlists/{playlist.id}",
            "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist.id}"},
            "images": [],
            "followers": {"href": None, "total": 0},
            "items": page,
            "tracks": page,
        }

    def _items_page(self, playlist: FakePlaylist, query: Mapping[str, str]) -> dict[str, Any]:
        limit, offset = int(query.get("limit", 100)), int(query.get("offset", 0))
        owner = self.users[playlist.owner_id].to_api(self.api_url)
        window = playlist.items[offset : offset + limit]
        items = []
        for uri, added_at in window:
            track = self.tracks[uri.removeprefix("spotify:track:")].to_api(self.api_url)
            added_by = {k: owner[k] for k in ("id", "type", "uri", "href", "external_urls")}
            items.append(
                {
                    "added_at": added_at,
                    "added_by": added_by,
                    "is_local": False,
                    "item": track,
                    "track": track,
                }
            )
        href = f"{self.api_url}/playlists/{playlist.id}/items"
        return _page(href, items, limit, offset, len(playlist.items))

    def _search(self, query: Mapping[str, str]) -> _Reply:
        limit, offset = int(query.get("limit", 5)), int(query.get("offset", 0))
        hits = [] if "track" not in query["type"].split(",") else self._matching(query["q"])
        href = f"{self.api_url}/search?{urlencode(query)}"
        items = [t.to_api(self.api_url) for t in hits[offset : offset + limit]]
        return _Reply(200, {"tracks": _page(href, items, limit, offset, len(hits))})

    def _matching(self, q: str) -> list[FakeTrack]:
        filters = dict(
            (key, value.strip('"').lower())
            for key, value in re.findall(r'(track|artist):("[^"]*"|\S+)', q)
        )
        free = re.sub(r'(track|artist):("[^"]*"|\S+)', " ", q).lower().split()
        with self._lock:
            tracks = list(self.tracks.values())
        found = []
        for track in tracks:
            name, artists = track.name.lower(), " ".join(track.artists).lower()
            if "track" in filters and filters["track"] not in name:
                continue
            if "artist" in filters and filters["artist"] not in artists:
                continue
            if any(word not in f"{name} {artists}" for word in free):
                continue
            found.append(track)
        return found


def _page(href: str, items: list[Any], limit: int, offset: int, total: int) -> dict[str, Any]:
    following = offset + limit < total
    return {
        "href": href,
        "items": items,
        "limit": limit,
        "offset": offset,
        "total": total,
        "next": f"{href}?offset={offset + limit}&limit={limit}" if following else None,
        "previous": f"{href}?offset={max(0, offset - limit)}&limit={limit}" if offset else None,
    }


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(raw)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(raw)


def main() -> None:
    """Serve a fake Spotify with one signed-in user and a few tracks, for demos of the bot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--redirect-uri", default=REDIRECT_URI)
    args = parser.parse_args()
    fake = FakeSpotify(redirect_uris=(args.redirect_uri,), auto_tracks=True, port=args.port)
    fake.add_user("moodwave-demo", "Moodwave Demo")
    for name, artist in (
        ("Mr. Blue Sky", "Electric Light Orchestra"),
        ("Ex-Factor", "Lauryn Hill"),
    ):
        fake.add_track(name, artist)
    fake.start()
    print(f"fake Spotify on {fake.url}")
    print(f"  MOODWAVE_SPOTIFY_API_URL={fake.api_url}")
    print(f"  MOODWAVE_SPOTIFY_ACCOUNTS_URL={fake.accounts_url}")
    print(f"  MOODWAVE_SPOTIFY_CLIENT_ID={fake.client_id}")
    print(f"  MOODWAVE_SPOTIFY_CLIENT_SECRET={fake.client_secret}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
