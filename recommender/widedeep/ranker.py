"""`WideDeepRecommender`: the two-stage ranker of the product. A few hundred candidates come from the
mood index near the mood path; the Wide & Deep model scores each for this person in this mood; the
shared re-rank (`recommender.reranking`) shapes the playlist (no artist twice, nothing disliked,
genres varied unless this person's history says otherwise) and gives each song its reason.

Learning and persistence. `observe` takes a few SGD steps on the person's own wide weights and user
embedding at once, so the very next playlist reflects the reaction. What is learned online is never
written to disk: it is *replayed*. On start (and on every hot reload) the ranker loads the latest
batch-trained version from the models folder and replays, through the same `observe`, every
reaction the `FeedbackLog` (the database) holds after that version's cut-off. Replay is
deterministic (same version, same reactions in the same order, same SGD), so a restart forgets
nothing and there is no second copy of state to corrupt or to keep in step with `/forget`: a forgotten
person's reactions are gone from the database, and the next version or restart no longer learns them.
Replay costs one online step per reaction since the last `moodwave train-ranker`, which is why the
batch refit should run regularly (e.g. nightly).

Hot reload: at most every `reload_check_seconds` a request looks for a newer version in the folder;
when there is one, it is loaded, the reactions after its cut-off are replayed, and it replaces the
current model between two requests, under the lock.

Cold start: an untrained model scores every song 0 (zero-initialised wide weights and last layer),
so without any version the ranking is the pure mood match; a batch-trained version adds the genre
and song priors learned across everyone (quadrant x genre crosses, genre and song embeddings) for a
person with no reactions yet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from recommender.rankers import RankerSetup
from recommender.ranking import Feedback, RankedSong, RecommendationRequest
from recommender.reranking import PlaylistShaper, genre_variety_penalty
from recommender.songs import Song
from recommender.widedeep.config import WideDeepConfig
from recommender.widedeep.features import AudioScale, SongTable, batch_for, user_keys
from recommender.widedeep.model import WideDeepModel, torch_threads
from recommender.widedeep.training import (
    examples_from_feedback,
    fit,
    online_step,
    with_negatives,
)
from recommender.widedeep.versions import Cutoff, FeedbackLog, ModelFolder

log = logging.getLogger(__name__)

STRATEGY = "wide-deep"
UNTRAINED = "untrained"


@dataclass
class _State:
    """One loaded model and what was learned on top of it since its cut-off."""

    model: WideDeepModel
    name: str
    table: SongTable
    memory: dict[str, deque[Feedback]] = field(default_factory=dict)
    disliked: dict[str, set[str]] = field(default_factory=dict)
    observed: int = 0


class WideDeepRecommender:
    """A `LearningRecommender`; thread-safe (one lock around the model)."""

    def __init__(
        self,
        songs: Sequence[Song],
        models: ModelFolder | None = None,
        feedback_log: FeedbackLog | None = None,
        config: WideDeepConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._shaper = PlaylistShaper(songs)
        self._songs = self._shaper.songs
        self._position_of: dict[str, int] = {}
        for position, song in enumerate(self._songs):
            self._position_of.setdefault(song.track_id, position)
        self._config = config or WideDeepConfig()
        self._models = models
        self._log = feedback_log
        self._clock = clock
        self._lock = threading.RLock()
        self._catalog_scale = AudioScale.of(self._songs, self._config.song_features)
        self._base_table = SongTable.of(
            self._songs, self._catalog_scale, self._config.song_features
        )
        self._next_check = clock() + self._config.reload_check_seconds
        latest = models.latest() if models else None
        self._state = self._load(latest) if latest else self._untrained()

    # -- the Recommender seam ------------------------------------------------------------------

    @property
    def strategy(self) -> str:
        return STRATEGY

    @property
    def version(self) -> str:
        return f"widedeep-{self._state.name}"

    @property
    def config(self) -> WideDeepConfig:
        return self._config

    @property
    def model(self) -> WideDeepModel:
        """The model in use (batch-trained or untrained, with what was learned online since)."""
        return self._state.model

    def song(self, track_id: str) -> Song | None:
        position = self._position_of.get(track_id)
        return self._songs[position] if position is not None else None

    def recommend(self, request: RecommendationRequest) -> list[RankedSong]:
        self._maybe_reload()
        with self._lock:
            state = self._state
            return self._shaper.shape(
                request,
                lambda positions: (
                    state.model.config.score_weight * self._logits(state, request, positions)
                ),
                self._config.candidates_per_target,
                frozenset(state.disliked.get(request.user_key or "", ())),
                genre_variety_penalty(request.taste),
            )

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        """The model's logit for each song (unknown songs: -inf), this person, this mood."""
        known = [self._position_of.get(t) for t in track_ids]
        positions = np.asarray([p for p in known if p is not None], dtype=np.int64)
        with self._lock:
            logits = iter(self._logits(self._state, request, positions).tolist())
        return [next(logits) if p is not None else float("-inf") for p in known]

    def predict(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        """The probability that this person likes each song in this mood (groups read it)."""
        logits = torch.tensor(self.score(request, track_ids), dtype=torch.float64)
        return [float(p) for p in torch.sigmoid(logits)]

    # -- learning --------------------------------------------------------------------------------

    def observe(self, feedback: Feedback) -> None:
        with self._lock:
            self._observe_into(self._state, feedback)

    def train(
        self, feedback: Sequence[Feedback], start_from: WideDeepModel | None = None
    ) -> dict[str, Any]:
        """Refit a fresh model on all `feedback` (batch) and use it; returns training figures.
        What was learned online before is replaced: the batch data is meant to include it.
        `start_from`: a model of the same shape (e.g. pretrained on another study) whose weights
        the fit starts from instead of the fresh initialisation (fine-tuning)."""
        model, figures = train_model(
            self._songs, self._base_table, feedback, self._config, self._shaper, start_from
        )
        with self._lock:
            self._state = _State(model, "fitted", self._base_table)
        return figures

    def save_version(self, cutoff: Cutoff, figures: dict[str, Any] | None = None) -> str:
        """Write the current batch model as a new version of the models folder."""
        if self._models is None:
            raise ValueError("this ranker has no models folder to save to")
        with self._lock:
            name = self._models.save(self._state.model, self._catalog_scale, cutoff, figures)
            self._state.name = name
        return name

    # -- versions --------------------------------------------------------------------------------

    def reload_if_newer(self) -> bool:
        """Swap in the newest version of the models folder if it is not the one in use."""
        if self._models is None:
            return False
        latest = self._models.latest()
        if latest is None or latest == self._state.name:
            return False
        with self._lock:  # rare and short: requests wait rather than miss reactions
            self._state = self._load(latest)
        log.info("Wide & Deep ranker now uses version %s", latest)
        return True

    def _maybe_reload(self) -> None:
        now = self._clock()
        if now < self._next_check:
            return
        self._next_check = now + self._config.reload_check_seconds
        try:
            self.reload_if_newer()
        except Exception:  # a broken version must not stop recommendations: keep the current one
            log.exception("could not load a newer Wide & Deep version; keeping %s", self.version)

    def _load(self, name: str) -> _State:
        assert self._models is not None
        model, meta = self._models.load(name)
        columns = model.config.song_features
        table = (
            self._base_table.rescaled(meta.scale)
            if columns == self._config.song_features
            else SongTable.of(self._songs, meta.scale, columns)
        )
        state = _State(model, name, table)
        self._replay(state, meta.cutoff)
        return state

    def _untrained(self) -> _State:
        torch.manual_seed(self._config.seed)
        state = _State(WideDeepModel(self._config).eval(), UNTRAINED, self._base_table)
        self._replay(state, Cutoff())
        return state

    def _replay(self, state: _State, cutoff: Cutoff) -> None:
        if self._log is None:
            return
        for feedback in self._log.feedback_since(cutoff):
            self._observe_into(state, feedback)
        if state.observed:
            log.info("replayed %d reactions onto version %s", state.observed, state.name)

    def _observe_into(self, state: _State, feedback: Feedback) -> None:
        if (
            self._config.labels.of(feedback.kind) is None
            or feedback.track_id not in self._position_of
        ):
            return
        memory = state.memory.setdefault(
            feedback.user_key, deque(maxlen=self._config.online_memory)
        )
        # A later reaction to the same song replaces the earlier one: people change their minds.
        for old in [f for f in memory if f.track_id == feedback.track_id]:
            memory.remove(old)
        memory.append(feedback)
        disliked = state.disliked.setdefault(feedback.user_key, set())
        if feedback.kind == "dislike":
            disliked.add(feedback.track_id)
        elif feedback.kind in ("like", "played"):
            disliked.discard(feedback.track_id)
        examples = examples_from_feedback(list(memory), self._position_of, self._config)
        with torch_threads(self._config.torch_threads):
            online_step(state.model, state.table, examples)
        state.observed += 1

    def _logits(
        self, state: _State, request: RecommendationRequest, positions: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        if len(positions) == 0:
            return np.zeros(0)
        moods = np.tile([request.mood.valence, request.mood.arousal], (len(positions), 1))
        keys = user_keys(request.user_key, len(positions))
        config = state.model.config
        dayparts = (
            np.full(len(positions), request.daypart or 0, dtype=np.int64)
            if config.time_of_day
            else None
        )
        batch = batch_for(state.table, positions, keys, moods, config, dayparts=dayparts)
        with torch.inference_mode(), torch_threads(self._config.torch_threads):
            return state.model(batch).double().numpy().reshape(-1)


def train_model(
    songs: Sequence[Song],
    table: SongTable,
    feedback: Sequence[Feedback],
    config: WideDeepConfig,
    shaper: PlaylistShaper,
    start_from: WideDeepModel | None = None,
) -> tuple[WideDeepModel, dict[str, Any]]:
    """A model fitted on `feedback` (freshly initialised, or from `start_from`'s weights), and its
    training figures."""
    position_of = {s.track_id: p for p, s in reversed(list(enumerate(songs)))}
    examples = examples_from_feedback(feedback, position_of, config)
    examples = with_negatives(examples, shaper.index, config)
    torch.manual_seed(config.seed)
    model = WideDeepModel(config)
    if start_from is not None:
        model.load_state_dict(start_from.state_dict())
    with torch_threads(config.torch_threads):
        losses = fit(model, table, examples) if len(examples) else []
    figures = {
        "reactions": len(feedback),
        "examples": len(examples),
        "users": len({f.user_key for f in feedback}),
        "epoch_losses": [round(x, 5) for x in losses],
    }
    return model, figures


def build(songs: Sequence[Song], setup: RankerSetup) -> WideDeepRecommender:
    """The registry's factory. In the product (`setup.home`), the latest version of the models
    folder with every reaction since its cut-off replayed from the database (`setup.data`); in a
    study, a fresh model fitted on `setup.feedback`."""
    from recommender.widedeep.feedback_log import DatabaseFeedbackLog, models_folder

    models = models_folder(setup.home) if setup.home is not None else None
    log = DatabaseFeedbackLog(setup.data) if setup.data is not None else None
    ranker = WideDeepRecommender(songs, models, log, setup.config("widedeep"))
    if setup.feedback:
        ranker.train(setup.feedback)
    return ranker
