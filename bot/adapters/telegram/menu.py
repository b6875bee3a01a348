"""Telegram's command menu (`setMyCommands`): every command of the core, in the scopes where each
makes sense."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.ext import Application

# Every command of the core, as Telegram's menu shows it; a command where it makes no sense (/mix
# in a private chat, /spotify in a group) is left out of that scope's menu.
COMMANDS = {
    "start": "what Moodwave does",
    "help": "how to use Moodwave",
    "mix": "one shared playlist from everyone's mood (groups)",
    "mode": "what the music should do with your mood",
    "checkin": "check-ins on, off, or when: /checkin 30m",
    "feel": "answer the check-in: how do you feel now?",
    "fix": "not the mood I read? pick the right one",
    "spotify": "playlists in your own Spotify account: /spotify link",
    "privacy": "research consent: see or change",
    "language": "the language of Moodwave's replies",
    "forget": "delete everything Moodwave stored about you",
}
PRIVATE_ONLY = frozenset({"spotify"})
GROUP_ONLY = frozenset({"mix"})


def scoped_commands() -> dict[str, list[BotCommand]]:
    """The menu of each scope: "default" (any chat), "all_private_chats", "all_group_chats"."""
    everything = [BotCommand(name, about) for name, about in COMMANDS.items()]
    return {
        "default": everything,
        "all_private_chats": [c for c in everything if c.command not in GROUP_ONLY],
        "all_group_chats": [c for c in everything if c.command not in PRIVATE_ONLY],
    }


async def register_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Set the menus; a narrower scope wins in Telegram's clients, the default covers the rest."""
    menus = scoped_commands()
    await app.bot.set_my_commands(menus["default"])
    await app.bot.set_my_commands(
        menus["all_private_chats"], scope=BotCommandScopeAllPrivateChats()
    )
    await app.bot.set_my_commands(menus["all_group_chats"], scope=BotCommandScopeAllGroupChats())
