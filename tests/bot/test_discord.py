"""The real discord.py client, with our adapter, against the fake Discord API on loopback: slash
commands and button presses arrive as gateway payloads through the client's own parsers, and every
request the bot makes goes to the fake, which checks Discord's limits. Covered: /start to a playlist
with buttons, a 👎 that changes the next playlist, buttons pressed after a restart, direct and
server messages, a voice message reaching the core, a duplicate interaction and message, an error
in the core, and a check-in delivered from the check-in job's thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.adapters.discord import (
    PLATFORM,
    DiscordAdapter,
    MoodwaveClient,
    button_rows,
    render_text,
)
from bot.checkins import CheckInJob
from bot.core import replies
from bot.core.conversation import Conversation
from bot.core.events import Button, Incoming, Outgoing, PlaylistEntry, VoiceNote
from recommender import Mode
from storage.models import Chat, MoodReport, Reaction, Recommendation, RecommendationItem, User
from tests.bot.conftest import SQLITE_ONLY, Harness
from tests.fakes.discord import FakeDiscord, FakeUser, Gateway, SentMessage, pointed_at

SAD = "I feel drained and a bit sad after a long week"
COMMANDS = (
    *("start", "help", "mood", "mode", "checkin", "mix", "privacy", "language", "forget", "feel"),
    *("like", "dislike", "skip"),
)


@dataclass
class Bot:
    adapter: DiscordAdapter
    client: MoodwaveClient
    gateway: Gateway


@dataclass
class RecordingConversation:
    """The real core behind a wrapper that keeps what reached it, or fails on purpose."""

    inner: Conversation
    seen: list[Incoming] = field(default_factory=list)
    fail: bool = False

    def handle(self, event: Incoming) -> list[Outgoing]:
        self.seen.append(event)
        if self.fail:
            raise RuntimeError("the core broke")
        return self.inner.handle(event)


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server
    server.assert_no_violations()


@contextlib.asynccontextmanager
async def running_bot(conversation: Any, fake: FakeDiscord) -> AsyncIterator[Bot]:
    """Our adapter's client logged in to the fake (REST only: the gateway is the driver)."""
    adapter = DiscordAdapter(conversation)
    client = adapter.build()
    with pointed_at(fake):
        try:
            await client.login(fake.token)
            yield Bot(adapter, client, Gateway(client, fake))
        finally:
            await client.close()


def run(scenario: Coroutine[Any, Any, None]) -> None:
    asyncio.run(scenario)


def rows(h: Harness, table: type) -> list[Any]:
    with h.store.session() as s:
        return list(s.exec(select(table)))


def playlist_message(fake: FakeDiscord, channel: Any) -> SentMessage:
    """The latest message with reaction buttons in the channel."""
    found = [m for m in fake.messages(channel) if any(":r:" in c for c in m.custom_ids)]
    assert found, [m.content for m in fake.messages(channel)]
    return found[-1]


def reaction_id(message: SentMessage, position: int, code: str) -> str:
    """The custom id of song `position`'s 👍 (l) or 👎 (d) button."""
    (custom_id,) = [
        b["custom_id"]
        for b in message.buttons
        if b.get("label") == str(position) and b.get("custom_id", "").startswith(f"mw:r:{code}:")
    ]
    return str(custom_id)


def item_of(h: Harness, custom_id: str) -> RecommendationItem:
    item_id = int(custom_id.rsplit(":", 1)[1])
    (item,) = [i for i in rows(h, RecommendationItem) if i.id == item_id]
    return item


# -- slash commands and buttons --------------------------------------------------------------------


