"""Model versions on disk: one folder per batch-trained version under the models folder
(`v0001/`, `v0002/`, ...), each with `model.safetensors` (the weights) and `meta.json` (the config,
the audio feature scale, the training cut-off and a few training figures).

A version is written to a hidden temporary folder and renamed into place, so a reader (the bot,
checking for a newer version) never sees half a version. The cut-off says up to where the training
data reached, so the ranker can replay only what came after (see `recommender.widedeep.ranker`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from safetensors.torch import load_file, save_file

from recommender.ranking import Feedback
from recommender.widedeep.config import WideDeepConfig
from recommender.widedeep.features import AudioScale
from recommender.widedeep.model import WideDeepModel

WEIGHTS = "model.safetensors"
META = "meta.json"
_VERSION = re.compile(r"^v(\d{4,})$")


@dataclass(frozen=True)
class Cutoff:
    """Up to where a version's training data reached: the last reaction id it read, and the latest
    check-in answer time (ISO 8601, UTC) it read. Everything after is replayed online."""

    reaction_id: int = 0
    checkin_answered_at: str | None = None


class FeedbackLog(Protocol):
    """Where reactions are kept (the database): what came after a cut-off, oldest first."""

    def feedback_since(self, cutoff: Cutoff) -> list[Feedback]: ...

    def cutoff_now(self) -> Cutoff: ...


@dataclass(frozen=True)
class VersionMeta:
    version: str
    created_at: str
    config: dict[str, Any]
    audio_scale: dict[str, list[float]]
    cutoff: Cutoff = field(default_factory=Cutoff)
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def model_config(self) -> WideDeepConfig:
        return WideDeepConfig.from_json(self.config)

    @property
    def scale(self) -> AudioScale:
        return AudioScale(tuple(self.audio_scale["mean"]), tuple(self.audio_scale["std"]))


class ModelFolder:
    """The versions of the Wide & Deep model in one folder (e.g. `$MOODWAVE_HOME/models/widedeep`)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        if not self.root.is_dir():
            return []
        found = [
            p.name for p in self.root.iterdir() if _VERSION.match(p.name) and (p / META).is_file()
        ]
        return sorted(found, key=lambda name: int(name[1:]))

    def latest(self) -> str | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def save(
        self,
        model: WideDeepModel,
        scale: AudioScale,
        cutoff: Cutoff,
        training: dict[str, Any] | None = None,
    ) -> str:
        """Write a new version; returns its name."""
        self.root.mkdir(parents=True, exist_ok=True)
        latest = self.latest()
        number = int(latest[1:]) + 1 if latest else 1
        name = f"v{number:04d}"
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=self.root))
        try:
            tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
            save_file(tensors, str(staging / WEIGHTS))
            meta = VersionMeta(
                version=name,
                created_at=datetime.now(UTC).isoformat(),
                config=model.config.to_json(),
                audio_scale={"mean": list(scale.mean), "std": list(scale.std)},
                cutoff=cutoff,
                training=training or {},
            )
            (staging / META).write_text(json.dumps(asdict(meta), indent=2, sort_keys=True))
            os.rename(staging, self.root / name)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return name

    def load(self, name: str) -> tuple[WideDeepModel, VersionMeta]:
        folder = self.root / name
        raw = json.loads((folder / META).read_text())
        raw["cutoff"] = Cutoff(**raw.get("cutoff", {}))
        meta = VersionMeta(**raw)
        model = WideDeepModel(meta.model_config)
        model.load_state_dict(load_file(str(folder / WEIGHTS)))
        model.eval()
        return model, meta
