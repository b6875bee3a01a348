"""A fake Discord HTTP API on loopback, and a gateway driver, for running the real discord.py client.

`FakeDiscord` is an aiohttp server on 127.0.0.1 (an ephemeral port) in its own thread and event loop
that speaks the parts of Discord's REST API (v10) the bot uses: login (`GET /users/@me`,
`GET /oauth2/applications/@me`), slash-command sync (`PUT/GET /applications/{id}/commands`),
interaction callbacks (`POST /interactions/{id}/{token}/callback`, answering `with_response`),
interaction webhooks (`PATCH/DELETE .../messages/@original`, `POST /webhooks/{app}/{token}` for
followups), channel messages, typing, `GET /channels/{id}`, opening a DM, and attachment downloads
from registered bytes. It keeps every message the bot sent per channel, checks the shapes Discord
checks (content at most 2,000 characters, at most 5 action rows of 5 buttons, custom ids at most
100 characters and unique in a message, labels at most 80, no empty message, an interaction
acknowledged once) and records each violation, answering it with Discord's error. There is no
gateway websocket: `Gateway` feeds events to a logged-in client through its connection state's
parsers (`parse_interaction_create`, `parse_message_create`) with payloads shaped like Discord's.
Point discord.py at the fake with `pointed_at(fake)` (it sets `discord.http.Route.BASE`).

Every API request and every answer is also checked against Discord's own OpenAPI description of its
HTTP API (`shared/specs/discord-api/openapi.json`, through `tests.fakes.openapi`): a request outside
it (an unknown route, a missing or malformed field, no bot token) is a violation answered with 400,
and an answer of the fake's that the description would not allow is a violation too, so the fake
cannot drift from the real API unnoticed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
from aiohttp import web

from tests.fakes.openapi import ApiSpec, load_discord_spec

API_VERSION = 10
DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.FakeMoodwave.loopback-test-token"
DISCORD_EPOCH_MS = 1_420_070_400_000
MAX_CONTENT = 2000
MAX_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
EPHEMERAL = 1 << 6
LOADING = 1 << 7
VOICE_MESSAGE = 1 << 13
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


# -- plain data the tests see ----------------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-GB"  # the language of their Discord client: each interaction carries it

    def to_api(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        }


@dataclass(frozen=True)
class FakeChannel:
    id: int
    guild_id: int | None = None  # None: a direct-message channel
    name: str | None = None
    recipient: FakeUser | None = None

    @property
    def is_dm(self) -> bool:
        return self.guild_id is None

    def to_api(self) -> dict[str, Any]:
        if self.is_dm:
            recipients = [self.recipient.to_api()] if self.recipient else []
            return {
                "id": str(self.id),
                "type": 1,
                "recipients": recipients,
                "last_message_id": None,
                "flags": 0,
            }
        return {
            "id": str(self.id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }


@dataclass
class SentMessage:
    """A message the bot made: sent to a channel, or an interaction's response or followup."""

    payload: dict[str, Any]
    interaction_id: int | None = None
    deleted: bool = False

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")

    @property
    def flags(self) -> int:
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def rows(self) -> list[list[dict[str, Any]]]:
        return [list(row.get("components", [])) for row in self.payload.get("components", [])]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [item for row in self.rows for item in row if item.get("type") == 2]

    @property
    def custom_ids(self) -> list[str]:
        return [b["custom_id"] for b in self.buttons if "custom_id" in b]


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    channel: FakeChannel
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # {"type": ..., "data": ...}
    original_message_id: int | None = None


@dataclass(frozen=True)
class Violation:
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    body: Any


class _ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _json(data: Any, status: int = 200) -> web.Response:
    # Discord answers exactly "application/json", and discord.py parses only that.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


# -- shape checks Discord makes --------------------------------------------------------------------