def test_start_then_mood_gives_a_playlist_with_buttons_within_discords_limits(
    harness: Harness, fake: FakeDiscord
) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake) as bot:
            assert {c["name"] for c in fake.commands} == set(COMMANDS)
            ann = fake.create_user("Ann")
            dm = fake.dm_channel(ann)
            start = await bot.gateway.slash(ann, dm, "start")
            assert start.callbacks[0]["type"] == 5  # deferred first: the core may take a while
            greeting, consent = fake.messages(dm)
            assert greeting.content.startswith("Hi, I'm Moodwave") and not greeting.loading
            (user,) = rows(harness, User)
            assert consent.custom_ids == [f"mw:privacy:on:u{user.id}", f"mw:privacy:off:u{user.id}"]

            await bot.gateway.press(ann, dm, consent, f"mw:privacy:on:u{user.id}")
            assert fake.messages(dm)[-1].content.startswith("Thank you! Research use is on")
            (user,) = rows(harness, User)
            assert user.research_consent and user.platform == PLATFORM

            await bot.gateway.slash(ann, dm, "mood", feeling=SAD)
            playlist = playlist_message(fake, dm)
            assert len(playlist.rows) == 5
            assert all(len(row) <= 5 for row in playlist.rows)
            reactions = [c for c in playlist.custom_ids if c.startswith("mw:r:")]
            assert len(reactions) == 20  # 👍 and 👎 for each of 10 songs
            assert {b["emoji"]["name"] for b in playlist.rows[0]} == {"👍"}
            assert {b["emoji"]["name"] for b in playlist.rows[1]} == {"👎"}
            # The fifth row holds the reply's own buttons as far as they fit: the mood corrections
            # first, then the modes (the rest stay reachable as /mode).
            assert [b.get("custom_id", "") for b in playlist.rows[4]] == [
                "mw:fix:down",
                "mw:fix:tense",
                "mw:fix:calm",
                "mw:fix:upbeat",
                "mw:mode:lift",
            ]
            text = "\n".join(m.content for m in fake.messages(dm)[3:])
            assert "1. [" in text and "10. [" in text and "open.spotify.com/track/" in text
            assert all(len(m.content) <= 2000 for m in fake.messages(dm))

    run(scenario())


@SQLITE_ONLY
def test_a_spanish_discord_client_gets_spanish_replies(harness: Harness, fake: FakeDiscord) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake) as bot:
            eva = fake.create_user("Eva", locale="es-ES")
            dm = fake.dm_channel(eva)
            await bot.gateway.slash(eva, dm, "start")
            greeting, consent = fake.messages(dm)
            assert greeting.content.startswith("Hola, soy Moodwave")
            (yes,) = [c for c in consent.custom_ids if c.startswith("mw:privacy:on:")]
            await bot.gateway.press(eva, dm, consent, yes)  # the button carries its owner
            assert fake.messages(dm)[-1].content.startswith("¡Gracias!")
            (user,) = rows(harness, User)
            assert user.platform_language == "es-ES" and user.language is None
            await bot.gateway.slash(eva, dm, "language", language="de")
            assert fake.messages(dm)[-1].content.startswith("Alles klar: Ab jetzt")

    run(scenario())


@SQLITE_ONLY
def test_a_dislike_button_is_stored_and_the_next_playlist_lacks_that_song(
    harness: Harness, fake: FakeDiscord
) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake) as bot:
            ann = fake.create_user("Ann")
            dm = fake.dm_channel(ann)
            await bot.gateway.slash(ann, dm, "mood", feeling=SAD)
            first = playlist_message(fake, dm)
            dislike = reaction_id(first, 2, "d")
            pressed = await bot.gateway.press(ann, dm, first, dislike)

            note = fake.messages(dm)[-1]
            assert pressed.callbacks[0]["data"].get("flags") == 64  # only the presser sees it
            assert note.ephemeral and note.content.startswith("Noted: not")
            (reaction,) = rows(harness, Reaction)
            disliked = item_of(harness, dislike)
            assert reaction.kind == "dislike" and reaction.item_id == disliked.id

            # Past the 24-hour no-repeat window only the dislike keeps a song out.
            harness.clock.advance(timedelta(hours=25))
            await bot.gateway.slash(ann, dm, "mood", feeling=SAD)
            second = playlist_message(fake, dm)
            assert second.id != first.id
            first_songs = {item_of(harness, c).song_id for c in first.custom_ids if ":r:l:" in c}
            second_songs = {item_of(harness, c).song_id for c in second.custom_ids if ":r:l:" in c}
            assert disliked.song_id not in second_songs
            assert first_songs & second_songs  # the other songs may come again

    run(scenario())


