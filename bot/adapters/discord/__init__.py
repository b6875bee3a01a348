"""The Discord adapter: discord.py (v2) interactions and messages in, the core's replies out.

It translates, and nothing more: a slash command, a button press, a direct message (or a server
message that mentions the bot or replies to it) or a voice message becomes one `Incoming` event;
each `Outgoing` becomes one or more messages of at most 2,000 characters with buttons. Buttons are
persistent dynamic items: their custom id carries the core's action string, so a button keeps
working after a restart without any view kept in memory. Discord allows 5 rows of 5 buttons, so a
playlist shows 👍/👎 for its first 10 songs in 4 rows and the reply's own buttons (and the playlist
link) in the last row; later songs are reacted to with /like N. An interaction is acknowledged
(deferred) before the core runs, because Discord drops an interaction not acknowledged within 3
seconds; whoever acknowledges it answers it, so a copy delivered to a second process is dropped.
The core is synchronous (database, model), so it runs in a worker thread.
"""

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.buttons import ButtonSpec, button_rows
from bot.adapters.discord.client import MoodwaveClient
from bot.adapters.discord.incoming import PLATFORM
from bot.adapters.discord.text import render_text

__all__ = [
    "PLATFORM",
    "ButtonSpec",
    "DiscordAdapter",
    "MoodwaveClient",
    "button_rows",
    "render_text",
]
