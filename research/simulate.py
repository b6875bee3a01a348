"""A simulated study written into a Moodwave database: consenting people, moods, randomised arms,
playlists, reactions and answered check-ins whose change in mood has a known, seeded effect per arm.

It checks the whole chain (database -> `moodwave export` -> `moodwave report`) against a known truth,
and fills a database for the export benchmark. The mood after is
`before + drift * (0 - before) + effect[arm] + noise`: mood drifts toward neutral in every arm, so
only the difference against a control arm is the arm's effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert, text

from recommender.arms import Arm, ArmAssigner
from storage.models import (
    CatalogSong,
    Chat,
    CheckIn,
    MoodReport,
    Reaction,
    Recommendation,
    RecommendationItem,
    User,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SimulatedStudy:
    people: int = 200
    per_person: int = 4
    weights: Mapping[Arm, float] = field(
        default_factory=lambda: {
            Arm.WIDE_DEEP: 1.0,
            Arm.NEAREST: 1.0,
            Arm.RANDOM: 1.0,
            Arm.CHECKIN_ONLY: 1.0,
        }
    )
    # True change caused by each arm (valence, arousal), on top of the drift toward neutral.
    effects: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "widedeep": (0.20, -0.10),
            "nearest": (0.12, -0.05),
            "random": (0.03, 0.0),
            "checkin-only": (0.0, 0.0),
        }
    )
    drift: float = 0.2  # share of the distance to neutral the mood loses by itself
    noise: float = 0.15
    songs_per_playlist: int = 5
    self_report_share: float = 0.5  # rows whose person also tapped the SAM scales
    seed: int = 7
    arm_seed: str = "simulated-study"
    consent_share: float = 1.0  # the rest are people who never consented (never exported)


def simulate_into(engine: Engine, study: SimulatedStudy, chunk: int = 5000) -> int:
    """Write the simulated study into an empty, migrated database; returns the recommendations."""
    rng = np.random.default_rng(study.seed)
    assigner = ArmAssigner(study.weights, study.arm_seed)
    songs = 200
    with engine.begin() as conn:
        conn.execute(
            insert(CatalogSong),
            [
                {
                    "id": i + 1,
                    "track_id": f"sim{i:05d}",
                    "name": f"Song {i}",
                    "artist": f"Artist {i % 60}",
                    "album": "",
                    "genres": ["pop"],
                    "subgenres": [],
                    "valence": float(rng.uniform(-1, 1)),
                    "arousal": float(rng.uniform(-1, 1)),
                    "mood_source": "simulated",
                    "features": {},
                    "mood_confidence": 1.0,
                    "popularity": 50,
                    "duration_ms": 200_000,
                    "updated_at": START,
                }
                for i in range(songs)
            ],
        )
        conn.execute(
            insert(User),
            [
                {
                    "id": p + 1,
                    "platform": "telegram",
                    "external_id": str(10_000 + p),
                    "pseudonym": f"{rng.integers(2**62):016x}",
                    "research_consent": bool(rng.random() < study.consent_share),
                    "preferred_mode": "uplift",
                    "checkins_enabled": True,
                    "created_at": START,
                }
                for p in range(study.people)
            ],
        )
        conn.execute(
            insert(Chat),
            [
                {
                    "id": p + 1,
                    "platform": "telegram",
                    "external_id": str(10_000 + p),
                    "kind": "private",
                    "owner_id": p + 1,
                    "created_at": START,
                }
                for p in range(study.people)
            ],
        )
    total = study.people * study.per_person
    for start in range(0, total, chunk):
        tables = _unit_rows(study, assigner, rng, range(start, min(total, start + chunk)), songs)
        with engine.begin() as conn:
            for table, rows in tables:
                if rows:
                    conn.execute(insert(table), rows)
    _advance_sequences(engine)
    return total


def _advance_sequences(engine: Engine) -> None:
    """Rows were written with explicit ids: PostgreSQL's id sequences must move past them, so the
    bot's own inserts into this database do not collide."""
    if engine.dialect.name != "postgresql":
        return
    tables = (CatalogSong, User, Chat, MoodReport, Recommendation, RecommendationItem, CheckIn)
    with engine.begin() as conn:
        for table in tables:
            name = table.__tablename__
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{name}"), 1))'
                )
            )


