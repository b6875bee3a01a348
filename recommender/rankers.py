"""The ranker registry: every ranker by name, with the factory that builds it, imported on demand
(as RecBole's `get_model`), so that listing the names (settings, `--help`, the research arms) never
loads torch. Settings, the app's wiring, `eval-recs`, the research arms and the conformance suite all
read this table; adding a ranker is one module with a `build(songs, setup)` function plus one line
here.

A factory gets the catalog and a `RankerSetup`: reactions to fit on at once (the offline study),
where the product keeps its model versions and its reaction log (the bot), and per-ranker
hyperparameters by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from recommender.ranking import Feedback, Recommender
    from recommender.songs import Song


@dataclass(frozen=True)
class RankerSetup:
    """What a factory may use; each ranker reads what it needs and ignores the rest."""

    feedback: Sequence[Feedback] = ()  # reactions to fit on before the first request
    home: Path | None = None  # product: `$MOODWAVE_HOME` (model versions live under it)
    data: Any = None  # product: the reaction log (`storage.RankerData`), replayed on load
    configs: Mapping[str, Any] = field(default_factory=dict)  # ranker name -> its config

    def config(self, name: str) -> Any:
        return self.configs.get(name)


class Factory(Protocol):
    def __call__(self, songs: Sequence[Song], setup: RankerSetup) -> Recommender: ...


@dataclass(frozen=True)
class RankerEntry:
    name: str
    module: str  # holds `build(songs, setup)`; imported on first use
    strategy: str  # the `strategy` its rankers report (stored with each list; the arms read it)
    serves: bool  # the bot may serve it (`MOODWAVE_RANKER`); all entries run in `eval-recs`


REGISTRY: dict[str, RankerEntry] = {
    entry.name: entry
    for entry in (
        RankerEntry("widedeep", "recommender.widedeep.ranker", "wide-deep", serves=True),
        RankerEntry("nearest", "recommender.nearest", "nearest-mood", serves=True),
        RankerEntry("popularity", "recommender.popularity", "popularity", serves=False),
        RankerEntry("mf", "recommender.mf", "matrix-factorisation", serves=False),
        RankerEntry("gbdt", "recommender.gbdt", "gradient-boosted-trees", serves=False),
    )
}

RANKERS: tuple[str, ...] = tuple(REGISTRY)
SERVED: tuple[str, ...] = tuple(name for name, entry in REGISTRY.items() if entry.serves)


def factory(name: str) -> Factory:
    """The `build` function of the ranker called `name`; ValueError naming the known ones."""
    entry = REGISTRY.get(name)
    if entry is None:
        raise ValueError(f"unknown ranker {name!r}; choose from {', '.join(RANKERS)}")
    build: Factory = importlib.import_module(entry.module).build
    return build


def build(name: str, songs: Sequence[Song], setup: RankerSetup | None = None) -> Recommender:
    """A ranker of this name over `songs`, set up (and fitted, given feedback) by its factory."""
    return factory(name)(songs, setup or RankerSetup())


def name_of_strategy(strategy: str) -> str | None:
    """The registry name of the ranker that reports this strategy, if any."""
    return next((e.name for e in REGISTRY.values() if e.strategy == strategy), None)
