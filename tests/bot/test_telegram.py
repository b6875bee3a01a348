"""The real python-telegram-bot Application, with our adapter, against the fake Telegram Bot API on
loopback: a private conversation from /start to the check-in answer, reactions, a duplicate update,
429 with retry_after, a restart before the check-in, a group that becomes a supergroup, a voice note.
Every request the bot makes and every object the fake returns is checked against the Bot API spec.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from sqlmodel import select

from bot.adapters.telegram import PLATFORM, TelegramAdapter, render_text
from bot.checkins import CheckInJob, MixJob
from bot.core import replies
from bot.core.events import Outgoing, PlaylistEntry
from storage.models import CheckIn, Reaction
from tests.bot.conftest import Harness
from tests.fakes.telegram import FakeChat, FakeTelegram, FakeUser, SentMessage
from tests.fakes.telegram_spec import html_problem, visible_text


class RunningBot:
    """Our adapter's PTB Application polling the fake, on its own event loop in a thread."""

    def __init__(self, harness: Harness, fake: FakeTelegram, paid_broadcast: bool = False) -> None:
        store = harness.store
        self.adapter = TelegramAdapter(
            harness.conversation,
            lambda old, new: store.migrate_chat(PLATFORM, old, new),
            paid_broadcast=paid_broadcast,
        )
        self.application = self.adapter.build(fake.token, fake.base_url, fake.base_file_url)
        self.job = CheckInJob(
            store, harness.conversation, PLATFORM, self.adapter.deliver, timedelta(hours=12)
        )
        self.mixes = MixJob(store, harness.conversation, PLATFORM, self.adapter.deliver)
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RunningBot:
        self._thread.start()
        assert self._started.wait(30), "the bot did not start"
        return self

    def __exit__(self, *_: object) -> None:
        assert self.adapter._loop is not None and self._stop is not None
        self.adapter._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        app = self.application
        async with app:
            await app.start()
            await self.adapter.ready(app)
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            self._started.set()
            await self._stop.wait()
            await app.updater.stop()
            await app.stop()


def last(fake: FakeTelegram, chat: FakeChat, count: int) -> SentMessage:
    return fake.wait_for_messages(chat, count, timeout=20)[-1]


def reaction_button(message: SentMessage, position: int, kind: str) -> str:
    """The callback data of song `position`'s button for like (l), dislike (d) or skip (s)."""
    per_song = [data for data in message.callback_data if data.startswith("r:")]
    return per_song[(position - 1) * 3 + "lds".index(kind)]


def test_private_conversation_from_start_to_checkin_answer(
    harness: Harness, fake: FakeTelegram
) -> None:
    ann = fake.create_user("Ann")
    chat = fake.create_private_chat(ann)
    with RunningBot(harness, fake) as bot:
        fake.user_sends_command(ann, chat, "start")
        consent = last(fake, chat, 2)
        assert "research" in (consent.text or "")
        assert [d.rsplit(":", 1)[0] for d in consent.callback_data] == ["privacy:on", "privacy:off"]
        fake.user_sends_text(ann, chat, "I feel lonely and sad tonight")
        playlist = last(fake, chat, 3)
        assert "You sound" in (playlist.text or "")
        assert len([d for d in playlist.callback_data if d.startswith("r:")]) == 30
        assert all(len(d.encode()) <= 64 for d in playlist.callback_data)
        press = fake.user_presses_button(ann, playlist, reaction_button(playlist, 1, "l"))
        answer = fake.wait_for_callback_answer(press.callback_query_id or "")
        assert "Noted" in (answer.answer_text or "")
        assert len(fake.sent_messages(chat)) == 3  # a reaction is acknowledged in place
        harness.clock.advance(timedelta(hours=2))
        assert bot.job.run_once() == 1
        question = last(fake, chat, 4)
        assert "How do you feel now?" in (question.text or "")
        fake.user_sends_text(ann, chat, "better now, calm and hopeful")
        thanks = last(fake, chat, 5)
        assert "Before:" in (thanks.text or "")
    with harness.store.session() as s:
        (checkin,) = s.exec(select(CheckIn)).all()
        assert checkin.status == "answered"
        assert [r.kind for r in s.exec(select(Reaction))] == ["like"]


