"""Where the product's Wide & Deep state lives: the models folder under `$MOODWAVE_HOME`, and the
`FeedbackLog` over the database (the reactions and check-in rewards a version replays after its
cut-off). The app builds the ranker through the registry (`recommender.rankers`); `moodwave
train-ranker` reads the same log to refit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from nlp import Mood
from recommender.ranking import Feedback
from recommender.widedeep.versions import Cutoff, ModelFolder
from storage.ranker_data import LoggedReaction, RankerData

WIDEDEEP_FOLDER = "widedeep"


class DatabaseFeedbackLog:
    """The `FeedbackLog` over the database: reactions by id, check-in rewards by answer time."""

    def __init__(self, data: RankerData) -> None:
        self._data = data

    def feedback_since(self, cutoff: Cutoff) -> list[Feedback]:
        answered = (
            datetime.fromisoformat(cutoff.checkin_answered_at)
            if cutoff.checkin_answered_at
            else None
        )
        rows = self._data.reactions_since(cutoff.reaction_id)
        rows += self._data.checkin_rewards_since(answered)
        # Stable sort by time: reactions keep their id order, rewards fall in when they happened.
        rows.sort(key=lambda r: _naive(r.at))
        return [_feedback(r) for r in rows]

    def cutoff_now(self) -> Cutoff:
        answered = self._data.latest_checkin_answer()
        return Cutoff(self._data.latest_reaction_id(), answered.isoformat() if answered else None)


def models_folder(moodwave_home: Path) -> ModelFolder:
    """Where the Wide & Deep versions live: `$MOODWAVE_HOME/models/widedeep`."""
    return ModelFolder(moodwave_home / "models" / WIDEDEEP_FOLDER)


def _feedback(row: LoggedReaction) -> Feedback:
    return Feedback(row.user_key, row.track_id, Mood(row.valence, row.arousal), row.kind)


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None) if at.tzinfo else at
