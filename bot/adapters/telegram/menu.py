"""Telegram's command menu (`setMyCommands`): every command of the core, in the scopes where each
makes sense."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.ext import Application

from bot.core.languages import DEFAULT, LANGUAGES, N_, catalogue

# Every command of the core, as Telegram's menu shows it; a command where it makes no sense (/mix
# in a private chat, /spotify in a group) is left out of that scope's menu.
COMMANDS = {
    "start": N_("what Moodwave does"),
    "help": N_("how to use Moodwave"),
    "mix": N_("one shared playlist from everyone's mood (groups)"),
    "mode": N_("what the music should do with your mood"),
    "checkin": N_("check-ins on, off, or when: /checkin 30m"),
    "feel": N_("answer the check-in: how do you feel now?"),
    "fix": N_("not the mood I read? pick the right one"),
    "spotify": N_("playlists in your own Spotify account: /spotify link"),
    "privacy": N_("research consent: see or change"),
    "language": N_("the language of Moodwave's replies"),
    "forget": N_("delete everything Moodwave stored about you"),
}
PRIVATE_ONLY = frozenset({"spotify"})
GROUP_ONLY = frozenset({"mix"})


def scoped_commands(language: str = DEFAULT) -> dict[str, list[BotCommand]]:
    """The menu of each scope: "default" (any chat), "all_private_chats", "all_group_chats", its
    descriptions in `language` (English where the catalogue lacks one)."""
    words = catalogue(language)
    everything = [BotCommand(name, words.gettext(about)) for name, about in COMMANDS.items()]
    return {
        "default": everything,
        "all_private_chats": [c for c in everything if c.command not in GROUP_ONLY],
        "all_group_chats": [c for c in everything if c.command not in PRIVATE_ONLY],
    }


async def register_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Set the menus; a narrower scope wins in Telegram's clients, the default covers the rest.
    The English menus have no language code, so they serve every language Moodwave does not
    speak; each other language gets its own (Telegram shows the one of the user's app language)."""
    for language in LANGUAGES:
        menus = scoped_commands(language)
        code = None if language == DEFAULT else language
        await app.bot.set_my_commands(menus["default"], language_code=code)
        await app.bot.set_my_commands(
            menus["all_private_chats"], scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
        await app.bot.set_my_commands(
            menus["all_group_chats"], scope=BotCommandScopeAllGroupChats(), language_code=code
        )