@SQLITE_ONLY
def test_buttons_keep_working_after_a_restart(harness: Harness, fake: FakeDiscord) -> None:
    async def scenario() -> None:
        ann = fake.create_user("Ann")
        dm = fake.dm_channel(ann)
        async with running_bot(harness.conversation, fake) as bot:
            await bot.gateway.slash(ann, dm, "mood", feeling=SAD)
        playlist = playlist_message(fake, dm)

        restarted = Conversation(**harness.seams)  # a new process: a new core, the same database
        async with running_bot(restarted, fake) as bot:
            like = reaction_id(playlist, 1, "l")
            await bot.gateway.press(ann, dm, playlist, like)
            assert fake.messages(dm)[-1].content.startswith("Noted: you like")
            await bot.gateway.press(ann, dm, playlist, "mw:mode:lift")
            assert fake.messages(dm)[-1].content == replies.mode_set(Mode.LIFT)

        (reaction,) = rows(harness, Reaction)
        assert reaction.kind == "like" and reaction.item_id == item_of(harness, like).id
        (user,) = rows(harness, User)
        assert user.preferred_mode == "lift"

    run(scenario())


# -- messages --------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_direct_messages_and_addressed_server_messages_get_a_playlist(
    harness: Harness, fake: FakeDiscord
) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake) as bot:
            ann = fake.create_user("Ann")
            dm = fake.dm_channel(ann)
            await bot.gateway.say(ann, dm, SAD)
            playlist = playlist_message(fake, dm)
            assert playlist.interaction_id is None and len(playlist.custom_ids) == 25
            assert fake.messages(dm)[0].content.startswith("You sound")
            assert fake.typing_count(dm) >= 1
            await bot.gateway.say(ann, dm, "/mode calm")  # typed, not picked from the menu
            assert fake.messages(dm)[-1].content == replies.mode_set(Mode.CALM)

            lounge = fake.guild_channel("lounge")
            bob = fake.create_user("Bob")
            await bot.gateway.say(bob, lounge, "so happy and excited today")  # not addressed
            other_bot = FakeUser(fake.snowflake(), "otherbot", bot=True)
            await bot.gateway.say(other_bot, lounge, "happy happy", mention_bot=True)
            assert fake.messages(lounge) == []

            await bot.gateway.say(bob, lounge, "so happy and excited today", mention_bot=True)
            answer = playlist_message(fake, lounge)
            await bot.gateway.say(bob, lounge, "calm and relaxed now", reply_to=answer)
            assert len([m for m in fake.messages(lounge) if m.custom_ids]) == 2

            chill = fake.guild_channel("chill-room")
            await bot.gateway.slash(bob, chill, "mood", feeling="calm and content")
            assert playlist_message(fake, chill).interaction_id is not None

        chats = {c.external_id: c for c in rows(harness, Chat)}
        assert chats[str(dm.id)].kind == "private"
        assert chats[str(lounge.id)].kind == "group"
        assert chats[str(lounge.id)].title == "lounge"
        assert (chats[str(chill.id)].kind, chats[str(chill.id)].title) == ("group", "chill-room")
        texts = {r.text for r in rows(harness, MoodReport)}
        assert "so happy and excited today" in texts  # the mention is not part of the mood

    run(scenario())


