"""A Discord reply's text: Discord markdown, in messages of at most 2,000 characters."""

from __future__ import annotations

import discord

from bot.adapters.base import pack_blocks, split_then_mark_up
from bot.core.events import Outgoing

MAX_TEXT = 2000


MAX_SONG_CHARS = 400  # a song's title or reason, so that one song always fits a message


def render_text(out: Outgoing) -> list[str]:
    """The reply in Discord markdown, in messages of at most 2,000 characters (of markdown, as
    Discord counts them). Split before escaping, never after: a cut between a backslash and the
    character it escapes would restyle the rest of the message. So the text is split at line
    ends as written and each piece escaped on its own, and each song (its link and its reason) is
    kept whole in one message. Links sit in angle brackets so ten songs do not unfold into ten
    previews."""
    blocks: list[tuple[str, int]] = []
    if out.text.strip() or not out.entries:
        pieces = split_then_mark_up(out.text, MAX_TEXT, discord.utils.escape_markdown)
        blocks += [(piece, len(piece)) for piece in pieces]
    for entry in out.entries:
        title = _link_text(_clip(f"{entry.title} - {entry.artist}"))
        song = f"[{title}](<{entry.url}>)" if entry.url else title
        if entry.video_url:
            song += f" · [video](<{entry.video_url}>)"
        reason = discord.utils.escape_markdown(_clip(entry.reason))
        block = f"{entry.position}. {song}\n   _{reason}_"
        blocks.append((block, len(block)))
    return pack_blocks(blocks, MAX_TEXT)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SONG_CHARS else text[: MAX_SONG_CHARS - 1] + "…"


def _link_text(text: str) -> str:
    # Brackets would end the masked link early; markdown would restyle a song's title.
    return discord.utils.escape_markdown(text).replace("[", "\\[").replace("]", "\\]")
