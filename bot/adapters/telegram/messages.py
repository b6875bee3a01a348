"""Telegram updates as the core's `Incoming` events, and its `Outgoing` replies as HTML messages
with inline keyboards."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.adapters.base import split_message
from bot.core.events import (
    ChatKind,
    ChatRef,
    Incoming,
    Outgoing,
    Payload,
    ReactionKind,
    UserRef,
    reaction_action,
)

PLATFORM = "telegram"
MAX_TEXT = 4096
REACTION_LABELS = (
    (ReactionKind.LIKE, "👍"),
    (ReactionKind.DISLIKE, "👎"),
    (ReactionKind.SKIP, "⏭"),
)


def incoming(update: Update, payload: Payload) -> Incoming | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    kind = ChatKind.PRIVATE if chat.type == ChatType.PRIVATE else ChatKind.GROUP
    return Incoming(
        PLATFORM,
        ChatRef(str(chat.id), kind, chat.title),
        UserRef(str(user.id), user.first_name or user.username),
        payload,
        str(update.update_id),
        user.language_code,  # the person's app language: replies follow it unless /language
    )


def render_text(out: Outgoing) -> list[str]:
    """The reply as HTML, split at line ends into messages within Telegram's 4,096 characters."""
    lines = [html.escape(out.text)]
    for entry in out.entries:
        title = html.escape(f"{entry.title} - {entry.artist}")
        song = f'{entry.position}. <a href="{html.escape(entry.url)}">{title}</a>'
        if entry.video_url:
            song += f' · <a href="{html.escape(entry.video_url)}">video</a>'
        lines.append(song)
        lines.append(f"    <i>{html.escape(entry.reason)}</i>")
    return split_message("\n".join(lines), MAX_TEXT)


def keyboard(out: Outgoing) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = [
        [
            InlineKeyboardButton(
                f"{entry.position} {label}", callback_data=reaction_action(entry.item_id, kind)
            )
            for kind, label in REACTION_LABELS
        ]
        for entry in out.entries
    ]
    rows += [
        [InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in out.buttons
    ]
    if out.link:
        rows.append([InlineKeyboardButton("Open the playlist", url=out.link)])
    return InlineKeyboardMarkup(rows) if rows else None