@SQLITE_ONLY
def test_a_voice_message_is_downloaded_and_handed_to_the_core(
    harness: Harness, fake: FakeDiscord
) -> None:
    core = RecordingConversation(harness.conversation)
    audio = b"OggS\x00fake-opus-voice-note" * 50

    async def scenario() -> None:
        async with running_bot(core, fake) as bot:
            ann = fake.create_user("Ann")
            dm = fake.dm_channel(ann)
            await bot.gateway.say(ann, dm, "", attachments=[fake.voice_attachment(audio)])
            (event,) = core.seen
            assert event.payload == VoiceNote(audio, "audio/ogg")
            assert fake.messages(dm)[-1].content == replies.VOICE_UNSUPPORTED

            huge = fake.voice_attachment(b"tiny", size=25 * 1024 * 1024)
            await bot.gateway.say(ann, dm, "", attachments=[huge])
            assert len(core.seen) == 1  # refused before download, never reached the core
            assert fake.messages(dm)[-1].content == replies.VOICE_TOO_BIG
            assert len(fake.requests("GET", "/attachments/")) == 1

    run(scenario())


# -- duplicates, errors, check-ins -----------------------------------------------------------------


@SQLITE_ONLY
def test_a_duplicate_interaction_or_message_is_handled_once(
    harness: Harness, fake: FakeDiscord
) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake) as bot:
            ann = fake.create_user("Ann")
            dm = fake.dm_channel(ann)
            payload = fake.slash_command(ann, dm, "mood", feeling=SAD)
            await bot.gateway.dispatch_interaction(payload)
            await bot.gateway.dispatch_interaction(payload)  # delivered again
            assert len(fake.interaction(int(payload["id"])).callbacks) == 1
            assert len(rows(harness, MoodReport)) == 1

            message = fake.user_message(ann, dm, "happy and excited")
            await bot.gateway.dispatch_message(message)
            sent = len(fake.messages(dm))
            await bot.gateway.dispatch_message(message)  # the core drops the redelivery
            assert len(fake.messages(dm)) == sent
            assert len(rows(harness, MoodReport)) == 2
            assert len(rows(harness, Recommendation)) == 2

    run(scenario())


@SQLITE_ONLY
def test_an_error_in_the_core_gives_the_apology_and_the_bot_carries_on(
    harness: Harness, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    core = RecordingConversation(harness.conversation, fail=True)

    async def scenario() -> None:
        async with running_bot(core, fake) as bot:
            ann = fake.create_user("Ann")
            dm = fake.dm_channel(ann)
            with caplog.at_level(logging.ERROR, logger="bot.adapters.discord"):
                await bot.gateway.slash(ann, dm, "mood", feeling=SAD)
                apology = fake.messages(dm)[-1]
                assert apology.content == replies.APOLOGY and not apology.loading
                await bot.gateway.say(ann, dm, SAD)
                assert fake.messages(dm)[-1].content == replies.APOLOGY
            core.fail = False
            await bot.gateway.slash(ann, dm, "help")
            assert fake.messages(dm)[-1].content.startswith("How to use Moodwave")

    run(scenario())
    assert "failed to answer Discord" in caplog.text and "RuntimeError" in caplog.text
    assert fake.token not in caplog.text


@SQLITE_ONLY
def test_a_checkin_from_the_job_thread_appears_in_the_channel(
    harness: Harness, fake: FakeDiscord
) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake) as bot:
            ann = fake.create_user("Ann")
            dm = fake.dm_channel(ann)
            await bot.gateway.slash(ann, dm, "mood", feeling=SAD)
            job = CheckInJob(
                harness.store,
                harness.conversation,
                PLATFORM,
                bot.adapter.deliver,
                timedelta(hours=12),
            )
            harness.clock.advance(timedelta(minutes=31))
            assert await asyncio.to_thread(job.run_once) == 1
            question = fake.messages(dm)[-1]
            assert question.interaction_id is None
            assert question.content.startswith("How do you feel now?")
            sam = [c for c in question.custom_ids if ":sam:c:" in c]
            assert len(sam) == 10  # the SAM scales: two rows of five
            pressed = await bot.gateway.press(ann, dm, question, sam[4])  # pleasant: 5 of 5
            assert pressed.callbacks[0]["data"].get("flags") == 64  # only the presser sees it
            assert "5 of 5" in fake.messages(dm)[-1].content

            await bot.gateway.slash(ann, dm, "feel", feeling="much calmer now, hopeful")
            assert fake.messages(dm)[-1].content.startswith("Thanks for telling me.")

    run(scenario())


