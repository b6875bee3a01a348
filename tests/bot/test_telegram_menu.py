"""Telegram conventions, through the real python-telegram-bot against the fake Bot API: every
command of the core is in the command menu (setMyCommands), for the default, private-chat and
group-chat scopes; "typing..." (sendChatAction) shows while a mood is read and its playlist built,
from a text or a voice note, and lands before the reply."""

from __future__ import annotations

from bot.core.reactions import REACTION_COMMANDS
from tests.bot.conftest import Harness
from tests.bot.test_telegram import RunningBot, last
from tests.fakes.telegram import FakeChat, FakeTelegram

PRIVATE = {"type": "all_private_chats"}
GROUPS = {"type": "all_group_chats"}


def names(fake: FakeTelegram, scope: dict[str, str] | None = None) -> set[str]:
    return {c["command"] for c in fake.commands(scope)}


def test_every_command_is_in_telegrams_menu_for_private_chats_and_groups(
    harness: Harness, fake: FakeTelegram
) -> None:
    with RunningBot(harness, fake):
        pass
    # The core's commands, less the ones only buttons send (sam) or typed as "like 3".
    typed = set(harness.conversation.commands) - {"sam"} - set(REACTION_COMMANDS)
    assert {"mix", "checkin", "spotify", "fix"} <= typed
    assert names(fake) == typed
    assert names(fake, PRIVATE) == typed - {"mix"}  # a mix needs a group
    assert names(fake, GROUPS) == typed - {"spotify"}  # linking an account is private
    english = [r for r in fake.requests("setMyCommands") if "language_code" not in r.params]
    assert [r.params.get("scope") for r in english] == [None, PRIVATE, GROUPS]
    assert all(1 <= len(c["description"]) <= 256 for c in fake.commands())


def test_the_menu_reads_in_each_language_moodwave_speaks(
    harness: Harness, fake: FakeTelegram
) -> None:
    with RunningBot(harness, fake):
        pass
    english = {c["command"]: c["description"] for c in fake.commands()}
    for code in ("es", "de", "fr", "pt"):
        for scope in (None, PRIVATE, GROUPS):
            assert names(fake, scope) == {c["command"] for c in fake.commands(scope, code)}
        menu = {c["command"]: c["description"] for c in fake.commands(None, code)}
        assert menu.keys() == english.keys()
        # every description translated (none left in English) and within Telegram's 256
        assert all(menu[name] != english[name] for name in menu), (code, menu)
        assert all(1 <= len(about) <= 256 for about in menu.values())
    assert fake.commands(None, "es")[0]["description"] == "qué hace Moodwave"


def replied_after_typing(fake: FakeTelegram, chat: FakeChat) -> bool:
    """The chat got "typing..." before the bot's first message to it."""
    calls = [
        r.method
        for r in fake.requests()
        if r.method in ("sendChatAction", "sendMessage") and r.params.get("chat_id") == chat.id
    ]
    return "sendChatAction" in calls and calls.index("sendChatAction") < calls.index("sendMessage")


def test_typing_shows_while_a_text_or_a_voice_note_is_read(
    harness: Harness, fake: FakeTelegram
) -> None:
    ann, bea = fake.create_user("Ann"), fake.create_user("Bea")
    text_chat, voice_chat = fake.create_private_chat(ann), fake.create_private_chat(bea)
    group = fake.create_group("Friday tunes")
    with RunningBot(harness, fake):
        fake.user_sends_text(ann, text_chat, "tired but hopeful")
        assert "You sound" in (last(fake, text_chat, 1).text or "")
        fake.user_sends_voice(bea, voice_chat, b"OggS-voice-note-bytes", duration=3)
        last(fake, voice_chat, 1)
        fake.user_sends_text(ann, group, "calm and content")
        last(fake, group, 1)
        typed_before_help = len(fake.chat_actions(text_chat))
        fake.user_sends_command(ann, text_chat, "help")
        last(fake, text_chat, 2)
    for chat in (text_chat, voice_chat, group):
        assert replied_after_typing(fake, chat), fake.chat_actions(chat)
        assert set(fake.chat_actions(chat)) == {"typing"}
    # A quick command gets no "typing...".
    assert len(fake.chat_actions(text_chat)) == typed_before_help