def _unit_rows(
    study: SimulatedStudy, assigner: ArmAssigner, rng: np.random.Generator, units: range, songs: int
) -> list[tuple[Any, list[dict[str, Any]]]]:
    reports: list[dict[str, Any]] = []
    recs: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    reactions: list[dict[str, Any]] = []
    checkins: list[dict[str, Any]] = []
    for unit in units:
        person = unit % study.people + 1
        unit_id = unit + 1
        before_id, after_id = 2 * unit + 1, 2 * unit + 2
        made = START + timedelta(minutes=5 * unit)
        chosen = assigner.assign(f"mood-report:{before_id}")
        arm = chosen.arm.value
        before_v, before_a = float(rng.uniform(-0.7, 0.1)), float(rng.uniform(-0.5, 0.5))
        effect_v, effect_a = study.effects.get(arm, (0.0, 0.0))
        after_v = _clip(before_v * (1 - study.drift) + effect_v + rng.normal(0, study.noise))
        after_a = _clip(before_a * (1 - study.drift) + effect_a + rng.normal(0, study.noise))
        minutes = float(rng.uniform(20, 180))
        answered = made + timedelta(minutes=minutes)
        self_report = bool(rng.random() < study.self_report_share)
        reports += [
            _report(before_id, person, "text", before_v, before_a, made),
            _report(after_id, person, "checkin", after_v, after_a, answered),
        ]
        recs.append(
            {
                "id": unit_id,
                "user_id": person,
                "chat_id": person,
                "mood_report_id": before_id,
                "mode": "uplift",
                "target_valence": 0.6,
                "target_arousal": 0.0,
                "strategy": arm,
                "model_version": "simulated",
                "arm": arm,
                "randomised": True,
                "arm_draw": chosen.draw,
                "self_valence_before": _sam(before_v) if self_report else None,
                "self_arousal_before": _sam(before_a) if self_report else None,
                "created_at": made,
            }
        )
        if chosen.arm.sends_playlist:
            for position in range(study.songs_per_playlist):
                item_id = unit * study.songs_per_playlist + position + 1
                song_id = int(rng.integers(songs)) + 1
                items.append(
                    {
                        "id": item_id,
                        "recommendation_id": unit_id,
                        "position": position + 1,
                        "song_id": song_id,
                        "score": 0.0,
                        "reason": "simulated",
                    }
                )
                if rng.random() < 0.3:
                    reactions.append(
                        {
                            "user_id": person,
                            "item_id": item_id,
                            "song_id": song_id,
                            "kind": str(rng.choice(["like", "dislike", "skip", "played"])),
                            "created_at": made + timedelta(minutes=3),
                        }
                    )
        checkins.append(
            {
                "id": unit_id,
                "user_id": person,
                "chat_id": person,
                "recommendation_id": unit_id,
                "mood_before_id": before_id,
                "mood_after_id": after_id,
                "status": "answered",
                "due_at": answered - timedelta(minutes=5),
                "sent_at": answered - timedelta(minutes=5),
                "answered_at": answered,
                "self_valence": _sam(after_v) if self_report else None,
                "self_arousal": _sam(after_a) if self_report else None,
                "created_at": made,
            }
        )
    return [
        (MoodReport, reports),
        (Recommendation, recs),
        (RecommendationItem, items),
        (Reaction, reactions),
        (CheckIn, checkins),
    ]


def _report(
    report_id: int, person: int, source: str, valence: float, arousal: float, at: datetime
) -> dict[str, Any]:
    return {
        "id": report_id,
        "user_id": person,
        "chat_id": person,
        "text": "(simulated)",
        "source": source,
        "valence": valence,
        "arousal": arousal,
        "confidence": 0.8,
        "model_version": "simulated",
        "created_at": at,
    }


def _clip(value: float) -> float:
    return float(min(1.0, max(-1.0, value)))


def _sam(value: float) -> float:
    """What a person would tap: the nearest of the five SAM points, on [-1, 1]."""
    return round(min(1.0, max(-1.0, value)) * 2) / 2