def test_spanish_app_gets_spanish_replies_until_language_en(
    harness: Harness, fake: FakeTelegram
) -> None:
    eva = fake.create_user("Eva", language_code="es")
    chat = fake.create_private_chat(eva)
    with RunningBot(harness, fake) as bot:
        fake.user_sends_command(eva, chat, "start")
        greeting, consent = fake.wait_for_messages(chat, 2, timeout=20)
        assert "Hola, soy Moodwave" in (greeting.text or "")
        assert "Sí, usa mis registros anonimizados" in [b.text for b in consent.buttons]
        fake.user_sends_text(eva, chat, "estoy muy triste y solo esta noche")
        assert "Suenas " in (last(fake, chat, 3).text or "")
        harness.clock.advance(timedelta(hours=2))
        assert bot.job.run_once() == 1  # outside an update: the stored app language
        assert "¿Cómo te sientes ahora?" in (last(fake, chat, 4).text or "")
        fake.user_sends_command(eva, chat, "language", "en")
        assert "Got it: I reply in English" in (last(fake, chat, 5).text or "")
        fake.user_sends_command(eva, chat, "help")
        assert (last(fake, chat, 6).text or "").startswith("How to use Moodwave")


def test_replies_are_paid_broadcasts_only_when_switched_on(
    harness: Harness, fake: FakeTelegram
) -> None:
    """Beyond Telegram's free 30 messages a second, a bot may pay to send up to 1000: each reply
    then carries allow_paid_broadcast (and PTB's rate limiter lets it through at that rate)."""
    ann, bob = fake.create_user("Ann"), fake.create_user("Bob")
    free, paid = fake.create_private_chat(ann), fake.create_private_chat(bob)
    with RunningBot(harness, fake):
        fake.user_sends_text(ann, free, "calm and content")
        last(fake, free, 1)
    with RunningBot(harness, fake, paid_broadcast=True):
        fake.user_sends_text(bob, paid, "calm and content")
        last(fake, paid, 1)
    sent = {r.params["chat_id"]: r.params for r in fake.requests("sendMessage")}
    assert "allow_paid_broadcast" not in sent[free.id]
    assert sent[paid.id]["allow_paid_broadcast"] is True


def test_checkin_answered_with_the_sam_keyboard(harness: Harness, fake: FakeTelegram) -> None:
    eve = fake.create_user("Eve")
    chat = fake.create_private_chat(eve)
    with RunningBot(harness, fake) as bot:
        fake.user_sends_text(eve, chat, "stressed and tired")
        last(fake, chat, 1)
        harness.clock.advance(timedelta(hours=2))
        assert bot.job.run_once() == 1
        question = last(fake, chat, 2)
        sam = [d for d in question.callback_data if d.startswith("sam:")]
        assert len(sam) == 10 and all(len(d.encode()) <= 64 for d in sam)
        press = fake.user_presses_button(eve, question, sam[3])  # pleasant: 4 of 5
        answer = fake.wait_for_callback_answer(press.callback_query_id or "")
        assert "4 of 5" in (answer.answer_text or "")  # a toast, not a chat message
        assert len(fake.sent_messages(chat)) == 2
        fake.user_presses_button(eve, question, sam[6])  # energetic: 2 of 5 -> answered
        thanks = last(fake, chat, 3)
        assert "Before:" in (thanks.text or "")
    with harness.store.session() as s:
        (checkin,) = s.exec(select(CheckIn)).all()
        assert checkin.status == "answered"
        assert (checkin.self_valence, checkin.self_arousal) == (0.5, -0.5)


