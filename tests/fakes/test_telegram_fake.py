"""The fake Telegram server driven by the real python-telegram-bot, and its spec checks.

Each case starts a `FakeTelegram` on an ephemeral loopback port and points a real PTB `Application` at
it with `base_url`/`base_file_url`: an echo handler with an inline keyboard and a button press, a voice
note fetched through getFile and the file URL, a 429 answered as `RetryAfter`, a group migration
answered as `ChatMigrated`, long polling that delivers each update once, a webhook POST carrying the
secret header, and the spec validator catching bad requests and bad objects. PTB runs on an event loop
of the test's own (`asyncio.run`); waits on the fake go through its `*_async` helpers so they do not
block that loop. No assertion depends on wall-clock time.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, ChatMigrated, Conflict, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram import FakeTelegram, SpecViolationError

TOKEN = "987654321:AAtestTokenForTheFakeTelegramServer1"
OGG = b"OggS\x00\x02" + bytes(range(256)) * 4


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as server:
        yield server


def build_app(fake: FakeTelegram) -> Application:  # type: ignore[type-arg]
    return (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)  # f"{fake.url}/bot": PTB appends the token
        .base_file_url(fake.base_file_url)  # f"{fake.url}/file/bot"
        .build()
    )


def run_polling(
    app: Application,  # type: ignore[type-arg]
    scenario: Callable[[], Awaitable[None]],
) -> None:
    """Run `scenario` while the application long-polls the fake."""

    async def main() -> None:
        async with app:
            await app.updater.start_polling(poll_interval=0.0, timeout=2)  # type: ignore[union-attr]
            await app.start()
            try:
                await scenario()
            finally:
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()

    asyncio.run(main())


def run_bot(fake: FakeTelegram, calls: Callable[[Any], Awaitable[None]]) -> None:
    """Run direct Bot calls (no polling) against the fake."""

    async def main() -> None:
        async with build_app(fake).bot as bot:
            await calls(bot)

    asyncio.run(main())


# -- PTB end to end -------------------------------------------------------------------------


def test_echo_with_inline_keyboard_and_button_press(fake: FakeTelegram) -> None:
    ann = fake.create_user("Ann", "ann")
    chat = fake.create_private_chat(ann)
    app = build_app(fake)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"hello {' '.join(context.args or [])}".strip())  # type: ignore[union-attr]

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("👍", callback_data="like"),
                    InlineKeyboardButton("👎", callback_data="skip"),
                ]
            ]
        )
        await update.effective_message.reply_text(
            f"echo: {update.effective_message.text}", reply_markup=keyboard
        )  # type: ignore[union-attr]

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"noted {query.data}")
        await query.edit_message_text(f"you chose {query.data}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))

    async def scenario() -> None:
        fake.user_sends_command(ann, chat, "/start", ["there"])
        fake.user_sends_text(ann, chat, "I feel calm")
        sent = await fake.wait_for_messages_async(chat, 2)
        assert [m.text for m in sent] == ["hello there", "echo: I feel calm"]
        assert sent[1].callback_data == ["like", "skip"]
        press = fake.user_presses_button(ann, sent[1], "like")
        answer = await fake.wait_for_callback_answer_async(press.callback_query_id or "")
        assert answer.answer_text == "noted like"
        # The edit follows the answer in the same handler.
        await fake.wait_until_async(lambda: fake.sent_messages(chat)[1].edited, what="the edit")

    run_polling(app, scenario)
    edited = fake.sent_messages(chat)[1]
    assert edited.edited and edited.text == "you chose like" and edited.buttons == []
    fake.assert_no_violations()


def test_voice_note_is_downloaded_through_get_file(fake: FakeTelegram) -> None:
    bob = fake.create_user("Bob")
    chat = fake.create_private_chat(bob)
    app = build_app(fake)
    received: list[bytes] = []

    async def voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.voice is not None
        await context.bot.send_chat_action(message.chat_id, "record_voice")
        audio = await (await message.voice.get_file()).download_as_bytearray()
        received.append(bytes(audio))
        await message.reply_text(f"{len(audio)} bytes of {message.voice.mime_type}")

    app.add_handler(MessageHandler(filters.VOICE, voice))

    async def scenario() -> None:
        fake.user_sends_voice(bob, chat, OGG, duration=3)
        await fake.wait_for_messages_async(chat, 1)

    run_polling(app, scenario)
    assert received == [OGG]
    assert fake.sent_messages(chat)[0].text == f"{len(OGG)} bytes of audio/ogg"
    assert fake.chat_actions(chat) == ["record_voice"]
    fake.assert_no_violations()


def test_each_update_is_delivered_once_and_redelivery_repeats_it(fake: FakeTelegram) -> None:
    cat = fake.create_user("Cat")
    chat = fake.create_private_chat(cat)
    app = build_app(fake)
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        await update.effective_message.reply_text("ok")  # type: ignore[union-attr]

    app.add_handler(MessageHandler(filters.TEXT, record))

    async def scenario() -> None:
        sent = [fake.user_sends_text(cat, chat, f"message {i}") for i in range(5)]
        await fake.wait_for_messages_async(chat, 5)
        fake.redeliver(sent[2].update_id)
        await fake.wait_for_messages_async(chat, 6)

    run_polling(app, scenario)
    assert sorted(seen[:5]) == seen[:5] and len(set(seen[:5])) == 5
    assert seen[5] == seen[2]
    offsets = [r.params.get("offset") for r in fake.requests("getUpdates")]
    assert any(offset is not None and offset > seen[4] for offset in offsets)
    fake.assert_no_violations()


def test_429_is_raised_as_retry_after(fake: FakeTelegram) -> None:
    dan = fake.create_user("Dan")
    chat = fake.create_private_chat(dan)
    fake.fail_next("sendMessage", count=1, error_code=429, retry_after=7)

    async def calls(bot: Any) -> None:
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(chat.id, "too fast")
        assert "Retry in 7" in str(raised.value)
        await bot.send_message(chat.id, "after waiting")

    run_bot(fake, calls)
    body = fake.requests("sendMessage")[0].response
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert [m.text for m in fake.sent_messages(chat)] == ["after waiting"]
    fake.assert_no_violations()


def test_group_migration_raises_chat_migrated(fake: FakeTelegram) -> None:
    eve = fake.create_user("Eve")
    group = fake.create_group("Friends")
    fake.user_sends_text(eve, group, "playlist for us?")
    supergroup = fake.migrate_group(group, by=eve)

    async def calls(bot: Any) -> None:
        with pytest.raises(ChatMigrated) as raised:
            await bot.send_message(group.id, "here you go")
        assert raised.value.new_chat_id == supergroup.id
        await bot.send_message(supergroup.id, "here you go")
        updates = await bot.get_updates()
        migrations = [u.message.migrate_to_chat_id for u in updates if u.message.migrate_to_chat_id]
        assert migrations == [supergroup.id]

    run_bot(fake, calls)
    assert supergroup.type == "supergroup"
    assert [m.text for m in fake.sent_messages(supergroup)] == ["here you go"]
    fake.assert_no_violations()


def test_commands_delete_and_unknown_messages(fake: FakeTelegram) -> None:
    fay = fake.create_user("Fay")
    chat = fake.create_private_chat(fay)

    async def calls(bot: Any) -> None:
        await bot.set_my_commands(
            [("mood", "Tell me how you feel"), ("playlist", "Get a playlist")]
        )
        assert [c.command for c in await bot.get_my_commands()] == ["mood", "playlist"]
        message = await bot.send_message(chat.id, "bye soon")
        assert await bot.delete_message(chat.id, message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(chat.id, message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(-42, "nobody")
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("no-such-file")

    run_bot(fake, calls)
    assert fake.sent_messages(chat) == []
    assert fake.commands()[0] == {"command": "mood", "description": "Tell me how you feel"}
    fake.assert_no_violations()


# -- raw protocol -------------------------------------------------------------------------


def api(fake: FakeTelegram, method: str, **params: Any) -> dict[str, Any]:
    response = httpx.post(f"{fake.base_url}{fake.token}/{method}", json=params, timeout=10)
    body: dict[str, Any] = response.json()
    assert response.status_code == (200 if body["ok"] else body["error_code"])
    return body


def test_long_polling_offset_limit_and_allowed_updates(fake: FakeTelegram) -> None:
    gus = fake.create_user("Gus")
    chat = fake.create_private_chat(gus)
    first = [fake.user_sends_text(gus, chat, str(i)).update_id for i in range(3)]

    assert [u["update_id"] for u in api(fake, "getUpdates")["result"]] == first
    assert [u["update_id"] for u in api(fake, "getUpdates", limit=2)["result"]] == first[:2]
    # Not confirmed yet, so the same updates come again; an offset confirms them.
    assert [u["update_id"] for u in api(fake, "getUpdates", offset=first[1])["result"]] == first[1:]
    assert api(fake, "getUpdates", offset=first[2] + 1)["result"] == []

    results: list[dict[str, Any]] = []
    poll = threading.Thread(
        target=lambda: results.append(api(fake, "getUpdates", offset=first[2] + 1, timeout=20))
    )
    poll.start()
    fake.wait_until(lambda: fake.long_polls_waiting == 1, what="a parked long poll")
    late = fake.user_sends_text(gus, chat, "late")
    poll.join(timeout=20)
    assert [u["update_id"] for u in results[0]["result"]] == [late.update_id]

    # allowed_updates drops other kinds, and is remembered by later calls.
    fake.user_sends_text(gus, chat, "ignored")
    assert (
        api(fake, "getUpdates", offset=late.update_id + 1, allowed_updates=["callback_query"])[
            "result"
        ]
        == []
    )
    assert fake.pending_updates() == []
    fake.assert_no_violations()


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str | None, dict[str, Any]]]] = []
    arrived = threading.Event()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
        self.send_response(200)
        self.end_headers()
        self.arrived.set()

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep the test output quiet


def test_webhook_gets_updates_with_the_secret_header(fake: FakeTelegram) -> None:
    hal = fake.create_user("Hal")
    chat = fake.create_private_chat(hal)
    _Receiver.received, _Receiver.arrived = [], threading.Event()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/telegram"
    try:

        async def calls(bot: Any) -> None:
            assert await bot.set_webhook(hook_url, secret_token="s3cret_token-1")
            with pytest.raises(Conflict):
                await bot.get_updates()
            update = fake.user_sends_text(hal, chat, "via webhook")
            assert await asyncio.to_thread(_Receiver.arrived.wait, 10)
            assert _Receiver.received == [("s3cret_token-1", update.api)]
            info = await bot.get_webhook_info()
            assert info.url == hook_url and info.pending_update_count == 0
            assert await bot.delete_webhook()
            assert await bot.get_updates() == ()

        run_bot(fake, calls)
    finally:
        receiver.shutdown()
        receiver.server_close()
    fake.assert_no_violations()


# -- what the fake refuses ----------------------------------------------------------------


def test_spec_violations_are_answered_400_and_recorded(fake: FakeTelegram) -> None:
    ivy = fake.create_user("Ivy")
    chat = fake.create_private_chat(ivy)

    body = api(fake, "sendMessage", chat_id=chat.id, text="hi", colour="blue")
    assert body["description"] == "Bad Request: sendMessage.colour: unknown parameter"
    body = api(fake, "sendMessage", chat_id=chat.id)
    assert body["description"] == "Bad Request: message text is empty"
    body = api(fake, "sendMessage", chat_id="not-a-chat-id", text=12)
    assert "expected String" in body["description"]

    async def calls(bot: Any) -> None:
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
            await bot.send_message(chat.id, "pick", reply_markup=too_long)
        with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
            await bot.send_message(chat.id, "a" * 4097)
        no_action = {"inline_keyboard": [[{"text": "just text"}]]}
        with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
            await bot.send_message(
                chat.id, "pick", api_kwargs={"reply_markup": json.dumps(no_action)}
            )
        await bot.send_message(chat.id, "<b>bold</b> " + "a" * 4090, parse_mode="HTML")

    run_bot(fake, calls)
    kinds = [(v.method, v.kind) for v in fake.violations]
    assert kinds == [("sendMessage", "request")] * 6
    assert "65 bytes" in str(fake.violations[3])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("fish &am", "Unsupported HTML entity at byte offset 5"),
        ("fish & chips", "Unsupported HTML entity at byte offset 5"),
        ('1. <a href="https://x">Song', 'Can\'t find end tag corresponding to start tag "a"'),
        ('1. <a href="https://x', "Unclosed start tag at byte offset 3"),
        ("<marquee>hi</marquee>", 'Unsupported start tag "marquee" at byte offset 0'),
    ],
)
def test_html_that_telegram_cannot_parse_is_refused(
    fake: FakeTelegram, text: str, problem: str
) -> None:
    chat = fake.create_private_chat(fake.create_user("Ivy"))
    body = api(fake, "sendMessage", chat_id=chat.id, text=text, parse_mode="HTML")
    assert body["description"] == f"Bad Request: can't parse entities: {problem}"
    assert fake.sent_messages(chat) == []
    body = api(fake, "sendMessage", chat_id=chat.id, text=text)  # plain text: no entities
    assert body["ok"]
    fake.clear_violations()


def test_bad_objects_unknown_methods_and_tokens(fake: FakeTelegram) -> None:
    jo = fake.create_user("Jo")
    chat = fake.create_private_chat(jo)

    with pytest.raises(SpecViolationError, match=r"message\.message_id"):
        fake.push_update({"message": {"message_id": "1", "date": 0, "chat": chat.to_api()}})
    assert fake.pending_updates() == []
    problems = fake.spec.check_object("Message", {"message_id": 1, "chat": {"id": 1, "type": "dm"}})
    assert sorted(map(str, problems)) == [
        "Message.chat.type: 'dm' is not one of ['channel', 'group', 'private', 'supergroup']",
        "Message.date: required field is missing",
    ]

    assert api(fake, "sendPhoto", chat_id=chat.id, photo="AgAC")["description"] == (
        "Bad Request: method sendPhoto not supported by the fake"
    )
    assert api(fake, "noSuchMethod") == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert httpx.get(f"{fake.base_file_url}{fake.token}/voice/none.oga").status_code == 404

    async def bad_token() -> None:
        app = Application.builder().token("1:wrong").base_url(fake.base_url).build()
        with pytest.raises(InvalidToken):
            await app.bot.initialize()

    asyncio.run(bad_token())
    assert [(v.method, v.kind) for v in fake.violations] == [
        ("Update", "update"),
        ("sendPhoto", "unsupported"),
    ]
