"""Train the text -> valence-arousal model on EmoBank: LoRA on all-MiniLM-L6-v2 plus `MoodHead`.

Seeded and repeatable (same seed, same data, same machine: same weights). Valence and arousal are
the targets that count; dominance and the reader's and writer's ratings can be added as auxiliary
targets, each weighted by `aux_weight`, and GoEmotions can be added as an auxiliary classification
task (`goemotions`: an intermediate stage or interleaved batches; off by default, since it did not
help on dev, see MODEL_CARD.md). Epochs stop early when the dev split's r2_mean stops
improving; the test split is only scored at the end, for the report. The output folder holds the
LoRA adapter, `head.safetensors`, `config.json` and `metrics.json`, which `TextMoodModel.load` reads.

Run: `python -m nlp.training --data-dir ../shared/data --out nlp/weights/text-va`
(`--set name=value` overrides one `TrainConfig` field, e.g. `--set lora_r=16`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn
from tqdm import tqdm

from nlp.emobank import SPLITS, Split, load_split
from nlp.goemotions import chat_rows, load_goemotions
from nlp.normalize import normalize
from nlp.scores import evaluate
from nlp.text_model import (
    MoodHead,
    default_base,
    pad,
)
from nlp.train_config import GOEMOTIONS_MODES, TrainConfig, parse_overrides
from nlp.train_steps import (
    autocast,
    build_encoder,
    goemotions_classifier,
    length_grouped_batches,
    loss_fn,
    masked_loss,
    save_weights,
    schedule,
    seed_everything,
    standardise,
)

Floats = npt.NDArray[np.float64]
Log = Callable[[str], None]


class Trainer:
    """One training run: the network, its optimiser and the tokenised splits."""

    def __init__(
        self,
        data_dir: Path,
        config: TrainConfig,
        base: str,
        log: Log,
        extra: Split | None = None,
    ) -> None:
        """`extra`: more training rows (texts with every target, e.g. a teacher's outputs), each
        weighted `config.distill_weight` against EmoBank's gold rows."""
        from transformers import AutoTokenizer

        if config.targets[:2] != ("V", "A"):
            raise ValueError("the first two targets must be V and A")
        if config.goemotions not in GOEMOTIONS_MODES:
            raise ValueError(f"goemotions must be one of {', '.join(GOEMOTIONS_MODES)}")
        self.config, self.log = config, log
        self.tokenizer = AutoTokenizer.from_pretrained(base)
        self.splits = {
            name: self._limit(load_split(data_dir, name, config.targets)) for name in SPLITS
        }
        self.tokens = {name: self._tokenize(split.texts) for name, split in self.splits.items()}
        # The rows an epoch runs over: EmoBank train, then any extra (teacher-labelled) rows.
        self.fit_tokens = list(self.tokens["train"])
        fit_gold = [self.splits["train"].gold]
        fit_weight = [np.ones(len(self.fit_tokens))]
        if extra is not None:
            if extra.gold.shape[1] != len(config.targets):
                raise ValueError("extra rows need a value for every target")
            self.fit_tokens += self._tokenize(extra.texts)
            fit_gold.append(extra.gold)
            fit_weight.append(np.full(len(extra.texts), config.distill_weight))
        if config.chat_examples:
            texts, gold = chat_rows(data_dir, config.targets, config.chat_examples, config.seed)
            self.fit_tokens += self._tokenize(texts)
            fit_gold.append(gold)
            fit_weight.append(np.ones(len(texts)))
        self.fit_gold = torch.tensor(np.concatenate(fit_gold), dtype=torch.float32)
        self.fit_weight = torch.tensor(np.concatenate(fit_weight), dtype=torch.float32)
        # Targets a row lacks (NaN: chat targets on EmoBank rows, EmoBank's on chat rows) are left
        # out of its loss (`masked_loss`).
        self.masked = bool(torch.isnan(self.fit_gold).any())
        self.encoder = build_encoder(base, config)
        hidden = int(self.encoder.config.hidden_size)
        self.head = MoodHead(hidden, len(config.targets), config.pooling, config.head_dropout)
        train_gold = torch.tensor(self.splits["train"].gold, dtype=torch.float32)
        standardise(self.head, train_gold, self.fit_gold)
        self.weights = torch.tensor([1.0, 1.0] + [config.aux_weight] * (len(config.targets) - 2))
        # Only built when used, so that runs without it draw the same random numbers as before.
        self.goemotions_tokens: list[list[int]] = []
        self.goemotions_labels = torch.zeros(0)
        self.goemotions_head: nn.Module | None = None
        if config.goemotions != "none":
            comments = load_goemotions(data_dir, "train", config.goemotions_examples, config.seed)
            self.goemotions_tokens = self._tokenize(comments.texts)
            self.goemotions_labels = torch.tensor(comments.labels)
            self.goemotions_head = goemotions_classifier(
                hidden, self.goemotions_labels, config.head_dropout
            )

    def _limit(self, split: Split) -> Split:
        n = self.config.max_examples
        return split if n is None else Split(split.texts[:n], split.gold[:n])

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        encoded = self.tokenizer(
            [normalize(t) for t in texts], truncation=True, max_length=self.config.max_len
        )
        ids: list[list[int]] = encoded["input_ids"]
        return ids

    def optimizer(
        self, heads: list[nn.Module] | None = None, lr_lora: float | None = None
    ) -> torch.optim.Optimizer:
        lora = [p for p in self.encoder.parameters() if p.requires_grad]
        if heads is None:
            heads = [self.head]
            if self.config.goemotions == "multitask" and self.goemotions_head is not None:
                heads.append(self.goemotions_head)
        return torch.optim.AdamW(
            [
                {"params": lora, "lr": self.config.lr_lora if lr_lora is None else lr_lora},
                {"params": [p for h in heads for p in h.parameters()], "lr": self.config.lr_head},
            ],
            weight_decay=self.config.weight_decay,
        )

    def forward(self, token_ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Standardised outputs and the pooled vectors for a batch of token-id lists."""
        input_ids, mask = pad(token_ids, self.tokenizer.pad_token_id)
        with autocast(self.config):
            states = self.encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state
        pooled = self.head.pool(states.float(), mask)
        return self.head.standardized(pooled), pooled

    def goemotions_loss(self, batch: list[int]) -> torch.Tensor:
        """Multi-label BCE of the GoEmotions head for a batch of comment indices."""
        assert self.goemotions_head is not None
        input_ids, mask = pad(
            [self.goemotions_tokens[i] for i in batch], self.tokenizer.pad_token_id
        )
        states = self.encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state
        logits = self.goemotions_head(self.head.pool(states, mask))
        return nn.functional.binary_cross_entropy_with_logits(logits, self.goemotions_labels[batch])

    def goemotions_stage(self) -> None:
        """The intermediate stage: GoEmotions classification only, with its own optimiser and
        warm-up/decay schedule; the LoRA weights (and LayerNorms) carry over to EmoBank."""
        assert self.goemotions_head is not None
        config = self.config
        self.encoder.train()
        self.goemotions_head.train()
        optimizer = self.optimizer([self.goemotions_head], config.lr_goemotions)
        lengths = [len(ids) for ids in self.goemotions_tokens]
        steps = math.ceil(len(lengths) / config.batch_size) * config.goemotions_epochs
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule(config, steps))
        for epoch in range(config.goemotions_epochs):
            started = time.perf_counter()
            generator = torch.Generator().manual_seed(config.seed * 1000 + 500 + epoch)
            batches = length_grouped_batches(lengths, config.batch_size, generator)
            total = 0.0
            for batch in batches:
                loss = self.goemotions_loss(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
                total += float(loss.detach())
            self.log(
                f"goemotions epoch {epoch + 1}: BCE {total / max(1, len(batches)):.4f} "
                f"({time.perf_counter() - started:.0f} s)"
            )

    def train_epoch(
        self,
        epoch: int,
        optimizer: torch.optim.Optimizer,
        scheduler: Any,
        checkpoint: Callable[[float], bool] | None = None,
    ) -> float:
        """One epoch; `checkpoint(mean loss so far)` is called `evals_per_epoch - 1` times at even
        points within it, and the epoch stops early when it returns False."""
        self.encoder.train()
        self.head.train()
        tokens = self.fit_tokens
        generator = torch.Generator().manual_seed(self.config.seed * 1000 + epoch)
        lengths = [len(ids) for ids in tokens]
        mean = self.head.target_mean
        std = self.head.target_std
        total = 0.0
        batches = length_grouped_batches(lengths, self.config.batch_size, generator)
        # Multi-task: GoEmotions batches (task 1) shuffled in among EmoBank's (task 0).
        steps: list[tuple[int, list[int]]] = [(0, batch) for batch in batches]
        if self.config.goemotions == "multitask":
            assert self.goemotions_head is not None
            self.goemotions_head.train()
            comment_lengths = [len(ids) for ids in self.goemotions_tokens]
            steps += [
                (1, batch)
                for batch in length_grouped_batches(
                    comment_lengths, self.config.batch_size, generator
                )
            ]
            steps = [steps[i] for i in torch.randperm(len(steps), generator=generator).tolist()]
        marks = {
            round(len(steps) * k / self.config.evals_per_epoch)
            for k in range(1, self.config.evals_per_epoch)
        }
        done = 0
        # A bar on a terminal only (disable=None: quiet when standard error is not a terminal).
        bar = tqdm(steps, desc=f"epoch {epoch + 1}", unit="batch", disable=None, leave=False)
        for step, (task, batch) in enumerate(bar, start=1):
            if task == 1:
                loss = self.config.goemotions_weight * self.goemotions_loss(batch)
            else:
                gold = (self.fit_gold[batch] - mean) / std
                predicted, _ = self.forward([tokens[i] for i in batch])
                rows = self.fit_weight[batch]
                if self.masked:
                    loss = masked_loss(predicted, gold, self.weights, rows)
                elif bool((rows == 1.0).all()):
                    loss = loss_fn(predicted, gold, self.weights, self.config.loss)
                else:  # teacher rows weighted against gold rows (MSE per row)
                    per_row = (((predicted - gold) ** 2) * self.weights).sum(1) / self.weights.sum()
                    loss = (per_row * rows).sum() / len(batch)
                total += float(loss.detach())
                done += 1
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            if checkpoint is not None and step in marks:
                if not checkpoint(total / max(1, done)):
                    break
                self.encoder.train()
                self.head.train()
        return total / max(1, done)

    def predict(self, name: str, batch_size: int = 64) -> Floats:
        """Valence-arousal (and auxiliary) predictions in [-1, 1] units for one split."""
        self.encoder.eval()
        self.head.eval()
        tokens = self.tokens[name]
        order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
        result = np.zeros((len(tokens), len(self.config.targets)), dtype=np.float64)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                _, pooled = self.forward([tokens[i] for i in rows])
                result[rows] = self.head(pooled).numpy()
        return result

    def score(self, name: str) -> dict[str, float]:
        return evaluate(np.clip(self.predict(name), -1.0, 1.0), self.splits[name].gold)

    def trainable_state(self) -> dict[str, torch.Tensor]:
        encoder = {
            f"encoder.{n}": p.detach().clone()
            for n, p in self.encoder.named_parameters()
            if p.requires_grad
        }
        head = {f"head.{n}": t.detach().clone() for n, t in self.head.state_dict().items()}
        return encoder | head

    def restore(self, state: dict[str, torch.Tensor]) -> None:
        encoder = {n[8:]: t for n, t in state.items() if n.startswith("encoder.")}
        self.encoder.load_state_dict(encoder, strict=False)
        self.head.load_state_dict({n[5:]: t for n, t in state.items() if n.startswith("head.")})

    def fit(self, on_best: Callable[[], None] | None = None) -> list[dict[str, float]]:
        """Train with early stopping on dev r2_mean; the best epoch's weights are kept.
        `on_best()` runs each time dev improves (while the network holds the new best weights),
        so that a long run can be stopped and still leave its best point saved."""
        config = self.config
        if config.goemotions == "intermediate":
            self.goemotions_stage()
        optimizer = self.optimizer()
        steps_per_epoch = math.ceil(len(self.fit_tokens) / config.batch_size)
        if config.goemotions == "multitask":
            steps_per_epoch += math.ceil(len(self.goemotions_tokens) / config.batch_size)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, schedule(config, steps_per_epoch * config.epochs)
        )
        history: list[dict[str, float]] = []
        self.history = history  # read by `on_best` while the run goes on
        state: dict[str, Any] = {"best": self.trainable_state(), "r2": -math.inf, "stale": 0}
        started = time.perf_counter()

        def checkpoint(epoch: float, loss: float) -> bool:
            """Score dev, keep the best weights; False once `patience` points did not improve."""
            dev = self.score("dev")
            seconds = time.perf_counter() - started
            history.append({"epoch": round(epoch, 3), "loss": loss, "seconds": seconds, **dev})
            self.log(
                f"epoch {epoch:g}: loss {loss:.4f} dev r2_mean {dev['r2_mean']:.4f} "
                f"r {dev['r_valence']:.4f}/{dev['r_arousal']:.4f} ({seconds:.0f} s)"
            )
            if dev["r2_mean"] > state["r2"]:
                state.update(best=self.trainable_state(), r2=dev["r2_mean"], stale=0)
                if on_best is not None:
                    on_best()
                return True
            state["stale"] += 1
            return bool(state["stale"] < config.patience)

        for epoch in range(config.epochs):
            points = iter(range(1, config.evals_per_epoch))

            def mid_epoch(loss: float, epoch: int = epoch, points: Any = points) -> bool:
                return checkpoint(epoch + next(points) / config.evals_per_epoch, loss)

            loss = self.train_epoch(epoch, optimizer, scheduler, mid_epoch)
            if state["stale"] >= config.patience or not checkpoint(epoch + 1, loss):
                break
        self.restore(state["best"])
        return history

    def save(self, out_dir: Path, base: str, provenance: dict[str, Any] | None = None) -> None:
        saved = {**dataclasses.asdict(self.config), **(provenance or {})}
        save_weights(out_dir, self.encoder, self.head, base, saved)


def train_text_model(
    data_dir: Path,
    out_dir: Path,
    config: TrainConfig,
    log: Log = print,
    base: str | None = None,
    extra: Split | None = None,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train, pick the best epoch on dev, save the weights to `out_dir` and return the metrics
    (also written to `out_dir/metrics.json`): dev and test figures, per-epoch history, seconds.
    `extra` adds training rows (see `Trainer`); `provenance` is written into the saved config."""
    started = time.perf_counter()
    seed_everything(config.seed)
    base = base if base is not None else default_base()
    trainer = Trainer(Path(data_dir), config, base, log, extra)

    def save_best() -> None:
        trainer.save(Path(out_dir), base, provenance or {})
        (Path(out_dir) / "metrics.json").write_text(
            json.dumps({"running": True, "history": trainer.history}, indent=2) + "\n",
            encoding="utf-8",
        )

    history = trainer.fit(save_best)
    trainer.save(Path(out_dir), base, provenance or {})
    metrics: dict[str, Any] = {
        "dev": trainer.score("dev"),
        "test": trainer.score("test"),
        "history": history,
        "train_seconds": time.perf_counter() - started,
        "n": {name: len(split.texts) for name, split in trainer.splits.items()}
        | {"fit_rows": len(trainer.fit_tokens)},
    }
    (Path(out_dir) / "metrics.json").write_text(
        json.dumps(metrics, indent=2) + "\n", encoding="utf-8"
    )
    return metrics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the LoRA MiniLM valence-arousal model.")
    parser.add_argument("--data-dir", type=Path, required=True, help="folder holding the data sets")
    parser.add_argument("--out", type=Path, required=True, help="folder for the trained weights")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    parser.add_argument(
        "--base", default=None, help="encoder folder or hub name (default: the installed MiniLM)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(args.threads)
    metrics = train_text_model(args.data_dir, args.out, parse_overrides(args.set), base=args.base)
    print(json.dumps({"dev": metrics["dev"], "test": metrics["test"]}, indent=2))


if __name__ == "__main__":
    main()