def test_reactions_change_the_next_playlist_and_duplicates_are_dropped(
    harness: Harness, fake: FakeTelegram
) -> None:
    bea = fake.create_user("Bea")
    chat = fake.create_private_chat(bea)
    with RunningBot(harness, fake):
        sent = fake.user_sends_text(bea, chat, "happy and excited, what a day")
        first = last(fake, chat, 1)
        fake.redeliver(sent.update_id)  # Telegram resends an update whose ack was lost
        press = fake.user_presses_button(bea, first, reaction_button(first, 1, "d"))
        fake.wait_for_callback_answer(press.callback_query_id or "")
        harness.clock.advance(timedelta(days=2))
        fake.user_sends_text(bea, chat, "happy and excited, what a day")
        second = last(fake, chat, 2)
        assert len(fake.sent_messages(chat)) == 2  # the redelivered update got no second reply
    first_song = (first.text or "").split("\n")[2]
    assert first_song.split(". ", 1)[1] not in (second.text or "")


def test_429_with_retry_after_is_waited_out(harness: Harness, fake: FakeTelegram) -> None:
    cy = fake.create_user("Cy")
    chat = fake.create_private_chat(cy)
    with RunningBot(harness, fake):
        fake.fail_next("sendMessage", 1, error_code=429, retry_after=1)
        fake.user_sends_command(cy, chat, "help")
        reply = last(fake, chat, 1)
    assert "How to use Moodwave" in (reply.text or "")
    assert len(fake.requests("sendMessage")) >= 2  # the refused call, then the retry


def test_checkin_comes_after_a_restart(harness: Harness, fake: FakeTelegram) -> None:
    dee = fake.create_user("Dee")
    chat = fake.create_private_chat(dee)
    with RunningBot(harness, fake):
        fake.user_sends_text(dee, chat, "anxious and restless")
        last(fake, chat, 1)
    harness.clock.advance(timedelta(hours=2))
    with RunningBot(harness, fake) as restarted:
        assert restarted.job.run_once() == 1
        assert "How do you feel now?" in (last(fake, chat, 2).text or "")


def test_group_that_became_a_supergroup_still_gets_its_checkin(
    harness: Harness, fake: FakeTelegram
) -> None:
    eve, fay = fake.create_user("Eve"), fake.create_user("Fay")
    group = fake.create_group("Friday mood")
    with RunningBot(harness, fake) as bot:
        fake.user_sends_text(eve, group, "so tired and drained")
        last(fake, group, 1)
        supergroup = fake.migrate_group(group, by=fay)
        harness.clock.advance(timedelta(hours=2))
        assert bot.job.run_once() == 1
        question = last(fake, supergroup, 1)
    assert (question.text or "").startswith("Eve, how do you feel now?")


def test_voice_note_reaches_the_core(harness: Harness, fake: FakeTelegram) -> None:
    gus: FakeUser = fake.create_user("Gus")
    chat = fake.create_private_chat(gus)
    heard: list[bytes] = []
    handle = harness.conversation.handle

    def spy(event):  # type: ignore[no-untyped-def]
        audio = getattr(event.payload, "audio", None)
        if audio is not None:
            heard.append(audio)
        return handle(event)

    harness.conversation.handle = spy  # type: ignore[method-assign]
    with RunningBot(harness, fake):
        fake.user_sends_voice(gus, chat, b"OggS-voice-note-bytes", duration=3)
        reply = last(fake, chat, 1)
    assert heard == [b"OggS-voice-note-bytes"]
    assert reply.raw_text == replies.VOICE_UNSUPPORTED or reply.text == replies.VOICE_UNSUPPORTED


def test_group_mix_with_three_members(harness: Harness, fake: FakeTelegram) -> None:
    ann, bea, cy = fake.create_user("Ann"), fake.create_user("Bea"), fake.create_user("Cy")
    group = fake.create_group("Friday tunes")
    with RunningBot(harness, fake) as bot:
        fake.user_sends_command(ann, group, "mix")
        assert "group mix" in (last(fake, group, 1).text or "")
        for n, (user, text) in enumerate(
            [(ann, "excited for tonight!"), (bea, "a bit tired"), (cy, "calm and happy")], start=2
        ):
            fake.user_sends_text(user, group, text)
            assert f"{n - 1} in the mix" in (last(fake, group, n).text or "")
        harness.clock.advance(timedelta(minutes=5))
        assert bot.mixes.run_once() == 1
        playlist = last(fake, group, 6)
        assert "Ann, Bea, Cy" in (fake.sent_messages(group)[4].text or "")
        press = fake.user_presses_button(bea, playlist, reaction_button(playlist, 2, "d"))
        fake.wait_for_callback_answer(press.callback_query_id or "")
    with harness.store.session() as s:
        (reaction,) = s.exec(select(Reaction)).all()
        assert reaction.kind == "dislike"


