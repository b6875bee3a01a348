"""What the user wants the music to do with their mood, and the target mood each mode aims for.

Lift and calm follow the iso principle: a playlist starts near the current mood and moves step by
step toward the target, because music far from how someone feels is rejected rather than followed.
"""

from __future__ import annotations

from enum import StrEnum

from nlp import Mood
from recommender.wording import N_


class Mode(StrEnum):
    MATCH = "match"
    LIFT = "lift"
    CALM = "calm"
    ENERGISE = "energise"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, word: str) -> Mode | None:
        """Accept the mode name, its label words and common spellings ("energize", "calm down")."""
        key = word.strip().lower()
        for mode, aliases in _ALIASES.items():
            if key == mode.value or key in aliases:
                return mode
        return None


_LABELS = {
    Mode.MATCH: N_("match my mood"),
    Mode.LIFT: N_("lift me up"),
    Mode.CALM: N_("calm me down"),
    Mode.ENERGISE: N_("energise me"),
}

_ALIASES: dict[Mode, set[str]] = {
    Mode.MATCH: {"match my mood", "match", "same"},
    Mode.LIFT: {"lift me up", "lift up", "up", "cheer", "cheer me up"},
    Mode.CALM: {"calm me down", "calm down", "relax", "chill"},
    Mode.ENERGISE: {"energise me", "energize", "energize me", "energy", "pump"},
}

# Where each mode ends up in VA space. None means "stay where the user is".
_GOALS: dict[Mode, tuple[float, float] | None] = {
    Mode.MATCH: None,
    Mode.LIFT: (0.7, 0.3),
    Mode.CALM: (0.4, -0.6),
    Mode.ENERGISE: (0.5, 0.8),
}


def target_mood(current: Mood, mode: Mode) -> Mood:
    """The mood the last song of the playlist should carry."""
    goal = _GOALS[mode]
    if goal is None:
        return Mood(current.valence, current.arousal, 1.0, "target", mode.value)
    return Mood(goal[0], goal[1], 1.0, "target", mode.value)


def mood_path(current: Mood, mode: Mode, length: int) -> list[Mood]:
    """One target per playlist position, from the current mood to the mode's target (iso
    principle)."""
    end = target_mood(current, mode)
    if length <= 1:
        return [end if mode is not Mode.MATCH else current]
    steps = []
    for i in range(length):
        t = i / (length - 1)
        steps.append(
            Mood(
                current.valence + t * (end.valence - current.valence),
                current.arousal + t * (end.arousal - current.arousal),
                1.0,
                "target",
                mode.value,
            )
        )
    return steps