def test_checkin_and_mix_are_slash_commands(harness: Harness, fake: FakeDiscord) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake) as bot:
            synced = {c["name"]: c for c in fake.commands}
            strategies = [c["value"] for c in synced["mix"]["options"][0]["choices"]]
            assert strategies == ["average", "least-misery", "fair-turns"]
            assert synced["mix"]["dm_permission"] is False  # a mix is for a server's channel
            ann, bob = fake.create_user("Ann"), fake.create_user("Bob")
            dm = fake.dm_channel(ann)
            await bot.gateway.slash(ann, dm, "checkin")
            assert fake.messages(dm)[-1].content == replies.checkin_status(
                True, timedelta(minutes=30)
            )
            await bot.gateway.slash(ann, dm, "checkin", setting="off")
            assert fake.messages(dm)[-1].content == replies.checkins_switched(False)
            await bot.gateway.slash(ann, dm, "checkin", setting="2h")
            assert fake.messages(dm)[-1].content == replies.checkin_delay_set(timedelta(hours=2))
            await bot.gateway.slash(ann, dm, "checkin", setting="soon")
            assert fake.messages(dm)[-1].content == replies.CHECKIN_HELP

            lounge = fake.guild_channel("lounge")
            await bot.gateway.slash(bob, lounge, "mix", strategy="fair-turns")
            assert "group mix" in fake.messages(lounge)[-1].content
            await bot.gateway.slash(ann, lounge, "mood", feeling="excited for tonight!")
            assert "1 in the mix" in fake.messages(lounge)[-1].content

        (ann_row,) = [u for u in rows(harness, User) if u.display_name == "Ann"]
        assert (ann_row.checkins_enabled, ann_row.checkin_delay_s) == (True, 7200)

    run(scenario())


# -- rendering within Discord's limits -------------------------------------------------------------


def _entries(count: int) -> tuple[PlaylistEntry, ...]:
    return tuple(
        PlaylistEntry(100 + i, i + 1, f"Song {i + 1}", "Artist", "a reason", f"https://x/{i}")
        for i in range(count)
    )


def test_more_than_ten_songs_keep_the_last_row_for_the_replys_own_buttons() -> None:
    modes = tuple(Button(m.label, f"mode:{m.value}") for m in Mode if m != Mode.MATCH)
    out = Outgoing("songs", (modes,), _entries(12), link="https://open.spotify.com/playlist/p")
    layout = button_rows(out)
    assert len(layout) == 5 and all(len(row) <= 5 for row in layout)
    reacted = {b.action for row in layout[:4] for b in row}
    assert reacted == {f"r:{c}:{100 + i}" for c in "ld" for i in range(10)}  # songs 1-10
    assert [b.label for b in layout[4]] == [*(b.label for b in modes), "Open the playlist"]


def test_own_buttons_that_do_not_fit_are_packed_with_the_playlist_link_first() -> None:
    many = tuple((Button(f"choice {i}", f"pick:{i}"),) for i in range(7))
    out = Outgoing("songs", many, _entries(10), link="https://open.spotify.com/playlist/p")
    last = button_rows(out)[4]
    assert [b.label for b in last] == ["Open the playlist", *(f"choice {i}" for i in range(4))]


def test_long_replies_are_split_at_line_ends_within_2000_characters() -> None:
    lines = [f"line {i} " + "x" * 50 for i in range(100)]
    chunks = render_text(Outgoing("\n".join(lines)))
    assert len(chunks) > 1 and all(len(c) <= 2000 for c in chunks)
    assert [line for c in chunks for line in c.split("\n")] == lines
    assert render_text(Outgoing("y" * 4500)) == ["y" * 2000, "y" * 2000, "y" * 500]


def test_each_song_carries_its_video_compactly() -> None:
    entry = PlaylistEntry(
        1, 1, "Song", "Band", "why", "https://open.spotify.com/track/x", "https://v/?q=a+b"
    )
    (text,) = render_text(Outgoing("songs", entries=(entry,)))
    assert (
        "1. [Song - Band](<https://open.spotify.com/track/x>) · [video](<https://v/?q=a+b>)" in text
    )


