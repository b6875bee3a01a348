"""The offline study: every ranker is trained on the past of each person's history and judged on
their future, side by side, with the same candidate pool and re-rank (so the scoring is what is
compared).

Queries: each distinct mood a person reported in their test interactions is one request ("match my
mood", 10 songs, their taste from the training reactions, songs they already reacted to left out);
its relevant songs are that mood's liked or played test songs. NDCG@10 and Recall@10 average over
queries with at least one relevant song; mood distance@10 over all queries; AUC per person (their
test likes and plays against their dislikes and skips, each scored in its own mood), averaged;
coverage is the share of the catalog that appeared in any list.

Learning curve: a seeded fifth of the people are newcomers. Each ranker is trained on everyone else,
then each newcomer's training reactions arrive one by one (through `observe` for rankers that learn
online, and through the taste profile for all), and NDCG@10 on the newcomers' test queries is taken
after 0, 5, 10, 20 and 50 reactions (or all a newcomer has, if fewer).
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from nlp import Mood
from recommender import rankers as registry
from recommender.evaluation.logs import Interaction, Split, by_user
from recommender.evaluation.metrics import auc, mood_distance, ndcg_at, recall_at
from recommender.gbdt import GbdtConfig
from recommender.modes import Mode
from recommender.rankers import RANKERS, RankerSetup
from recommender.ranking import (
    Feedback,
    LearningRecommender,
    RankedSong,
    RecommendationRequest,
    Recommender,
    TasteProfile,
)
from recommender.songs import Song
from recommender.taste import ReactionSignal, taste_from_reactions
from recommender.widedeep.config import WideDeepConfig


@dataclass(frozen=True)
class StudyConfig:
    k: int = 10
    curve: tuple[int, ...] = (0, 5, 10, 20, 50)
    newcomer_share: float = 0.2
    seed: int = 3
    rankers: tuple[str, ...] = RANKERS
    widedeep: WideDeepConfig = field(default_factory=WideDeepConfig)
    gbdt: GbdtConfig = field(default_factory=GbdtConfig)


@dataclass(frozen=True)
class Query:
    user_id: str
    mood: Mood
    relevant: frozenset[str]
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    daypart: int | None = None  # the part of the day of the test rows (None: unknown or mixed)


def build_ranker(
    name: str, songs: Sequence[Song], train: Sequence[Feedback], config: StudyConfig
) -> Recommender:
    """A ranker of this name (from the registry) trained on `train`."""
    setup = RankerSetup(feedback=train, configs={"widedeep": config.widedeep, "gbdt": config.gbdt})
    return registry.build(name, songs, setup)


def run_study(
    songs: Sequence[Song],
    split: Split,
    config: StudyConfig,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The JSON report: `rankers` maps each ranker to its metrics and learning curve."""
    catalog = {s.track_id: s for s in songs}
    queries = queries_of(split.test)
    history = by_user(split.train)
    newcomers = _newcomers(sorted({i.user_id for i in split.train + split.test}), config)
    report: dict[str, Any] = {
        "study": {
            "songs": len(songs),
            "users": len({i.user_id for i in split.train + split.test}),
            "train_interactions": len(split.train),
            "test_interactions": len(split.test),
            "queries": len(queries),
            "newcomers": len(newcomers),
            "k": config.k,
        },
        "rankers": {},
    }
    # A bar on a terminal only (disable=None: quiet when standard error is not a terminal).
    for name in tqdm(config.rankers, desc="rankers", unit="ranker", disable=None):
        started = time.perf_counter()
        progress(f"{name}: training on {len(split.train)} interactions")
        ranker = build_ranker(name, songs, [i.feedback() for i in split.train], config)
        metrics = evaluate(ranker, queries, history, catalog, config.k)
        progress(f"{name}: learning curve over {len(newcomers)} newcomers")
        metrics["learning_curve"] = learning_curve(
            name, songs, split, history, newcomers, catalog, config
        )
        metrics["seconds"] = round(time.perf_counter() - started, 1)
        report["rankers"][name] = metrics
    return report


