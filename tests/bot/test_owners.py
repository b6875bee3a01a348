"""The owner tag on buttons that act for one person, and how the console shows them."""

from __future__ import annotations

from bot.adapters.console import render
from bot.core import replies
from bot.core.events import Command, Outgoing, decode_action
from bot.core.owners import is_owned, split_owner, without_owner


def test_the_owner_tag_is_the_last_argument_and_only_plain_digits_count() -> None:
    assert split_owner(("yes", "u12")) == (12, ("yes",))
    assert split_owner(("yes",)) == (None, ("yes",))
    assert split_owner(("yes", "u²")) == (None, ("yes", "u²"))  # not a forged owner 2
    assert split_owner(("u",)) == (None, ("u",))
    assert is_owned(decode_action("forget:yes:u3") or Command("x"))
    assert not is_owned(Command("forget", ("yes",)))
    assert not is_owned(Command("mode", ("u3",)))


def test_the_console_shows_owned_buttons_as_their_owner_types_them() -> None:
    assert without_owner("privacy:on:u7") == "privacy:on"
    assert without_owner("mode:lift") == "mode:lift"
    shown = render(Outgoing("?", replies.forget_buttons(7)))
    assert "/forget yes (Yes, delete everything)" in shown and "u7" not in shown
