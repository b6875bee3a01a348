"""A Discord reply's text: Discord markdown, in messages of at most 2,000 characters."""

from __future__ import annotations

import discord

from bot.adapters.base import split_message
from bot.core.events import Outgoing

MAX_TEXT = 2000


def render_text(out: Outgoing) -> list[str]:
    """The reply in Discord markdown, split at line ends into messages of at most 2,000
    characters. Links sit in angle brackets so ten songs do not unfold into ten previews."""
    lines = [discord.utils.escape_markdown(out.text)]
    for entry in out.entries:
        title = _link_text(f"{entry.title} - {entry.artist}")
        song = f"[{title}](<{entry.url}>)" if entry.url else title
        if entry.video_url:
            song += f" · [video](<{entry.video_url}>)"
        lines.append(f"{entry.position}. {song}")
        lines.append(f"   _{discord.utils.escape_markdown(entry.reason)}_")
    return split_message("\n".join(lines), MAX_TEXT)


def _link_text(text: str) -> str:
    # Brackets would end the masked link early; markdown would restyle a song's title.
    return discord.utils.escape_markdown(text).replace("[", "\\[").replace("]", "\\]")
