"""What adapters hand the core (`Incoming`) and what the core hands back (`Outgoing`).

Adapters translate a platform update into one `Incoming` and render each `Outgoing`; they hold no
logic. Buttons carry a compact action string (at most 64 bytes, Telegram's callback-data limit) that
`decode_action` turns back into the payload the button stands for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


class Core(Protocol):
    """What an adapter hands each event to: the conversation, in the bot's process or in a process
    of its own (`bot.core_process`). Never raises for a bad event: the reply is then an apology."""

    def handle(self, event: Incoming) -> list[Outgoing]: ...


# How a reply reaches one chat from outside an update (a check-in, a group mix, a notice): the chat's
# external id and the reply; raises when it could not be sent.
Send = Callable[[str, Outgoing], None]


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


def decode_action(action: str) -> Payload | None:
    """The payload a pressed button stands for; None for anything malformed or forged."""
    parts = action.split(":")
    if len(parts) == 3 and parts[0] == "r":
        kind = _REACTION_CODES.get(parts[1])
        if kind is not None and parts[2].isdigit():
            return ReactionPress(int(parts[2]), kind)
        return None
    if parts[0] and parts[0].isalpha() and parts[0] != "r":
        return Command(parts[0].lower(), tuple(p for p in parts[1:] if p))
    return None
