"""Button actions fit Telegram's 64-byte callback data and decode back to what they stand for."""

from __future__ import annotations

import pytest

from bot.core.events import (
    MAX_ACTION_BYTES,
    Command,
    ReactionKind,
    ReactionPress,
    command_action,
    decode_action,
    reaction_action,
    whole_number,
)


@pytest.mark.parametrize("kind", list(ReactionKind))
def test_reaction_actions_round_trip(kind: ReactionKind) -> None:
    action = reaction_action(2**63 - 1, kind)
    assert len(action.encode()) <= MAX_ACTION_BYTES
    assert decode_action(action) == ReactionPress(2**63 - 1, kind)


def test_command_actions_round_trip() -> None:
    assert decode_action(command_action("mode", "lift")) == Command("mode", ("lift",))
    assert decode_action("forget:yes") == Command("forget", ("yes",))


def test_oversized_action_is_refused() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        command_action("mode", "x" * 70)


@pytest.mark.parametrize(
    "forged",
    ["", "r:x:1", "r:l:abc", "r:l", ":::", "1abc:x", "r:l:²", "r:d:①", "r:s:٣", f"r:l:{2**63}"],
)
def test_malformed_or_forged_actions_decode_to_nothing(forged: str) -> None:
    assert decode_action(forged) is None


@pytest.mark.parametrize("text", ["²", "①", "٣", "1²", "-1", "+1", " 1", "", str(2**63)])
def test_only_plain_digits_within_an_id_are_whole_numbers(text: str) -> None:
    assert whole_number(text) is None


def test_whole_numbers() -> None:
    assert whole_number("0") == 0 and whole_number("042") == 42
    assert whole_number(str(2**63 - 1)) == 2**63 - 1