def test_one_chats_updates_keep_their_order_while_chats_run_side_by_side() -> None:
    from telegram import Chat, Message, Update

    from bot.adapters.telegram import ChatOrderedUpdateProcessor

    def update(update_id: int, chat_id: int) -> Update:
        chat = Chat(chat_id, "private")
        return Update(update_id, message=Message(update_id, None, chat))  # type: ignore[arg-type]

    log: list[str] = []

    async def work(name: str, delay: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    async def scenario() -> None:
        processor = ChatOrderedUpdateProcessor(8)
        await asyncio.gather(
            processor.do_process_update(update(1, 10), work("a1", 0.05)),
            processor.do_process_update(update(2, 10), work("a2", 0.0)),
            processor.do_process_update(update(3, 20), work("b1", 0.0)),
        )

    asyncio.run(scenario())
    assert log.index("end a1") < log.index("start a2")  # same chat: one after the other
    assert log.index("end b1") < log.index("end a1")  # another chat did not wait


def test_each_song_carries_its_video_compactly() -> None:
    from bot.adapters.telegram.messages import render_text
    from bot.core.events import Outgoing, PlaylistEntry

    entry = PlaylistEntry(1, 1, "A&B", "Band", "why", "https://s/t", "https://v/?q=a&b=c")
    (text,) = render_text(Outgoing("songs", entries=(entry,)))
    assert (
        '1. <a href="https://s/t">A&amp;B - Band</a> · <a href="https://v/?q=a&amp;b=c">video</a>'
        in text
    )


def test_forged_button_data_is_refused_kindly(harness: Harness, fake: FakeTelegram) -> None:
    """A modified client can send any button data: digits that `int` refuses ("²") raised in the
    adapter, and the person got the apology."""
    ann = fake.create_user("Ann")
    chat = fake.create_private_chat(ann)
    with RunningBot(harness, fake):
        fake.user_sends_command(ann, chat, "start")
        consent = last(fake, chat, 2)
        for forged in ("r:l:²", "r:d:①", f"r:s:{2**64}"):
            press = fake.user_presses_button(ann, consent, forged, forged=True)
            answer = fake.wait_for_callback_answer(press.callback_query_id or "")
            assert "no longer works" in (answer.answer_text or ""), forged
        press = fake.user_presses_button(ann, consent, "sam:c:²:v:3", forged=True)
        fake.wait_for_callback_answer(press.callback_query_id or "")
        assert "Tap the scales" in (last(fake, chat, 3).text or "")  # how to rate, not an apology
    assert all(replies.APOLOGY not in (m.text or "") for m in fake.sent_messages(chat))


def test_long_replies_are_cut_where_telegram_can_parse_them(
    harness: Harness, fake: FakeTelegram
) -> None:
    """The text is split before it is escaped: a cut through `&amp;` was refused by Telegram."""
    text = "a" * 4094 + " & b\n" + "fish & chips <3 " * 600
    entries = tuple(
        PlaylistEntry(
            i, i, "Rock & Roll", "Tom & Jerry", "because <you> said so", "https://x/?a=1&b=2"
        )
        for i in range(1, 11)
    )
    chunks = render_text(Outgoing(text, entries=entries))
    shown = [visible_text(chunk, "HTML") for chunk in chunks]
    assert [html_problem(chunk) for chunk in chunks] == [None] * len(chunks)
    assert all(len(s) <= 4096 for s in shown)
    assert "".join(shown).replace("\n", "").startswith(text.replace("\n", "").strip())
    assert "".join(shown).count("Rock & Roll - Tom & Jerry") == 10
    ann = fake.create_user("Ann")
    chat = fake.create_private_chat(ann)
    with RunningBot(harness, fake) as bot:
        bot.adapter.deliver(str(chat.id), Outgoing(text, entries=entries))
        assert len(fake.wait_for_messages(chat, len(chunks), timeout=20)) == len(chunks)