@dataclass
class Tally:
    """What the lists and scores of one ranker add up to, over one or more folds of queries."""

    k: int
    catalog_size: int
    ndcg: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    distance: list[float] = field(default_factory=list)
    genre_share: list[float] = field(default_factory=list)
    artists: list[float] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    per_user: dict[str, tuple[list[float], list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: ([], []))
    )

    def add_list(self, query: Query, playlist: Sequence[RankedSong]) -> None:
        ids = [r.song.track_id for r in playlist]
        self.seen.update(ids)
        if query.relevant:
            self.ndcg.append(ndcg_at(ids, query.relevant, self.k))
            self.recall.append(recall_at(ids, query.relevant, self.k))
        if (d := mood_distance(playlist, self.k)) is not None:
            self.distance.append(d)
        top = playlist[: self.k]
        if top:
            genres = Counter(r.song.genres[0] if r.song.genres else "" for r in top)
            self.genre_share.append(max(genres.values()) / len(top))
            self.artists.append(len({r.song.artist.casefold() for r in top}))

    def add_scores(self, query: Query, scores: Sequence[float]) -> None:
        self.per_user[query.user_id][0].extend(scores[: len(query.positive)])
        self.per_user[query.user_id][1].extend(scores[len(query.positive) :])

    def metrics(self) -> dict[str, Any]:
        k = self.k
        per_user = [a for p, n in self.per_user.values() if (a := auc(p, n)) is not None]
        pooled = auc(
            [s for p, _ in self.per_user.values() for s in p],
            [s for _, n in self.per_user.values() for s in n],
        )
        return {
            f"ndcg@{k}": _mean(self.ndcg),
            f"recall@{k}": _mean(self.recall),
            "auc": _mean(per_user),
            "auc_global": round(pooled, 4) if pooled is not None else 0.0,
            f"mood_distance@{k}": _mean(self.distance),
            f"top_genre_share@{k}": _mean(self.genre_share),
            f"artists_per_list@{k}": _mean(self.artists),
            "coverage": round(len(self.seen) / max(1, self.catalog_size), 4),
        }


def evaluate(
    ranker: Recommender,
    queries: Sequence[Query],
    history: dict[str, list[Interaction]],
    catalog: dict[str, Song],
    k: int,
    limit: dict[str, int] | None = None,
    tally: Tally | None = None,
) -> dict[str, Any]:
    """Metrics of one trained ranker; `limit` caps how much of each person's history it knows;
    `tally` adds these queries to earlier ones (folds of one study)."""
    tally = tally if tally is not None else Tally(k, len(catalog))
    for query in queries:
        known = history.get(query.user_id, [])
        if limit is not None:
            known = known[: limit.get(query.user_id, 0)]
        request = RecommendationRequest(
            query.mood,
            Mode.MATCH,
            taste_of(known, catalog),
            k,
            query.user_id,
            daypart=query.daypart,
        )
        tally.add_list(query, ranker.recommend(request))
        tally.add_scores(query, ranker.score(request, [*query.positive, *query.negative]))
    return tally.metrics()


def learning_curve(
    name: str,
    songs: Sequence[Song],
    split: Split,
    history: dict[str, list[Interaction]],
    newcomers: frozenset[str],
    catalog: dict[str, Song],
    config: StudyConfig,
) -> dict[str, float]:
    """NDCG@k on the newcomers' test queries after n of their reactions, for each n of the curve."""
    background = [i.feedback() for i in split.train if i.user_id not in newcomers]
    ranker = build_ranker(name, songs, background, config)
    queries = [q for q in queries_of(split.test) if q.user_id in newcomers]
    curve: dict[str, float] = {}
    fed = 0
    for reactions in config.curve:
        if isinstance(ranker, LearningRecommender):
            for user in sorted(newcomers):
                for item in history.get(user, [])[fed:reactions]:
                    ranker.observe(item.feedback())
        fed = reactions
        limit = dict.fromkeys(newcomers, reactions)
        curve[str(reactions)] = evaluate(ranker, queries, history, catalog, config.k, limit)[
            f"ndcg@{config.k}"
        ]
    return curve


def queries_of(test: Sequence[Interaction], threshold: float | None = None) -> list[Query]:
    """One query per person and distinct test mood (rounded to 0.01); relevant: the liked or played
    songs, or with `threshold` the songs rated at least that."""
    grouped: dict[tuple[str, float, float], list[Interaction]] = defaultdict(list)
    for item in test:
        mood = item.mood
        grouped[(item.user_id, round(mood.valence, 2), round(mood.arousal, 2))].append(item)
    return [
        Query(
            user,
            Mood(valence, arousal),
            frozenset(i.item_id for i in items if i.relevant(threshold)),
            tuple(i.item_id for i in items if i.relevant(threshold)),
            tuple(i.item_id for i in items if not i.relevant(threshold)),
            _one_daypart(items),
        )
        for (user, valence, arousal), items in sorted(grouped.items())
    ]


def _one_daypart(items: Sequence[Interaction]) -> int | None:
    """The part of the day shared by a query's rows (the most frequent; None when none is known)."""
    known = Counter(i.daypart for i in items if i.daypart)
    return known.most_common(1)[0][0] if known else None


def taste_of(known: Sequence[Interaction], catalog: dict[str, Song]) -> TasteProfile:
    """The taste profile the app would build from these reactions (all already heard)."""
    signals = [
        ReactionSignal(i.reaction, i.item_id, catalog[i.item_id].artist, catalog[i.item_id].genres)
        for i in reversed(known)
        if i.item_id in catalog
    ]
    return taste_from_reactions(signals, recent_tracks={i.item_id for i in known})


def _newcomers(users: list[str], config: StudyConfig) -> frozenset[str]:
    count = max(1, round(config.newcomer_share * len(users))) if users else 0
    return frozenset(random.Random(config.seed).sample(users, count))


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0