def message_problems(body: Mapping[str, Any], *, editing: bool = False) -> list[str]:
    """What Discord would refuse in a message body (create, edit, followup, callback data)."""
    problems: list[str] = []
    content = body.get("content")
    if content is not None and len(content) > MAX_CONTENT:
        problems.append(f"content is {len(content)} characters (at most {MAX_CONTENT})")
    rows = body.get("components") or []
    if not editing and not (content or rows or body.get("embeds")):
        problems.append("empty message (no content, components or embeds)")
    if len(rows) > MAX_ROWS:
        problems.append(f"{len(rows)} action rows (at most {MAX_ROWS})")
    seen: set[str] = set()
    for index, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") != 1:
            problems.append(f"row {index} is not an action row")
        if not 1 <= len(items) <= MAX_ROW_ITEMS:
            problems.append(f"row {index} has {len(items)} buttons (1 to {MAX_ROW_ITEMS})")
        for item in items:
            problems += _button_problems(item, seen)
    return problems


def _button_problems(item: Mapping[str, Any], seen: set[str]) -> list[str]:
    problems: list[str] = []
    label, custom_id, url = item.get("label"), item.get("custom_id"), item.get("url")
    if item.get("type") != 2:
        return [f"component type {item.get('type')} is not a button"]
    if not label and not item.get("emoji"):
        problems.append("a button without label or emoji")
    if label is not None and len(label) > MAX_LABEL:
        problems.append(f"label {label[:20]!r}... is {len(label)} characters (at most {MAX_LABEL})")
    if item.get("style") == 5:
        if not url or custom_id:
            problems.append("a link button needs a url and no custom_id")
        return problems
    if not custom_id or len(custom_id) > MAX_CUSTOM_ID:
        problems.append(f"custom_id {custom_id!r} must be 1 to {MAX_CUSTOM_ID} characters")
    elif custom_id in seen:
        problems.append(f"custom_id {custom_id!r} used twice in one message")
    else:
        seen.add(custom_id)
    return problems


def command_problems(command: Mapping[str, Any]) -> list[str]:
    name = str(command.get("name", ""))
    problems = []
    if not _COMMAND_NAME.match(name) or name.lower() != name:
        problems.append(f"command name {name!r} is not 1-32 lowercase word characters")
    description = str(command.get("description", ""))
    if not 1 <= len(description) <= 100:
        problems.append(f"/{name}: description must be 1 to 100 characters")
    for option in command.get("options", []):
        if not 1 <= len(option.get("description", "")) <= 100:
            problems.append(f"/{name} {option.get('name')}: description must be 1-100 characters")
        if len(option.get("choices", [])) > 25:
            problems.append(f"/{name} {option.get('name')}: more than 25 choices")
    return problems


