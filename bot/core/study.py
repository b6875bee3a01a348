"""The mood-shift study inside the conversation: which arm a recommendation gets, and the
Self-Assessment Manikin (SAM) self-reports before and after.

Only people who said yes to research (/privacy) are randomised, and only while check-ins are on
(an arm without its check-in measures nothing). Everyone else gets the production ranker; their
recommendations still record it as their arm, with `randomised` False, and are never exported.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.events import whole_number
from bot.core.people import Person
from recommender import Recommender
from recommender.arms import Arm, ArmAssigner, arm_of

log = logging.getLogger(__name__)

GROUP_ARM = "group"  # a group mix's shared playlist is never randomised


@dataclass(frozen=True)
class Treatment:
    """What one recommendation gets: an arm, its ranker (None: no playlist), and the draw."""

    arm: str
    ranker: Recommender | None
    randomised: bool = False
    draw: float | None = None


class StudyArms:
    """Arms with their rankers and the seeded assigner. The rankers of `widedeep` and `nearest`
    are the production ones where they are the same kind, so learning is shared."""

    def __init__(self, assigner: ArmAssigner, rankers: Mapping[Arm, Recommender]) -> None:
        missing = [arm for arm in assigner.arms if arm.sends_playlist and arm not in rankers]
        if missing:
            raise ValueError(f"research arms without a ranker: {', '.join(missing)}")
        self.assigner = assigner
        self.rankers = dict(rankers)

    def treatment(self, person: Person, unit_key: str, production: Recommender) -> Treatment:
        if not (person.research_consent and person.checkins_enabled):
            return Treatment(arm_of(production), production)
        chosen = self.assigner.assign(unit_key)
        log.info("research arm %s (draw %.6f) for %s", chosen.arm.value, chosen.draw, unit_key)
        ranker = self.rankers.get(chosen.arm) if chosen.arm.sends_playlist else None
        return Treatment(chosen.arm.value, ranker, randomised=True, draw=chosen.draw)


def production_treatment(ranker: Recommender) -> Treatment:
    return Treatment(arm_of(ranker), ranker)


SAM_POINTS = range(1, 6)
SAM_VERSION = "sam-5point"  # the model version of a mood told by both SAM scales


def sam_value(point: int) -> float:
    """A 5-point SAM rating (1..5) on the model's [-1, 1] scale: 1 -> -1, 3 -> 0, 5 -> 1."""
    return (point - 3) / 2.0


def sam_point(value: float) -> int:
    """A SAM value in [-1, 1] back to its 1-5 point."""
    return round(value * 2 + 3)


@dataclass(frozen=True)
class SamPress:
    """A SAM button: `target` "c" (check-in, the mood after) or "r" (recommendation, the mood
    before), the row's id, the dimension and the point."""

    target: str
    target_id: int
    dimension: str  # valence | arousal
    point: int

    @classmethod
    def parse(cls, args: tuple[str, ...]) -> SamPress | None:
        if len(args) != 4:
            return None
        target, target_id, code, point = args
        dimension = {"v": "valence", "a": "arousal"}.get(code)
        if target not in ("c", "r") or dimension is None:
            return None
        row_id, scale_point = whole_number(target_id), whole_number(point)
        if row_id is None or scale_point is None or scale_point not in SAM_POINTS:
            return None
        return cls(target, row_id, dimension, scale_point)

    @property
    def value(self) -> float:
        return sam_value(self.point)
