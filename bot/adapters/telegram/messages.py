"""Telegram updates as the core's `Incoming` events, and its `Outgoing` replies as HTML messages
with inline keyboards."""

from __future__ import annotations

import html

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.constants import ChatType

from bot.adapters.base import pack_blocks, split_message
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
MAX_SONG_CHARS = 1000  # a song's title or reason, so that one song always fits a message
REACTION_LABELS = (
    (ReactionKind.LIKE, "👍"),
    (ReactionKind.DISLIKE, "👎"),
    (ReactionKind.SKIP, "⏭"),
)
# The placeholder users Telegram puts in `from` of a message sent on behalf of a chat: the same
# user in every group (a group's anonymous administrators; a channel posting in a group).
GROUP_ANONYMOUS_BOT_ID = 1087968824
CHANNEL_BOT_ID = 136817688


def incoming(update: Update, payload: Payload) -> Incoming | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    kind = ChatKind.PRIVATE if chat.type == ChatType.PRIVATE else ChatKind.GROUP
    return Incoming(
        PLATFORM,
        ChatRef(str(chat.id), kind, chat.title),
        sender(update, chat, user),
        payload,
        str(update.update_id),
        user.language_code,  # the person's app language: replies follow it unless /language
    )


def sender(update: Update, chat: Chat, user: User) -> UserRef:
    """Who the update is from. A message sent on behalf of a chat (a group's anonymous
    administrators, a channel) comes from a placeholder user shared by every group, so it is keyed
    by that chat and by the chat it was sent in: consent, check-ins and /forget of one group's
    anonymous administrators never reach another group's. A button press always names its
    presser."""
    message = update.message or update.edited_message
    on_behalf = message.sender_chat if message is not None else None
    if on_behalf is None and user.id not in (GROUP_ANONYMOUS_BOT_ID, CHANNEL_BOT_ID):
        return UserRef(str(user.id), user.first_name or user.username)
    behalf_id = on_behalf.id if on_behalf is not None else chat.id
    signature = message.author_signature if message is not None else None
    name = signature or (on_behalf.title if on_behalf is not None else None) or chat.title
    return UserRef(f"chat:{behalf_id}@{chat.id}", name)


def render_text(out: Outgoing) -> list[str]:
    """The reply as HTML messages within Telegram's 4,096 characters (counted after the HTML is
    parsed). Split before escaping, never after: a cut through an escaped `&amp;` or a link's tag
    leaves HTML that Telegram refuses ("can't parse entities"), and the reply is lost. So the text
    is split as written, each piece escaped on its own, and each song (its link and its reason) is
    kept whole in one message."""
    blocks: list[tuple[str, int]] = []  # (HTML, characters it shows)
    if out.text.strip() or not out.entries:
        blocks += [(html.escape(piece), len(piece)) for piece in split_message(out.text, MAX_TEXT)]
    for entry in out.entries:
        title = _clip(f"{entry.title} - {entry.artist}", MAX_SONG_CHARS)
        reason = _clip(entry.reason, MAX_SONG_CHARS)
        number = f"{entry.position}. "
        link = f'<a href="{html.escape(entry.url)}">{html.escape(title)}</a>'
        video = f' · <a href="{html.escape(entry.video_url)}">video</a>' if entry.video_url else ""
        blocks.append(
            (
                f"{number}{link}{video}\n    <i>{html.escape(reason)}</i>",
                len(number) + len(title) + len(" · video" if video else "") + 1 + 4 + len(reason),
            )
        )
    return pack_blocks(blocks, MAX_TEXT)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