def test_someone_elses_forget_button_is_refused_where_only_the_presser_sees_it(
    harness: Harness, fake: FakeDiscord
) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake) as bot:
            ann, bob = fake.create_user("Ann"), fake.create_user("Bob")
            lounge = fake.guild_channel("lounge")
            await bot.gateway.slash(ann, lounge, "forget")
            ask = fake.messages(lounge)[-1]
            (anns,) = [u.id for u in rows(harness, User) if u.external_id == str(ann.id)]
            assert ask.custom_ids == [f"mw:forget:yes:u{anns}", f"mw:forget:no:u{anns}"]

            pressed = await bot.gateway.press(bob, lounge, ask, f"mw:forget:yes:u{anns}")
            refusal = fake.messages(lounge)[-1]
            assert pressed.callbacks[0]["data"].get("flags") == 64  # only Bob sees it
            assert refusal.ephemeral and refusal.content == replies.NOT_YOUR_BUTTON
            assert {u.external_id for u in rows(harness, User)} == {str(ann.id), str(bob.id)}

            await bot.gateway.press(ann, lounge, ask, f"mw:forget:yes:u{anns}")
            assert fake.messages(lounge)[-1].content == replies.FORGET_DONE
            assert {u.external_id for u in rows(harness, User)} == {str(bob.id)}

    run(scenario())


def test_a_long_reply_is_split_before_it_is_escaped() -> None:
    """A cut between a backslash and the character it escapes would restyle the next message."""
    text = "\n".join(["*" * 1500, "_" * 3000, "plain ~line~ " * 10])
    chunks = render_text(Outgoing(text))
    assert all(len(c) <= 2000 for c in chunks)
    for chunk in chunks:
        # every markdown character escaped within its own message, none left dangling
        assert re.fullmatch(r"(?:\\[*_~]|[^*_~\\])*", chunk), chunk[:80]
    assert re.sub(r"\\(.)", r"\1", "\n".join(chunks)).replace("\n", "") == text.replace("\n", "")


def test_songs_are_kept_whole_across_messages() -> None:
    entries = tuple(
        PlaylistEntry(i, i, f"Song *{i}*", "Band", "x" * 390, f"https://open.spotify.com/track/{i}")
        for i in range(1, 11)
    )
    chunks = render_text(Outgoing("Here are your songs", entries=entries))
    assert len(chunks) > 1 and all(len(c) <= 2000 for c in chunks)
    songs = [line for c in chunks for line in c.split("\n") if re.match(r"\d+\. ", line)]
    assert len(songs) == 10
    for chunk in chunks:  # each song's reason travels with its link
        lines = chunk.split("\n")
        for i, line in enumerate(lines):
            if re.match(r"\d+\. ", line):
                assert lines[i + 1].startswith("   _")


def test_slash_commands_read_in_each_language_moodwave_speaks(
    harness: Harness, fake: FakeDiscord
) -> None:
    async def scenario() -> None:
        async with running_bot(harness.conversation, fake):
            synced = {c["name"]: c for c in fake.commands}
            for command in synced.values():
                localized = command.get("description_localizations") or {}
                # Discord's Spanish and Portuguese locales read the catalogues' es and pt
                assert {"es-ES", "es-419", "de", "fr", "pt-BR"} <= localized.keys(), command
                assert all(text != command["description"] for text in localized.values())
                assert all(1 <= len(text) <= 100 for text in localized.values())
                assert not command.get("name_localizations")  # /mood stays /mood
            assert synced["start"]["description_localizations"]["es-ES"] == "qué hace Moodwave"
            (feeling,) = synced["feel"]["options"]
            assert feeling["description_localizations"]["de"].startswith("wie du dich")
            forget = synced["forget"]["options"][0]["choices"]
            assert [c["name_localizations"]["fr"] for c in forget] == [
                "oui, tout effacer",
                "non, garde-le",
            ]

    run(scenario())