def _as_answered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord answers them: each numbered in the message (from 1, rows included),
    and a Unicode emoji without an id (only custom emojis have one)."""
    numbers = itertools.count(1)
    answered = []
    for row in rows:
        items = []
        for item in row.get("components") or []:
            item = {**item, "id": item.get("id") or 0}
            emoji = item.get("emoji")
            if isinstance(emoji, dict) and emoji.get("id") is None:
                item["emoji"] = {k: v for k, v in emoji.items() if k != "id"}
            items.append(item)
        numbered = {**row, "id": row.get("id") or next(numbers)}
        for item in items:
            if not item["id"]:
                item["id"] = next(numbers)
        answered.append({**numbered, "components": items})
    return answered


# -- the server ------------------------------------------------------------------------------------


class FakeDiscord:
    def __init__(
        self, token: str = DEFAULT_TOKEN, spec: ApiSpec | None = None, checked: bool = True
    ) -> None:
        self.token = token
        self.spec = spec or (load_discord_spec() if checked else None)
        self.port = 0
        self._ids = itertools.count((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22)
        self._lock = threading.Lock()
        self.bot_user = FakeUser(self.snowflake(), "Moodwave", bot=True)
        self.application_id = self.bot_user.id
        self.owner = FakeUser(self.snowflake(), "owner")
        self._channels: dict[int, FakeChannel] = {}
        self._messages: dict[int, list[SentMessage]] = {}
        self._interactions: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self._attachments: dict[str, tuple[bytes, str]] = {}
        self._commands: list[dict[str, Any]] = []
        self._violations: list[Violation] = []
        self._requests: list[RecordedRequest] = []
        self._typing: dict[int, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeDiscord:
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._serve, args=(ready, errors), name="fake-discord", daemon=True
        )
        self._thread.start()
        ready.wait(timeout=10)
        if errors:
            raise RuntimeError(f"fake Discord could not start: {errors[0]}") from errors[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._loop = self._thread = None

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` becomes while a test talks to the fake."""
        return f"{self.url}/api/v{API_VERSION}"

    def _serve(self, ready: threading.Event, errors: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            runner = loop.run_until_complete(self._open())
        except BaseException as error:  # reported to start() in the caller's thread
            errors.append(error)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    async def _open(self) -> web.AppRunner:
        app = web.Application(middlewares=[self._conforming, self._errors])
        api = f"/api/v{API_VERSION}"
        routes = [
            ("GET", "/users/@me", self._me),
            ("GET", "/oauth2/applications/@me", self._application),
            ("GET", "/applications/@me", self._application),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("POST", "/interactions/{id}/{token}/callback", self._callback),
            ("PATCH", "/webhooks/{app}/{token}/messages/@original", self._edit_original),
            ("DELETE", "/webhooks/{app}/{token}/messages/@original", self._delete_original),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("POST", "/channels/{channel}/messages", self._create_message),
            ("POST", "/channels/{channel}/typing", self._typing_started),
            ("GET", "/channels/{channel}", self._get_channel),
            ("POST", "/users/@me/channels", self._open_dm),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, api + path, handler)
        app.router.add_get("/attachments/{key}/{filename}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return runner

    # -- world building (thread-safe) ----------------------------------------------------------

    def snowflake(self) -> int:
        with self._lock:
            return next(self._ids)

    def create_user(self, name: str, locale: str = "en-GB") -> FakeUser:
        return FakeUser(self.snowflake(), name.lower(), global_name=name, locale=locale)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        with self._lock:
            for channel in self._channels.values():
                if channel.is_dm and channel.recipient == user:
                    return channel
        channel = FakeChannel(self.snowflake(), recipient=user)
        with self._lock:
            self._channels[channel.id] = channel
        return channel

    def guild_channel(self, name: str, guild_id: int | None = None) -> FakeChannel:
        channel = FakeChannel(self.snowflake(), guild_id or self.snowflake(), name)
        with self._lock:
            self._channels[channel.id] = channel
        return channel

    def register_attachment(self, data: bytes, filename: str, content_type: str) -> str:
        """Serve `data` at a CDN-like URL on the fake; returns the URL."""
        key = str(self.snowflake())
        with self._lock:
            self._attachments[key] = (data, content_type)
        return f"{self.url}/attachments/{key}/{filename}"

    # -- the test-facing record ----------------------------------------------------------------

    @property
    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    def assert_no_violations(self) -> None:
        found = self.violations
        assert not found, "Discord API violations:\n" + "\n".join(map(str, found))

    def requests(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self._requests
                if (method is None or r.method == method) and (path is None or path in r.path)
            ]

    @property
    def commands(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._commands)

    def messages(self, channel: FakeChannel, *, include_deleted: bool = False) -> list[SentMessage]:
        with self._lock:
            return [
                m for m in self._messages.get(channel.id, []) if include_deleted or not m.deleted
            ]

    def interaction(self, interaction_id: int) -> InteractionRecord:
        with self._lock:
            return self._interactions[interaction_id]

    def typing_count(self, channel: FakeChannel) -> int:
        with self._lock:
            return self._typing.get(channel.id, 0)

    # -- HTTP plumbing -------------------------------------------------------------------------

    @web.middleware
    async def _conforming(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        """Check the request, then the answer, against Discord's OpenAPI description."""
        api = f"/api/v{API_VERSION}"
        method, path, query = request.method, request.path[len(api) :], list(request.query.items())
        if (
            self.spec is None
            or not request.path.startswith(api + "/")
            or self.spec.operation(method, path) is None  # Discord's 404, and a violation
        ):
            response: web.StreamResponse = await handler(request)
            return response
        where = f"{method} {request.path}"
        if request.content_type.startswith("multipart/"):
            # discord.py sends a message with files as multipart, its JSON in `payload_json`;
            # the JSON is what the description's schema speaks about.
            form = await request.post()  # aiohttp keeps it for the handler's own read
            body = str(form.get("payload_json") or "{}").encode()
            content_type = "application/json"
        else:
            body, content_type = await request.read(), request.content_type
        problems = self.spec.request_problems(
            method, path, query, body, content_type, dict(request.headers)
        )
        if problems:
            with self._lock:
                self._violations += [Violation(where, p) for p in problems]
                self._requests.append(RecordedRequest(method, request.path, None))
            return _json({"code": 50035, "message": "; ".join(problems)}, status=400)
        response = await handler(request)
        if isinstance(response, web.Response) and response.status not in (429,) and response.body:
            answer = response.body if isinstance(response.body, bytes) else b""
            found = self.spec.response_problems(
                method, path, query, response.status, answer, response.content_type
            )
            with self._lock:
                self._violations += [Violation(f"{where} answer", p) for p in found]
        return response

    @web.middleware
    async def _errors(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except _ApiError as error:
            return _json({"code": error.code, "message": error.message}, status=error.status)

    async def _body(self, request: web.Request) -> Any:
        # `read` and `post` keep what they read, so the conformance check's read costs nothing.
        if request.content_type.startswith("multipart/"):
            body: Any = json.loads((await request.post()).get("payload_json") or "{}")  # type: ignore[arg-type]
        else:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        with self._lock:
            self._requests.append(RecordedRequest(request.method, request.path, body))
        return body

    def _authorise(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise _ApiError(401, 0, "401: Unauthorized")

    def _violation(self, where: str, problems: list[str], code: int = 50035) -> None:
        if not problems:
            return
        with self._lock:
            self._violations += [Violation(where, p) for p in problems]
        raise _ApiError(400, code, "Invalid Form Body: " + "; ".join(problems))

    def _record_message(
        self,
        channel: FakeChannel,
        body: Mapping[str, Any],
        *,
        flags: int = 0,
        interaction: InteractionRecord | None = None,
    ) -> SentMessage:
        payload: dict[str, Any] = {
            "id": str(self.snowflake()),
            "channel_id": str(channel.id),
            "author": self.bot_user.to_api(),
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 20 if interaction and interaction.type == 2 else 0,
            "flags": flags | int(body.get("flags") or 0),
            "components": _as_answered(body.get("components") or []),
        }
        if channel.guild_id is not None:
            payload["guild_id"] = str(channel.guild_id)
        if interaction is not None:
            payload["webhook_id"] = str(self.application_id)
            payload["application_id"] = str(self.application_id)
        message = SentMessage(payload, interaction.id if interaction else None)
        with self._lock:
            self._messages.setdefault(channel.id, []).append(message)
        return message

    def _channel(self, request: web.Request) -> FakeChannel:
        with self._lock:
            channel = self._channels.get(int(request.match_info["channel"]))
        if channel is None:
            raise _ApiError(404, 10003, "Unknown Channel")
        return channel

    def _interaction_by_token(self, request: web.Request) -> InteractionRecord:
        if request.match_info["app"] != str(self.application_id):
            raise _ApiError(404, 10015, "Unknown Webhook")
        with self._lock:
            record = self._by_token.get(request.match_info["token"])
        if record is None:
            raise _ApiError(404, 10015, "Unknown Webhook")
        if not record.callbacks:
            self._violation(
                f"webhook for interaction {record.id}", ["used before the interaction was answered"]
            )
        return record

    def _find(self, message_id: int | None) -> SentMessage:
        with self._lock:
            for messages in self._messages.values():
                for message in messages:
                    if message.id == message_id and not message.deleted:
                        return message
        raise _ApiError(404, 10008, "Unknown Message")

    # -- handlers: login and commands ----------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        self._authorise(request)
        await self._body(request)
        return _json(
            {**self.bot_user.to_api(), "verified": True, "mfa_enabled": False, "locale": "en-US"}
        )

    async def _application(self, request: web.Request) -> web.Response:
        self._authorise(request)
        await self._body(request)
        return _json(
            {
                "id": str(self.application_id),
                "name": self.bot_user.username,
                "icon": None,
                "description": "",
                "type": None,
                "summary": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner.to_api(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
                "flags_new": "0",
                "bot": self.bot_user.to_api(),
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "redirect_uris": [],
                "approximate_guild_count": 0,
                "approximate_user_install_count": 0,
                "approximate_user_authorization_count": 0,
                "explicit_content_filter": 0,
                "eligible_oauth2_scopes": [],
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        self._authorise(request)
        body = await self._body(request)
        problems = [p for command in body for p in command_problems(command)]
        if len(body) > 100:
            problems.append(f"{len(body)} commands (at most 100)")
        self._violation("PUT commands", problems)
        stored = [
            {
                **command,
                "id": str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
                "type": command.get("type", 1),
                "options": command.get("options", []),
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "nsfw": command.get("nsfw", False),
                "integration_types": command.get("integration_types") or [0],  # guild install
            }
            for command in body
        ]
        with self._lock:
            self._commands = stored
        return _json(stored)

    async def _get_commands(self, request: web.Request) -> web.Response:
        self._authorise(request)
        await self._body(request)
        return _json(self.commands)

    # -- handlers: interactions ----------------------------------------------------------------

    async def _callback(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        with self._lock:
            record = self._interactions.get(int(request.match_info["id"]))
        if record is None or record.token != request.match_info["token"]:
            raise _ApiError(404, 10062, "Unknown interaction")
        if record.callbacks:
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        kind, data = int(body["type"]), body.get("data") or {}
        message: SentMessage | None = None
        if kind == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            self._violation(f"interaction {record.id} reply", message_problems(data))
            message = self._record_message(record.channel, data, interaction=record)
        elif kind == 5:  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: a "thinking" notice
            message = self._record_message(
                record.channel, {}, flags=LOADING | int(data.get("flags") or 0), interaction=record
            )
        elif kind not in (6, 7):
            self._violation(f"interaction {record.id}", [f"callback type {kind} not supported"])
        with self._lock:
            record.callbacks.append({"type": kind, "data": data})
            record.original_message_id = message.id if message else None
        if "with_response" not in request.query:
            return web.Response(status=204)
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
                "activity_instance_id": None,
            }
        }
        if message is not None:
            answer["interaction"]["response_message_id"] = str(message.id)
        if message is not None and kind in (4, 7):  # the description's resources: a message sent
            answer["resource"] = {"type": kind, "message": message.payload}
        return _json(answer)

    async def _edit_original(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        record = self._interaction_by_token(request)
        message = self._find(record.original_message_id)
        self._violation(f"interaction {record.id} @original", message_problems(body, editing=True))
        with self._lock:
            payload = message.payload
            for key in ("content", "components", "embeds"):
                if key in body:
                    payload[key] = body[key] or ([] if key != "content" else "")
            payload["components"] = _as_answered(payload["components"])
            payload["flags"] = payload["flags"] & ~LOADING
            payload["edited_timestamp"] = _now_iso()
        return _json(message.payload)

    async def _delete_original(self, request: web.Request) -> web.Response:
        await self._body(request)
        record = self._interaction_by_token(request)
        message = self._find(record.original_message_id)
        with self._lock:
            message.deleted = True
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        record = self._interaction_by_token(request)
        self._violation(f"interaction {record.id} followup", message_problems(body))
        message = self._record_message(record.channel, body, interaction=record)
        return _json(message.payload)

    # -- handlers: channels, users, files ------------------------------------------------------

    async def _create_message(self, request: web.Request) -> web.Response:
        self._authorise(request)
        body = await self._body(request)
        channel = self._channel(request)
        self._violation(f"channel {channel.id} message", message_problems(body))
        return _json(self._record_message(channel, body).payload)

    async def _typing_started(self, request: web.Request) -> web.Response:
        self._authorise(request)
        await self._body(request)
        channel = self._channel(request)
        with self._lock:
            self._typing[channel.id] = self._typing.get(channel.id, 0) + 1
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request) -> web.Response:
        self._authorise(request)
        await self._body(request)
        return _json(self._channel(request).to_api())

    async def _open_dm(self, request: web.Request) -> web.Response:
        self._authorise(request)
        body = await self._body(request)
        wanted = str(body.get("recipient_id"))
        with self._lock:
            known = [c for c in self._channels.values() if c.recipient is not None]
        for channel in known:
            if channel.recipient is not None and str(channel.recipient.id) == wanted:
                return _json(channel.to_api())
        raise _ApiError(400, 50007, "Cannot send messages to this user")

    async def _download(self, request: web.Request) -> web.Response:
        await self._body(request)
        with self._lock:
            found = self._attachments.get(request.match_info["key"])
        if found is None:
            return web.Response(status=404)
        data, content_type = found
        return web.Response(body=data, content_type=content_type)

    async def _not_found(self, request: web.Request) -> web.Response:
        await self._body(request)
        with self._lock:
            self._violations.append(Violation(f"{request.method} {request.path}", "no such route"))
        return _json({"code": 0, "message": "404: Not Found"}, status=404)

    # -- gateway payloads, shaped like Discord's -----------------------------------------------

    def _interaction_payload(
        self,
        kind: int,
        user: FakeUser,
        channel: FakeChannel,
        data: dict[str, Any],
        message: SentMessage | None = None,
    ) -> dict[str, Any]:
        record = InteractionRecord(self.snowflake(), f"itoken-{self.snowflake():x}", kind, channel)
        with self._lock:
            self._interactions[record.id] = record
            self._by_token[record.token] = record
        payload: dict[str, Any] = {
            "id": str(record.id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "channel_id": str(channel.id),
            "channel": channel.to_api(),
            "token": record.token,
            "version": 1,
            "locale": user.locale,
            "app_permissions": "2248473465835073",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "context": 1 if channel.is_dm else 0,
        }
        if channel.is_dm:
            payload["user"] = user.to_api()
            payload["authorizing_integration_owners"] = {"0": "0"}
        else:
            payload["guild_id"] = str(channel.guild_id)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(channel.guild_id), "locale": "en-US", "features": []}
            payload["member"] = _member(user)
            payload["authorizing_integration_owners"] = {"0": str(channel.guild_id)}
        if message is not None:
            payload["message"] = message.payload
        return payload

    def slash_command(
        self, user: FakeUser, channel: FakeChannel, name: str, **options: str | int
    ) -> dict[str, Any]:
        """INTERACTION_CREATE type 2 (APPLICATION_COMMAND), as for a synced command."""
        known = {c["name"]: c["id"] for c in self.commands}
        data: dict[str, Any] = {
            "id": known.get(name, str(self.snowflake())),
            "name": name,
            "type": 1,
        }
        if options:
            data["options"] = [
                {"name": key, "type": 4 if isinstance(value, int) else 3, "value": value}
                for key, value in options.items()
            ]
        return self._interaction_payload(2, user, channel, data)

    def button_press(
        self, user: FakeUser, channel: FakeChannel, message: SentMessage, custom_id: str
    ) -> dict[str, Any]:
        """INTERACTION_CREATE type 3 (MESSAGE_COMPONENT): a button under `message` pressed."""
        if custom_id not in message.custom_ids:
            raise AssertionError(f"no button {custom_id!r} on message {message.id}")
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction_payload(3, user, channel, data, message)

    def user_message(
        self,
        user: FakeUser,
        channel: FakeChannel,
        content: str,
        *,
        attachments: list[dict[str, Any]] | None = None,
        mention_bot: bool = False,
        reply_to: SentMessage | None = None,
    ) -> dict[str, Any]:
        """MESSAGE_CREATE from a person."""
        attachments = attachments or []
        voice = any("waveform" in a for a in attachments)
        payload: dict[str, Any] = {
            "id": str(self.snowflake()),
            "channel_id": str(channel.id),
            "author": user.to_api(),
            "content": f"<@{self.bot_user.id}> {content}" if mention_bot else content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [self.bot_user.to_api()] if mention_bot else [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": [],
            "pinned": False,
            "type": 19 if reply_to else 0,
            "flags": VOICE_MESSAGE if voice else 0,
            "components": [],
        }
        if not channel.is_dm:
            payload["guild_id"] = str(channel.guild_id)
            member = _member(user)
            member.pop("user")
            payload["member"] = member
        if reply_to is not None:
            payload["message_reference"] = {
                "type": 0,
                "message_id": str(reply_to.id),
                "channel_id": str(channel.id),
            }
            payload["referenced_message"] = reply_to.payload
        return payload

    def voice_attachment(self, audio: bytes, *, size: int | None = None) -> dict[str, Any]:
        """A voice message's attachment, its bytes served by the fake (`size` may claim more)."""
        url = self.register_attachment(audio, "voice-message.ogg", "audio/ogg")
        return {
            "id": str(self.snowflake()),
            "filename": "voice-message.ogg",
            "size": len(audio) if size is None else size,
            "url": url,
            "proxy_url": url,
            "content_type": "audio/ogg",
            "duration_secs": 2.5,
            "waveform": base64.b64encode(bytes(range(0, 256, 4))).decode(),
            "flags": 0,
        }


def _member(user: FakeUser) -> dict[str, Any]:
    return {
        "user": user.to_api(),
        "nick": None,
        "avatar": None,
        "roles": [],
        "joined_at": _now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": "2248473465835073",
    }


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """discord.py's REST calls go to the fake inside the block (Route.BASE is read per request)."""
    before = discord.http.Route.BASE
    discord.http.Route.BASE = fake.api_base
    try:
        yield
    finally:
        discord.http.Route.BASE = before


# -- the gateway driver ----------------------------------------------------------------------------


class Gateway:
    """Feeds gateway events to a logged-in discord.py client, as its websocket would, and waits
    until the bot has finished answering them."""

    def __init__(self, client: discord.Client, fake: FakeDiscord) -> None:
        self.client = client
        self.fake = fake

    async def slash(
        self, user: FakeUser, channel: FakeChannel, name: str, **options: str | int
    ) -> InteractionRecord:
        payload = self.fake.slash_command(user, channel, name, **options)
        await self.dispatch_interaction(payload)
        return self.fake.interaction(int(payload["id"]))

    async def press(
        self, user: FakeUser, channel: FakeChannel, message: SentMessage, custom_id: str
    ) -> InteractionRecord:
        payload = self.fake.button_press(user, channel, message, custom_id)
        await self.dispatch_interaction(payload)
        return self.fake.interaction(int(payload["id"]))

    async def say(
        self, user: FakeUser, channel: FakeChannel, content: str, **extra: Any
    ) -> dict[str, Any]:
        payload = self.fake.user_message(user, channel, content, **extra)
        await self.dispatch_message(payload)
        return payload

    async def dispatch_interaction(self, payload: dict[str, Any]) -> None:
        self.client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await self.settle()

    async def dispatch_message(self, payload: dict[str, Any]) -> None:
        self.client._connection.parse_message_create(payload)  # type: ignore[arg-type]
        await self.settle()

    async def settle(self, timeout: float = 20.0) -> None:
        """Wait until every task the event started (handlers, the core's thread) is done."""
        current = asyncio.current_task()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
            if not pending:
                return
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"the bot is still busy: {pending}")
            await asyncio.wait(pending, timeout=left)
