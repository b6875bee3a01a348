"""What adapters hand the core (`Incoming`) and what the core hands back (`Outgoing`).

Adapters translate a platform update into one `Incoming` and render each `Outgoing`; they hold no
logic. Buttons carry a compact action string (at most 64 bytes, Telegram's callback-data limit) that
`decode_action` turns back into the payload the button stands for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Protocol


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class ReactionKind(StrEnum):
    LIKE = "like"
    DISLIKE = "dislike"
    SKIP = "skip"
    PLAYED = "played"


@dataclass(frozen=True)
class ChatRef:
    external_id: str
    kind: ChatKind = ChatKind.PRIVATE
    title: str | None = None


@dataclass(frozen=True)
class UserRef:
    external_id: str
    display_name: str | None = None


@dataclass(frozen=True)
class TextMessage:
    text: str


@dataclass(frozen=True)
class VoiceNote:
    audio: bytes
    mime_type: str = "audio/ogg"


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReactionPress:
    """A reaction button pressed under a song: points at the stored recommendation item."""

    item_id: int
    kind: ReactionKind


Payload = TextMessage | VoiceNote | Command | ReactionPress


@dataclass(frozen=True)
class Incoming:
    platform: str
    chat: ChatRef
    user: UserRef
    payload: Payload
    update_id: str | None = None  # None: the platform has no redelivery, nothing to deduplicate
    language: str | None = None  # the person's app language ("es", "pt-BR"), when the platform says


@dataclass(frozen=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True)
class PlaylistEntry:
    item_id: int
    position: int
    title: str
    artist: str
    reason: str
    url: str
    video_url: str | None = None  # its music video (or a search for it)


@dataclass(frozen=True)
class Outgoing:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    entries: tuple[PlaylistEntry, ...] = ()  # songs, each rendered with reaction buttons
    link: str | None = None  # the whole playlist, when a provider made one
    meta: dict[str, str] = field(default_factory=dict)


class NotHandledNow(RuntimeError):
    """The core could not handle an update now: it missed its deadline, it died, or the database
    did not answer. Nothing of the update was finished: the adapter apologises and hands the update
    back (its claim released, the webhook answered 503), so its redelivery is handled."""


def encode_replies(outs: list[Outgoing]) -> str:
    """Replies as JSON, to keep until they are delivered (a group mix's playlist)."""
    return json.dumps([asdict(out) for out in outs])


def decode_replies(text: str) -> list[Outgoing]:
    return [
        Outgoing(
            raw["text"],
            tuple(tuple(Button(**b) for b in row) for row in raw["buttons"]),
            tuple(PlaylistEntry(**e) for e in raw["entries"]),
            raw["link"],
            dict(raw["meta"]),
        )
        for raw in json.loads(text)
    ]


def without_nul(event: Incoming) -> Incoming:
    """The event with NUL characters taken out of its words (the text, a command's words, names):
    PostgreSQL refuses them in text, and they mean nothing in a message."""

    def clean(text: str) -> str:
        return text.replace("\x00", "")

    def clean_or_none(text: str | None) -> str | None:
        return None if text is None else clean(text)

    payload = event.payload
    if isinstance(payload, TextMessage):
        payload = TextMessage(clean(payload.text))
    elif isinstance(payload, Command):
        payload = Command(clean(payload.name), tuple(clean(arg) for arg in payload.args))
    return replace(
        event,
        chat=replace(event.chat, title=clean_or_none(event.chat.title)),
        user=replace(event.user, display_name=clean_or_none(event.user.display_name)),
        payload=payload,
    )


class Core(Protocol):
    """What an adapter hands each event to: the conversation, in the bot's process or in a process
    of its own (`bot.core_process`). Never raises for a bad event: the reply is then an apology.
    Raises `NotHandledNow` for an update (an event with an update id) that could not be handled
    now and can be delivered again."""

    def handle(self, event: Incoming) -> list[Outgoing]: ...


# How a reply reaches one chat from outside an update (a check-in, a group mix, a notice): the chat's
# external id and the reply; raises when it could not be sent: `DeliveryUncertain` when it may have
# been sent all the same, any other exception when it surely was not.
Send = Callable[[str, Outgoing], None]


class DeliveryUncertain(Exception):
    """A send cut off after it may have reached the platform (it timed out, or the process sending
    it went away): it may have arrived or not. Whoever sent it records "maybe sent" and does not
    send it again, since no chat platform lets a second send be recognised as a repeat."""


MAX_ACTION_BYTES = 64
_REACTION_CODES = {
    "l": ReactionKind.LIKE,
    "d": ReactionKind.DISLIKE,
    "s": ReactionKind.SKIP,
    "p": ReactionKind.PLAYED,
}
_REACTION_LETTERS = {kind: code for code, kind in _REACTION_CODES.items()}


def command_action(name: str, *args: str) -> str:
    action = ":".join((name, *args))
    if len(action.encode()) > MAX_ACTION_BYTES:
        raise ValueError(f"button action over {MAX_ACTION_BYTES} bytes: {action!r}")
    return action


def reaction_action(item_id: int, kind: ReactionKind) -> str:
    return f"r:{_REACTION_LETTERS[kind]}:{item_id}"


def answered_in_place(payload: Payload) -> bool:
    """A button press acknowledged quietly (a toast on Telegram, a reply only the presser sees on
    Discord) rather than with a message to the whole chat: reactions and SAM ratings."""
    return isinstance(payload, ReactionPress) or (
        isinstance(payload, Command) and payload.name == "sam"
    )


LARGEST_ID = 2**63 - 1  # a database id fits a signed 64-bit integer


def whole_number(text: str) -> int | None:
    """`text` as a whole number when it is ASCII digits only, else None. Not `str.isdigit`: "²"
    and "①" are digits to it and `int` refuses them; and a number past 64 bits is no row's id
    (PostgreSQL and SQLite would refuse it as a query parameter)."""
    if not (text.isascii() and text.isdecimal() and len(text) <= len(str(LARGEST_ID))):
        return None
    number = int(text)
    return number if number <= LARGEST_ID else None


def decode_action(action: str) -> Payload | None:
    """The payload a pressed button stands for; None for anything malformed or forged."""
    parts = action.split(":")
    if len(parts) == 3 and parts[0] == "r":
        kind = _REACTION_CODES.get(parts[1])
        item_id = whole_number(parts[2])
        if kind is not None and item_id is not None:
            return ReactionPress(item_id, kind)
        return None
    if parts[0] and parts[0].isalpha() and parts[0] != "r":
        return Command(parts[0].lower(), tuple(p for p in parts[1:] if p))
    return None
