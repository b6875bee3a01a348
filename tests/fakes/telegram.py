"""A fake Telegram Bot API server on loopback, for running the real python-telegram-bot against.

`FakeTelegram` is an aiohttp server on 127.0.0.1 (an ephemeral port unless told otherwise) that runs
in its own thread and event loop and speaks Telegram's URL layout: `/bot<token>/<method>` with GET or
POST (query string, form-encoded, multipart or JSON bodies) and `/file/bot<token>/<file_path>` for
downloads. It keeps users, chats, messages, files, callback queries and the update queue; it serves
long polling (`getUpdates` with `offset`, `limit`, `timeout`, `allowed_updates`) or, once a webhook is
set, POSTs the updates there with the secret-token header as Telegram's Bot API server does: up to
`max_connections` requests at once, but one update of a chat at a time (the chat's next update goes
out only after a 2xx answer), and a failed or timed-out delivery is retried (at once, then after
1, 2, 4 ... `webhook_retry_base` units, or after the answer's Retry-After) until it lands. Every request and every returned object is
checked against the Bot API spec (`telegram_spec`): a violation is recorded in `violations` and answered
with Telegram's 400. Messages past Telegram's sending limits (30 a second, 20 a minute in a group:
`telegram_limits`) are answered 429 with `retry_after`, as Telegram does, and listed in `throttled`.
Tests play the users through the driver methods (`user_sends_text`,
`user_presses_button`, `migrate_group`, `fail_next`, `hold_sends`, ...), which are thread-safe. Run it standalone for
demos with `python -m tests.fakes.telegram --port 8081`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram_limits import TELEGRAM_LIMITS, FloodControl, FloodLimits, Throttled
from tests.fakes.telegram_spec import (
    BotApiSpec,
    MethodSpec,
    Problem,
    UploadedFile,
    load_spec,
    utf16_length,
    visible_text,
)

DEFAULT_TOKEN = "123456789:AAFakeMoodwaveTestTokenForLoopback00"
# Telegram leaves these out when allowed_updates is empty or was never given.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


# -- plain data the tests see ---------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user played by a test."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user


# The fake sender Telegram puts in `from` of a message a group's anonymous administrator sent (the
# real sender is `sender_chat`, the group itself): one user for every group there is.
GROUP_ANONYMOUS_BOT = FakeUser(
    1087968824, "Group", "GroupAnonymousBot", language_code=None, is_bot=True
)


@dataclass(frozen=True)
class FakeChat:
    """A chat: private (its id is the user's), group, or supergroup."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None

    @classmethod
    def private(cls, user: FakeUser) -> FakeChat:
        return cls(user.id, "private", username=user.username, first_name=user.first_name)

    @classmethod
    def group(cls, id: int, title: str) -> FakeChat:
        return cls(id, "group", title=title)

    @classmethod
    def supergroup(cls, id: int, title: str, username: str | None = None) -> FakeChat:
        return cls(id, "supergroup", title=title, username=username)

    def to_api(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name"):
            if getattr(self, key) is not None:
                chat[key] = getattr(self, key)
        return chat


@dataclass(frozen=True)
class Button:
    """One inline keyboard button under a bot message."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class SentMessage:
    """A snapshot of a message the bot sent, as it is now (edited or deleted included)."""

    chat_id: int
    message_id: int
    text: str | None
    raw_text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    api: dict[str, Any]
    edited: bool = False
    deleted: bool = False

    @property
    def buttons(self) -> list[Button]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            Button(b["text"], b.get("callback_data"), b.get("url")) for row in rows for b in row
        ]

    @property
    def callback_data(self) -> list[str]:
        return [b.callback_data for b in self.buttons if b.callback_data is not None]


@dataclass(frozen=True)
class FakeUpdate:
    """An update the fake queued: its id and the Update object as the bot receives it."""

    update_id: int
    api: dict[str, Any]

    @property
    def message_id(self) -> int | None:
        message = self.api.get("message") or {}
        return message.get("message_id")

    @property
    def callback_query_id(self) -> str | None:
        return (self.api.get("callback_query") or {}).get("id")


@dataclass(frozen=True)
class CallbackQueryRecord:
    """A button press and how the bot answered it (if it did)."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received and what it answered."""

    method: str
    params: dict[str, Any]
    http_method: str
    content_type: str
    status: int
    response: dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """A breach of the Bot API spec: by a request, a returned object, an update, or an unsupported call."""

    method: str
    kind: str
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.kind} {self.method}: " + "; ".join(self.problems)


class SpecViolationError(ValueError):
    """A driver call would have put an object that breaks the spec on the wire."""


# -- internal state ---------------------------------------------------------------------------


class ApiError(Exception):
    """A Bot API error answer: `{"ok": false, "error_code", "description", "parameters"?}`."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _StoredMessage:
    api: dict[str, Any]
    from_bot: bool
    raw_text: str | None = None
    parse_mode: str | None = None
    edited: bool = False
    deleted: bool = False


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Fault:
    code: int
    description: str
    parameters: dict[str, Any] | None


@dataclass
class _Queue:
    """Updates waiting for the bot; redeliveries go out once, ahead of the rest."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    redeliveries: list[dict[str, Any]] = field(default_factory=list)
    allowed: list[str] | None = None


def _int_or_zero(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _now() -> int:
    return int(time.time())


def _update_kind(update: Mapping[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")


def _commands_key(scope: Mapping[str, Any] | None, language_code: str) -> str:
    return json.dumps([scope or {"type": "default"}, language_code], sort_keys=True)


def _default_description(code: int) -> str:
    return {
        400: "Bad Request: injected failure",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        409: "Conflict: terminated by other getUpdates request",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }.get(code, f"Error {code}")


class FakeTelegram:
    """The fake Bot API server and the driver API that plays its users."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "moodwave_test_bot",
        bot_name: str = "Moodwave",
        port: int = 0,
        spec: BotApiSpec | None = None,
        webhook_timeout: float = 10.0,
        webhook_retry_base: float = 1.0,
        webhook_retry_cap: float = 60.0,
        flood_limits: FloodLimits | None = TELEGRAM_LIMITS,
        flood_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        # Telegram's sending limits (30 messages a second, 20 a minute in a group): beyond them
        # a message is answered 429 with retry_after, and recorded in `throttled`.
        self._flood = FloodControl(flood_limits, flood_clock) if flood_limits else None
        self._throttled: list[Throttled] = []
        self.webhook_timeout = webhook_timeout
        self.webhook_retry_base = webhook_retry_base
        self.webhook_retry_cap = webhook_retry_cap
        self._inflight_chats: set[object] = set()
        self._retry: dict[int, tuple[int, float]] = {}  # update_id -> (failures, due at)
        self._held_chats: dict[int, asyncio.Event] = {}
        self._held_count: dict[int, int] = {}
        self._held_answers: dict[int, asyncio.Event] = {}
        self.spec = spec or load_spec()
        self.port = port
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._chats: dict[int, FakeChat] = {}
        self._migrated: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, _StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, _StoredFile] = {}
        self._callbacks: dict[str, CallbackQueryRecord] = {}
        self._history: dict[int, dict[str, Any]] = {}
        self._queue = _Queue()
        self._webhook: _Webhook | None = None
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._chat_actions: list[tuple[int, str]] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._requests: list[RecordedRequest] = []
        self._violations: list[Violation] = []
        self._poll_generation = 0
        self._waiting_polls = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._updates_event: asyncio.Event | None = None
        self._closing = False
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMessage": self._delete_message,
        }

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Serve in a background thread; returns once the port is bound."""
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._serve, args=(ready, errors), name="fake-telegram", daemon=True
        )
        self._thread.start()
        ready.wait(timeout=10)
        if errors:
            raise RuntimeError(f"fake Telegram could not start: {errors[0]}") from errors[0]
        return self

    def stop(self) -> None:
        """Stop serving and join the server thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._closing = True
        self._notify_updates()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._loop = self._thread = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder.base_url`: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder.base_file_url`: PTB appends the token."""
        return f"{self.url}/file/bot"

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
        pump = loop.create_task(self._webhook_pump())
        ready.set()
        try:
            loop.run_forever()
        finally:
            pump.cancel()
            loop.run_until_complete(asyncio.gather(pump, return_exceptions=True))
            loop.run_until_complete(runner.cleanup())
            loop.close()

    async def _open(self) -> web.AppRunner:
        self._updates_event = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_download)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        if server is not None and getattr(server, "sockets", None):
            self.port = server.sockets[0].getsockname()[1]
        return runner

    # -- the test-facing record -----------------------------------------------------------

    @property
    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    def clear_violations(self) -> None:
        with self._lock:
            self._violations.clear()

    def assert_no_violations(self) -> None:
        found = self.violations
        assert not found, "Bot API spec violations:\n" + "\n".join(map(str, found))

    def requests(self, method: str | None = None) -> list[RecordedRequest]:
        """The request log, optionally only one method's calls (case-insensitive)."""
        with self._lock:
            return [
                r for r in self._requests if method is None or r.method.lower() == method.lower()
            ]

    @property
    def throttled(self) -> list[Throttled]:
        """Every message refused with 429 because a sending limit was spent (not `fail_next`)."""
        with self._lock:
            return list(self._throttled)

    def chat_actions(self, chat: FakeChat) -> list[str]:
        with self._lock:
            return [action for chat_id, action in self._chat_actions if chat_id == chat.id]

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The bot's commands as set by setMyCommands for a scope (default scope if None)."""
        with self._lock:
            return list(self._commands.get(_commands_key(scope, language_code), []))

    def history(self) -> list[FakeUpdate]:
        """Every update the fake has created, in update_id order."""
        with self._lock:
            return [FakeUpdate(k, v) for k, v in sorted(self._history.items())]

    def sent_messages(self, chat: FakeChat, *, include_deleted: bool = False) -> list[SentMessage]:
        """The bot's messages in `chat`, oldest first, as they are now."""
        with self._lock:
            return self._bot_messages(chat.id, include_deleted)

    def wait_for_messages(
        self, chat: FakeChat, count: int, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Block until the bot has sent at least `count` messages to `chat` (deleted ones count)."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: len(self._bot_messages(chat.id, True)) >= count, timeout
            )
            sent = self._bot_messages(chat.id, True)
        if not done:
            texts = [m.text for m in sent]
            raise TimeoutError(
                f"bot sent {len(sent)} of {count} messages to chat {chat.id}: {texts}"
            )
        return sent

    async def wait_for_messages_async(
        self, chat: FakeChat, count: int, timeout: float = 10.0
    ) -> list[SentMessage]:
        """`wait_for_messages` for tests that run the bot on their own event loop."""
        return await asyncio.to_thread(self.wait_for_messages, chat, count, timeout)

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Block until `predicate` (checked whenever the fake's state changes) holds."""
        with self._changed:
            if not self._changed.wait_for(predicate, timeout):
                raise TimeoutError(f"{what} did not happen within {timeout} s")

    async def wait_until_async(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        await asyncio.to_thread(self.wait_until, predicate, timeout, what)

    @property
    def long_polls_waiting(self) -> int:
        """How many getUpdates calls are parked waiting for updates right now."""
        with self._lock:
            return self._waiting_polls

    def callback_query(self, query_id: str) -> CallbackQueryRecord:
        with self._lock:
            return self._callbacks[query_id]

    def wait_for_callback_answer(self, query_id: str, timeout: float = 10.0) -> CallbackQueryRecord:
        with self._changed:
            if not self._changed.wait_for(lambda: self._callbacks[query_id].answered, timeout):
                raise TimeoutError(f"callback query {query_id} was not answered")
            return self._callbacks[query_id]

    async def wait_for_callback_answer_async(
        self, query_id: str, timeout: float = 10.0
    ) -> CallbackQueryRecord:
        return await asyncio.to_thread(self.wait_for_callback_answer, query_id, timeout)

    def pending_updates(self) -> list[FakeUpdate]:
        with self._lock:
            queued = self._queue.redeliveries + self._queue.pending
            return [FakeUpdate(u["update_id"], u) for u in queued]

    # -- the driver: users, chats, and what they do ---------------------------------------

    def create_user(
        self, first_name: str, username: str | None = None, language_code: str | None = "en"
    ) -> FakeUser:
        with self._lock:
            return FakeUser(10_000 + next(self._ids), first_name, username, None, language_code)

    def create_private_chat(self, user: FakeUser) -> FakeChat:
        return self._register(FakeChat.private(user))

    def create_group(self, title: str, *, supergroup: bool = False) -> FakeChat:
        with self._lock:
            n = next(self._ids)
        if supergroup:
            return self._register(FakeChat.supergroup(-1_000_000_000_000 - n, title))
        return self._register(FakeChat.group(-100_000 - n, title))

    def user_sends_text(
        self, user: FakeUser, chat: FakeChat, text: str, *, reply_to: int | None = None
    ) -> FakeUpdate:
        return self._user_message(user, chat, {"text": text}, reply_to)

    def user_sends_command(
        self,
        user: FakeUser,
        chat: FakeChat,
        command: str,
        args: str | Sequence[str] = (),
        *,
        mention_bot: bool = False,
    ) -> FakeUpdate:
        """A text message starting with a `bot_command` entity, e.g. "/start" or "/mood@bot"."""
        head = "/" + command.lstrip("/")
        if mention_bot:
            head += "@" + self.bot_user["username"]
        tail = args if isinstance(args, str) else " ".join(args)
        text = f"{head} {tail}" if tail else head
        entity = {"type": "bot_command", "offset": 0, "length": utf16_length(head)}
        return self._user_message(user, chat, {"text": text, "entities": [entity]}, None)

    def admin_sends_anonymously(
        self, chat: FakeChat, text: str, *, signature: str | None = None
    ) -> FakeUpdate:
        """A message of the supergroup's anonymous administrators, as Telegram delivers it: `from`
        is GroupAnonymousBot (the same user in every group), `sender_chat` the supergroup itself,
        `author_signature` the administrator's custom title if any; "/word ..." carries its
        bot_command entity."""
        if chat.type != "supergroup":
            raise ValueError("only a supergroup has anonymous administrators")
        content: dict[str, Any] = {
            "from": GROUP_ANONYMOUS_BOT.to_api(),
            "sender_chat": chat.to_api(),
            "text": text,
        }
        if text.startswith("/"):
            head = text.split()[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_length(head)}
            ]
        if signature is not None:
            content["author_signature"] = signature
        with self._lock:
            self._register(chat)
            return self._enqueue({"message": self._new_message(chat, content)})

    def user_sends_voice(
        self,
        user: FakeUser,
        chat: FakeChat,
        ogg_bytes: bytes,
        duration: int,
        *,
        mime_type: str = "audio/ogg",
    ) -> FakeUpdate:
        """A voice note; its bytes are downloadable through getFile and the file URL."""
        stored = self._store_file(ogg_bytes, mime_type, "voice", "oga")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": len(ogg_bytes),
        }
        return self._user_message(user, chat, {"voice": voice}, None)

    def user_presses_button(
        self, user: FakeUser, message: SentMessage, callback_data: str, forged: bool = False
    ) -> FakeUpdate:
        """A `callback_query` update for the button of `message` that carries `callback_data`;
        with `forged`, data that no button of it carries (a modified client can send any bytes
        as a button's data: bots must not trust it)."""
        with self._lock:
            stored = self._messages.get(message.chat_id, {}).get(message.message_id)
            if stored is None or stored.deleted or not stored.from_bot:
                raise ValueError(f"no bot message {message.message_id} in chat {message.chat_id}")
            current = self._snapshot(message.chat_id, stored)
            if not forged and callback_data not in current.callback_data:
                raise ValueError(f"message {message.message_id} has no button {callback_data!r}")
            query_id = str(4_000_000_000_000 + next(self._ids))
            self._callbacks[query_id] = CallbackQueryRecord(
                query_id, user.id, message.chat_id, message.message_id, callback_data
            )
            query = {
                "id": query_id,
                "from": user.to_api(),
                "message": json.loads(json.dumps(stored.api)),
                "chat_instance": str(-message.chat_id * 7 + 1),
                "data": callback_data,
            }
            return self._enqueue({"callback_query": query})

    def push_update(self, payload: Mapping[str, Any]) -> FakeUpdate:
        """Queue any update (without `update_id`); it must satisfy the spec's `Update` type."""
        with self._lock:
            return self._enqueue(dict(payload))

    def redeliver(self, update_id: int) -> FakeUpdate:
        """Deliver an earlier update once more, with the same update_id (as after a lost ack)."""
        with self._lock:
            update = self._history[update_id]
            self._queue.redeliveries.append(update)
        self._notify_updates()
        return FakeUpdate(update_id, update)

    def migrate_group(self, chat: FakeChat, by: FakeUser | None = None) -> FakeChat:
        """Upgrade a group to a supergroup; the old id then answers 400 with migrate_to_chat_id."""
        if chat.type != "group":
            raise ValueError(f"only a group can be migrated, {chat.id} is a {chat.type}")
        with self._lock:
            if chat.id in self._migrated:
                raise ValueError(f"group {chat.id} was already migrated")
            new = self._register(
                FakeChat.supergroup(-1_000_000_000_000 + chat.id, chat.title or "")
            )
            sender = {"from": by.to_api()} if by else {}
            old_note = self._new_message(chat, {**sender, "migrate_to_chat_id": new.id})
            self._enqueue({"message": old_note})
            self._migrated[chat.id] = new.id
            new_note = self._new_message(new, {**sender, "migrate_from_chat_id": chat.id})
            self._enqueue({"message": new_note})
            return new

    def hold_sends(self, chat: FakeChat) -> None:
        """From now on, sendMessage calls to `chat` wait in the network before reaching Telegram,
        until `release_sends`; one whose sender hung up meanwhile never arrives (nothing is sent)."""
        loop = self._loop
        assert loop is not None, "start the fake first"
        with self._lock:
            self._held_chats[chat.id] = asyncio.Event()

    def release_sends(self, chat: FakeChat) -> None:
        with self._lock:
            event = self._held_chats.pop(chat.id, None)
        if event is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(event.set)

    def held_sends(self, chat: FakeChat) -> int:
        """How many sendMessage calls to `chat` are held right now."""
        with self._lock:
            return self._held_count.get(chat.id, 0)

    def hold_answers(self, chat: FakeChat) -> None:
        """From now on, sendMessage calls to `chat` reach Telegram (the message is in the chat) but
        their answers wait in the network until `release_answers`: the sender cannot tell whether
        its message arrived."""
        assert self._loop is not None, "start the fake first"
        with self._lock:
            self._held_answers[chat.id] = asyncio.Event()

    def release_answers(self, chat: FakeChat) -> None:
        with self._lock:
            event = self._held_answers.pop(chat.id, None)
        if event is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(event.set)

    def user_blocks_bot(self, user: FakeUser) -> None:
        """From now on, messages to the user's private chat answer 403 as Telegram does."""
        with self._lock:
            self._blocked.add(user.id)

    def fail_next(
        self,
        method: str,
        count: int = 1,
        error_code: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` with an error instead of handling them."""
        parameters: dict[str, Any] | None = None
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
            parameters = {"retry_after": retry_after}
        fault = _Fault(error_code, description or _default_description(error_code), parameters)
        with self._lock:
            self._faults.setdefault(method.lower(), deque()).extend([fault] * count)

    # -- driver internals (call with the lock held) -----------------------------------------

    def _register(self, chat: FakeChat) -> FakeChat:
        with self._lock:
            self._chats.setdefault(chat.id, chat)
            self._messages.setdefault(chat.id, {})
            return self._chats[chat.id]

    def _user_message(
        self, user: FakeUser, chat: FakeChat, content: dict[str, Any], reply_to: int | None
    ) -> FakeUpdate:
        with self._lock:
            self._register(chat)
            if chat.id in self._migrated:
                raise ValueError(f"group {chat.id} was migrated to {self._migrated[chat.id]}")
            content = {"from": user.to_api(), **content}
            if reply_to is not None:
                content["reply_to_message"] = self._reply_target(chat.id, reply_to)
            stored = self._new_message(chat, content)
            return self._enqueue({"message": stored})

    def _new_message(
        self, chat: FakeChat, content: dict[str, Any], from_bot: bool = False
    ) -> dict[str, Any]:
        message_id = self._next_message_id.get(chat.id, 1)
        self._next_message_id[chat.id] = message_id + 1
        api = {"message_id": message_id, "date": _now(), "chat": chat.to_api()}
        api.update(content)
        self._messages.setdefault(chat.id, {})[message_id] = _StoredMessage(api, from_bot)
        return api

    def _reply_target(self, chat_id: int, message_id: int) -> dict[str, Any]:
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or stored.deleted:
            raise ApiError(400, "Bad Request: message to be replied not found")
        # A replied-to message does not carry its own reply_to_message.
        return {k: v for k, v in stored.api.items() if k != "reply_to_message"}

    def _enqueue(self, payload: dict[str, Any]) -> FakeUpdate:
        update = {"update_id": next(self._update_ids), **payload}
        problems = self.spec.check_object("Update", update)
        if problems:
            self._record_violation("Update", "update", problems)
            raise SpecViolationError("; ".join(map(str, problems)))
        self._history[update["update_id"]] = update
        self._queue.pending.append(update)
        self._notify_updates()
        return FakeUpdate(update["update_id"], update)

    def _store_file(self, data: bytes, mime_type: str, folder: str, extension: str) -> _StoredFile:
        with self._lock:
            n = next(self._ids)
            stored = _StoredFile(
                file_id=f"AwACAgIAAxkBAAI{n:08d}{folder}",
                file_unique_id=f"AgAD{n:06d}",
                file_path=f"{folder}/file_{n}.{extension}",
                data=data,
                mime_type=mime_type,
            )
            self._files[stored.file_id] = stored
            return stored

    def _bot_messages(self, chat_id: int, include_deleted: bool) -> list[SentMessage]:
        stored = self._messages.get(chat_id, {})
        return [
            self._snapshot(chat_id, m)
            for _, m in sorted(stored.items())
            if m.from_bot and (include_deleted or not m.deleted)
        ]

    def _snapshot(self, chat_id: int, stored: _StoredMessage) -> SentMessage:
        api = json.loads(json.dumps(stored.api))
        return SentMessage(
            chat_id=chat_id,
            message_id=api["message_id"],
            text=api.get("text"),
            raw_text=stored.raw_text,
            parse_mode=stored.parse_mode,
            reply_markup=api.get("reply_markup"),
            api=api,
            edited=stored.edited,
            deleted=stored.deleted,
        )

    def _record_violation(self, method: str, kind: str, problems: Sequence[Problem | str]) -> None:
        with self._lock:
            self._violations.append(Violation(method, kind, tuple(map(str, problems))))

    def _notify_updates(self) -> None:
        """Wake long polls and the webhook pump (on the server loop) and waiting test threads."""
        with self._changed:
            self._changed.notify_all()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(self._wake_loop_waiters)

    def _wake_loop_waiters(self) -> None:
        if self._updates_event is not None:
            self._updates_event.set()
        self._updates_event = asyncio.Event()

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return _json(ApiError(404, "Not Found").body(), 404)

    async def _handle_download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json(ApiError(401, "Unauthorized").body(), 401)
        path = request.match_info["file_path"]
        with self._lock:
            stored = next((f for f in self._files.values() if f.file_path == path), None)
        if stored is None:
            return _json(ApiError(404, "Not Found").body(), 404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _handle_method(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            raw, form_encoded = await _read_params(request)
            params = dict(raw)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            method = self.spec.method(name)
            if method is None:
                raise ApiError(404, "Not Found")
            name = method.name
            self._take_fault(name)
            params, problems = self.spec.decode_request(method, raw, form_encoded=form_encoded)
            if problems:
                self._record_violation(name, "request", problems)
                raise ApiError(400, problems[0].description)
            if not await self._arrives(name, params, request):
                return _json(ApiError(500, "the sender hung up").body(), 500)  # nobody reads it
            self._check_flood(name, params)
            result = await self._call(method, params)
            await self._answer_held(name, params)
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as error:
            body, status = error.body(), error.code
        self._log(name, params, request, status, body)
        return _json(body, status)

    async def _arrives(self, name: str, params: dict[str, Any], request: web.Request) -> bool:
        """Hold a sendMessage to a held chat; False when its sender hung up while it was held."""
        if name != "sendMessage":
            return True
        try:
            chat_id = int(params.get("chat_id", 0))
        except (TypeError, ValueError):
            return True
        with self._lock:
            event = self._held_chats.get(chat_id)
            if event is None:
                return True
            self._held_count[chat_id] = self._held_count.get(chat_id, 0) + 1
        self._notify_updates()
        try:
            await event.wait()
        finally:
            with self._lock:
                self._held_count[chat_id] -= 1
        transport = request.transport
        return transport is not None and not transport.is_closing()

    async def _answer_held(self, name: str, params: dict[str, Any]) -> None:
        """Hold the answer of a sendMessage that reached a chat whose answers are held."""
        if name != "sendMessage":
            return
        with self._lock:
            event = self._held_answers.get(_int_or_zero(params.get("chat_id")))
        if event is not None:
            await event.wait()

    async def _call(self, method: MethodSpec, params: dict[str, Any]) -> Any:
        if method.name == "getUpdates":
            result = await self._get_updates(params)
        elif method.name in self._methods:
            with self._lock:
                result = self._methods[method.name](params)
        else:
            self._record_violation(method.name, "unsupported", ["method not supported by the fake"])
            raise ApiError(400, f"Bad Request: method {method.name} not supported by the fake")
        problems = self.spec.check_result(method, result)
        if problems:
            self._record_violation(method.name, "response", problems)
            raise ApiError(400, f"Bad Request: the fake built an invalid result: {problems[0]}")
        return result

    def _check_flood(self, method: str, params: dict[str, Any]) -> None:
        """Telegram's 429 for a message past a sending limit, as it counts on arrival."""
        if self._flood is None:
            return
        with self._lock:
            refused = self._flood.check(method, params)
            if refused is not None:
                self._throttled.append(refused)
        if refused is not None:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {refused.retry_after}",
                {"retry_after": refused.retry_after},
            )

    def _take_fault(self, method: str) -> None:
        with self._lock:
            faults = self._faults.get(method.lower())
            fault = faults.popleft() if faults else None
        if fault is not None:
            raise ApiError(fault.code, fault.description, fault.parameters)

    def _log(
        self,
        method: str,
        params: dict[str, Any],
        request: web.Request,
        status: int,
        body: dict[str, Any],
    ) -> None:
        shown = {
            k: (f"<file {v.filename}>" if isinstance(v, UploadedFile) else v)
            for k, v in params.items()
        }
        entry = RecordedRequest(method, shown, request.method, request.content_type, status, body)
        with self._changed:
            self._requests.append(entry)
            self._changed.notify_all()

    # -- getUpdates and the webhook ---------------------------------------------------------

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0, int(params.get("timeout", 0)))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        with self._lock:
            if self._webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if "allowed_updates" in params:
                self._queue.allowed = list(params["allowed_updates"])
            self._confirm(params.get("offset"))
            self._poll_generation += 1
            generation = self._poll_generation
        self._notify_updates()  # an older long poll now ends with 409, as on Telegram
        while True:
            event = self._updates_event
            with self._lock:
                if generation != self._poll_generation or self._closing:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                batch = self._take_batch(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or event is None:
                return batch
            self._count_waiting_poll(+1)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                self._count_waiting_poll(-1)

    def _count_waiting_poll(self, delta: int) -> None:
        with self._changed:
            self._waiting_polls += delta
            self._changed.notify_all()

    def _confirm(self, offset: int | None) -> None:
        """Forget updates below `offset`; a negative offset keeps only the last -offset."""
        if offset is None:
            return
        pending = self._queue.pending
        if offset < 0:
            self._queue.pending = pending[offset:]
        else:
            self._queue.pending = [u for u in pending if u["update_id"] >= offset]

    def _allowed(self, update: Mapping[str, Any]) -> bool:
        kind = _update_kind(update)
        allowed = self._queue.allowed
        return kind in allowed if allowed else kind not in OPT_IN_UPDATES

    def _take_batch(self, limit: int) -> list[dict[str, Any]]:
        """Redeliveries (handed out once) first, then unconfirmed updates of allowed kinds."""
        batch = self._queue.redeliveries[:limit]
        del self._queue.redeliveries[:limit]
        # Telegram never stores updates of kinds the bot did not ask for.
        self._queue.pending = [u for u in self._queue.pending if self._allowed(u)]
        batch += self._queue.pending[: limit - len(batch)]
        return batch

    async def _webhook_pump(self) -> None:
        """POST queued updates while a webhook is set: up to `max_connections` at once, one per chat
        at a time and in order, retrying failures (as Telegram's Bot API server does)."""
        tasks: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession() as session:
            try:
                while True:
                    event = self._updates_event
                    with self._lock:
                        hook = self._webhook
                        ready, wake_at = self._deliverable(hook, len(tasks)) if hook else ([], None)
                    for update in ready:
                        assert hook is not None
                        task = asyncio.create_task(self._deliver(session, hook, update))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    if ready or event is None:
                        await asyncio.sleep(0)
                        continue
                    timeout = None if wake_at is None else max(0.0, wake_at - time.monotonic())
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), timeout)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    def _deliverable(
        self, hook: _Webhook, in_flight: int
    ) -> tuple[list[dict[str, Any]], float | None]:
        """The updates to send now (the first waiting update of each chat not in flight, up to
        `max_connections` in flight), and when the next delayed retry falls due."""
        self._queue.pending = [u for u in self._queue.pending if self._allowed(u)]
        now = time.monotonic()
        ready: list[dict[str, Any]] = []
        seen: set[object] = set()
        wake_at: float | None = None
        for update in self._queue.redeliveries + self._queue.pending:
            key = _queue_key(update)
            if key in seen or key in self._inflight_chats:
                seen.add(key)
                continue
            seen.add(key)
            _, due = self._retry.get(update["update_id"], (0, now))
            if due > now:
                wake_at = due if wake_at is None else min(wake_at, due)
                continue
            if in_flight + len(ready) >= hook.max_connections:
                break
            ready.append(update)
            self._inflight_chats.add(key)
            if any(u is update for u in self._queue.redeliveries):
                self._queue.redeliveries = [u for u in self._queue.redeliveries if u is not update]
        return ready, wake_at

    async def _deliver(
        self, session: aiohttp.ClientSession, hook: _Webhook, update: dict[str, Any]
    ) -> None:
        error, retry_after = await _post_update(session, hook, update, self.webhook_timeout)
        with self._lock:
            self._inflight_chats.discard(_queue_key(update))
            self._settle_webhook_delivery(hook, update, error, retry_after)
        self._notify_updates()

    def _settle_webhook_delivery(
        self,
        hook: _Webhook,
        update: dict[str, Any],
        error: str | None,
        retry_after: float | None = None,
    ) -> None:
        update_id = update["update_id"]
        if error is None:
            self._queue.pending = [u for u in self._queue.pending if u is not update]
            self._retry.pop(update_id, None)
            return
        hook.last_error_date, hook.last_error_message = _now(), error
        failures, _ = self._retry.get(update_id, (0, 0.0))
        if retry_after is not None:
            delay = min(max(retry_after, 0.0), 3600.0)
        elif failures == 0:
            delay = 0.0  # Telegram tries once more at once, then backs off
        else:
            delay = min(self.webhook_retry_base * 2**failures, self.webhook_retry_cap)
        self._retry[update_id] = (failures + 1, time.monotonic() + delay)
        if not any(u is update for u in self._queue.pending):
            self._queue.redeliveries.insert(0, update)  # a redelivery stays due until it lands

    # -- Bot API methods (run on the server loop with the lock held) -------------------------

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._queue.pending.clear()
            self._queue.redeliveries.clear()
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params["url"]
        if not url:
            return self._delete_webhook(params)
        # Real Telegram insists on HTTPS on ports 443/80/88/8443; loopback receivers use plain HTTP.
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._queue.pending.clear()
        if "allowed_updates" in params:
            self._queue.allowed = list(params["allowed_updates"])
        self._webhook = _Webhook(url, secret, int(params.get("max_connections", 40)))
        self._notify_updates()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        hook = self._webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue.pending) + len(self._queue.redeliveries),
        }
        if hook:
            info["max_connections"] = hook.max_connections
            if self._queue.allowed:
                info["allowed_updates"] = list(self._queue.allowed)
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    def _target_chat(self, chat_id: int | str) -> FakeChat:
        """The chat a method addresses, with Telegram's answers for migrated, unknown or blocked."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            chat = next((c for c in self._chats.values() if c.username == chat_id[1:]), None)
        else:
            try:
                chat = self._chats.get(int(chat_id))
            except ValueError:
                chat = None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat.id]},
            )
        if chat.type == "private" and chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(params["chat_id"])
        content = self._text_content(params)
        reply = params.get("reply_parameters")
        if reply:
            try:
                content["reply_to_message"] = self._reply_target(chat.id, reply["message_id"])
            except ApiError:
                if not reply.get("allow_sending_without_reply"):
                    raise
        api = self._new_message(chat, {"from": dict(self.bot_user), **content}, from_bot=True)
        stored = self._messages[chat.id][api["message_id"]]
        stored.raw_text, stored.parse_mode = params["text"], params.get("parse_mode")
        self._changed.notify_all()
        return api

    def _text_content(self, params: Mapping[str, Any]) -> dict[str, Any]:
        content: dict[str, Any] = {"text": visible_text(params["text"], params.get("parse_mode"))}
        if params.get("entities"):
            content["entities"] = params["entities"]
        markup = params.get("reply_markup")
        # Only inline keyboards stay attached to the message Telegram returns.
        if markup and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        return content

    def _own_message(self, params: Mapping[str, Any], missing: str) -> _StoredMessage:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        if "message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self._target_chat(params["chat_id"])
        stored = self._messages.get(chat.id, {}).get(params["message_id"])
        if stored is None or stored.deleted:
            raise ApiError(400, f"Bad Request: {missing}")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._own_message(params, "message to edit not found")
        if "text" not in params:
            raise ApiError(400, "Bad Request: message text is empty")
        content = self._text_content(params)
        return self._apply_edit(stored, content, ("text", "entities", "reply_markup"))

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._own_message(params, "message to edit not found")
        markup = params.get("reply_markup")
        content = {"reply_markup": markup} if markup and markup.get("inline_keyboard") else {}
        return self._apply_edit(stored, content, ("reply_markup",))

    def _apply_edit(
        self, stored: _StoredMessage, content: dict[str, Any], replaced: tuple[str, ...]
    ) -> dict[str, Any]:
        new = {k: v for k, v in stored.api.items() if k not in replaced and k != "edit_date"}
        new.update(content)
        if {k: v for k, v in new.items() if k != "date"} == {
            k: v for k, v in stored.api.items() if k not in ("date", "edit_date")
        }:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        new["edit_date"] = _now()
        stored.api, stored.edited = new, True
        self._changed.notify_all()
        return new

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        record = self._callbacks.get(params["callback_query_id"])
        if record is None or record.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._callbacks[record.id] = replace(
            record,
            answered=True,
            answer_text=params.get("text"),
            show_alert=bool(params.get("show_alert", False)),
        )
        self._changed.notify_all()
        return True

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(params["file_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat = self._target_chat(params["chat_id"])
        if params["action"] not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._chat_actions.append((chat.id, params["action"]))
        return True

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        for command in commands:
            if not _COMMAND.match(command["command"]):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self._commands[_commands_key(params.get("scope"), params.get("language_code", ""))] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(
            self._commands.get(
                _commands_key(params.get("scope"), params.get("language_code", "")), []
            )
        )

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._target_chat(params["chat_id"])
        stored = self._messages.get(chat.id, {}).get(params["message_id"])
        if stored is None or stored.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        stored.deleted = True
        self._changed.notify_all()
        return True


# -- HTTP helpers -----------------------------------------------------------------------------


async def _read_params(request: web.Request) -> tuple[dict[str, Any], bool]:
    """Query string and body merged; the flag says whether values are form-encoded strings."""
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params, True
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as error:
            raise ApiError(400, "Bad Request: can't parse JSON request body") from error
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: request body must be a JSON object")
        if params:
            raise ApiError(
                400, "Bad Request: mixing a query string with a JSON body is not supported"
            )
        return body, False
    for key, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            params[key] = UploadedFile(value.filename, value.content_type, value.file.read())
        else:
            params[key] = value
    return params, True


async def _post_update(
    session: aiohttp.ClientSession, hook: _Webhook, update: dict[str, Any], timeout: float
) -> tuple[str | None, float | None]:
    """POST one update to the webhook: the error Telegram would report (None on a 2xx answer) and
    the answer's Retry-After in seconds, if it gave one."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
    try:
        async with session.post(
            hook.url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            if 200 <= response.status < 300:
                return None, None
            retry_after: float | None = None
            with contextlib.suppress(ValueError):
                retry_after = float(response.headers.get("Retry-After", ""))
            return f"Wrong response from the webhook: {response.status} {response.reason}", (
                retry_after
            )
    except (aiohttp.ClientError, TimeoutError) as error:
        return f"Connection failed: {error!r}", None


def _queue_key(update: Mapping[str, Any]) -> object:
    """Telegram's delivery queue of an update: its chat (else its sender), so a chat's updates go
    out one at a time and in order."""
    body = update.get(_update_kind(update)) or {}
    if not isinstance(body, Mapping):
        return ("update", update["update_id"])
    chat = body.get("chat") or (body.get("message") or {}).get("chat")
    if chat:
        return ("chat", chat["id"])
    sender = body.get("from") or body.get("user")
    if sender:
        return ("user", sender["id"])
    return ("update", update["update_id"])


def _json(body: dict[str, Any], status: int) -> web.Response:
    return web.json_response(body, status=status)


# -- standalone demo --------------------------------------------------------------------------


def _print_replies(fake: FakeTelegram, chat: FakeChat) -> None:
    seen = 0
    while True:
        with contextlib.suppress(TimeoutError):
            messages = fake.wait_for_messages(chat, seen + 1, timeout=1.0)
            for message in messages[seen:]:
                buttons = "  ".join(f"[{b.text} -> {b.callback_data}]" for b in message.buttons)
                print(f"bot> {message.text}" + (f"\n     {buttons}" if buttons else ""), flush=True)
            seen = len(messages)


def _demo_loop(fake: FakeTelegram) -> None:
    """Type as a user; ':press DATA' presses the newest button carrying DATA; ':quit' ends."""
    user = fake.create_user("Demo", "demo_user")
    chat = fake.create_private_chat(user)
    threading.Thread(target=_print_replies, args=(fake, chat), daemon=True).start()
    for line in sys.stdin:
        text = line.strip()
        if text == ":quit":
            return
        if text.startswith(":press "):
            data = text.removeprefix(":press ")
            message = next(
                (m for m in reversed(fake.sent_messages(chat)) if data in m.callback_data), None
            )
            if message is None:
                print(f"no button with callback_data {data!r}")
            else:
                fake.user_presses_button(user, message, data)
        elif text.startswith("/"):
            command, _, args = text.partition(" ")
            fake.user_sends_command(user, chat, command, args)
        elif text:
            fake.user_sends_text(user, chat, text)
    threading.Event().wait()  # stdin closed: keep serving until Ctrl-C


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Telegram Bot API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    with FakeTelegram(args.token, port=args.port) as fake:
        print(
            f"Fake Telegram Bot API ({fake.spec.version}) on {fake.url}\n"
            f"  token:         {fake.token}\n"
            f"  base_url:      {fake.base_url}\n"
            f"  base_file_url: {fake.base_file_url}\n"
            "Point python-telegram-bot at it with\n"
            f"  Application.builder().token({fake.token!r})"
            f".base_url({fake.base_url!r}).base_file_url({fake.base_file_url!r}).build()\n"
            "Type a message (or /command) as user 'Demo'; ':press DATA' presses a button; ':quit' ends.",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            _demo_loop(fake)
        for violation in fake.violations:
            print(f"spec violation: {violation}")


if __name__ == "__main__":
    main()
