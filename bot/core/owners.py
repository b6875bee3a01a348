"""Buttons that act for one person: the consent and forget choices carry their owner's id (the
person's row id, `u12`) as their last argument, so in a group chat a member who presses someone
else's button is refused with a short notice instead of acting for them. A command typed without
the tag acts for whoever typed it."""

from __future__ import annotations

from bot.core.events import Command, Payload, command_action

OWNED_COMMANDS = frozenset({"privacy", "forget"})
OWNER_PREFIX = "u"


def owned_action(owner_id: int, name: str, *args: str) -> str:
    """A button's action that only `owner_id` may use."""
    return command_action(name, *args, f"{OWNER_PREFIX}{owner_id}")


def split_owner(args: tuple[str, ...]) -> tuple[int | None, tuple[str, ...]]:
    """(the owner's id or None, the arguments without the tag)."""
    if args:
        tag = args[-1]
        digits = tag[len(OWNER_PREFIX) :]
        if tag.startswith(OWNER_PREFIX) and digits.isdecimal() and digits.isascii():
            return int(digits), args[:-1]
    return None, args


def without_owner(action: str) -> str:
    """The action as its owner would type it (the console shows buttons as commands)."""
    name, *args = action.split(":")
    _, rest = split_owner(tuple(args)) if name in OWNED_COMMANDS else (None, tuple(args))
    return ":".join((name, *rest))


def is_owned(payload: Payload) -> bool:
    """A press of a button that acts for one person (answered to the presser alone where the
    platform can)."""
    return (
        isinstance(payload, Command)
        and payload.name in OWNED_COMMANDS
        and split_owner(payload.args)[0] is not None
    )
