"""The frozen-embedding baseline the LoRA text model has to beat: mean-pooled all-MiniLM-L6-v2
sentence vectors (the base, not adapted) and a ridge regression to valence and arousal, in closed
form with numpy. The ridge strength is chosen on the dev split; the figures are for the split asked.

Run: `python -m nlp.baselines --data-dir ../shared/data --split test`
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch

from nlp.emobank import load_split
from nlp.scores import evaluate
from nlp.text_model import default_base, pad

Floats = npt.NDArray[np.float64]
ALPHAS = (0.01, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0)
MAX_LEN = 128


def frozen_embeddings(texts: list[str], base: str, batch_size: int = 64) -> Floats:
    """Mean-pooled, unit-length sentence vectors of the unadapted encoder (what
    sentence-transformers computes for all-MiniLM-L6-v2)."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base, add_pooling_layer=False).eval()
    encoded = tokenizer(texts, truncation=True, max_length=MAX_LEN)["input_ids"]
    result = np.zeros((len(texts), int(encoder.config.hidden_size)))
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            ids, mask = pad(encoded[start : start + batch_size], tokenizer.pad_token_id)
            states = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).float()
            pooled = (states * weights).sum(dim=1) / weights.sum(dim=1)
            result[start : start + len(ids)] = torch.nn.functional.normalize(pooled).numpy()
    return result


def fit_ridge(features: Floats, targets: Floats, alpha: float) -> tuple[Floats, Floats]:
    """Weights and intercept of ridge regression (intercept not penalised), in closed form."""
    mean_x, mean_y = features.mean(axis=0), targets.mean(axis=0)
    x = features - mean_x
    gram = x.T @ x + alpha * np.eye(x.shape[1])
    weights = np.linalg.solve(gram, x.T @ (targets - mean_y))
    return weights, mean_y - mean_x @ weights


def ridge_baseline(data_dir: Path, split: str, base: str | None = None) -> dict[str, float]:
    """Pearson r and R² of frozen embeddings + ridge on `split`, with the alpha that scored the best
    r2_mean on dev."""
    base = base if base is not None else default_base()
    splits = {name: load_split(data_dir, name, ("V", "A")) for name in {"train", "dev", split}}
    features = {name: frozen_embeddings(s.texts, base) for name, s in splits.items()}

    def score(alpha: float, name: str) -> dict[str, float]:
        weights, intercept = fit_ridge(features["train"], splits["train"].gold, alpha)
        predicted = np.clip(features[name] @ weights + intercept, -1.0, 1.0)
        return evaluate(predicted, splits[name].gold)

    alpha = max(ALPHAS, key=lambda a: score(a, "dev")["r2_mean"])
    return {"alpha": alpha, **score(alpha, split)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Frozen MiniLM embeddings + ridge on EmoBank.")
    parser.add_argument("--data-dir", type=Path, required=True, help="folder holding the data sets")
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(2)
    print(json.dumps(ridge_baseline(args.data_dir, args.split), indent=2))


if __name__ == "__main__":
    main()
