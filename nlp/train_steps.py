"""The pieces of a training step: seeding, length-grouped batches, the LoRA encoder, the losses,
the learning-rate schedule and bfloat16 autocast. `nlp.training.Trainer` puts them together."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from nlp.text_model import CONFIG_FILE, HEAD_FILE, MODEL_FILES, MoodHead, hub_name_of
from nlp.train_config import TrainConfig
from nlp.weight_sums import write_sums


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def length_grouped_batches(
    lengths: list[int], batch_size: int, generator: torch.Generator
) -> list[list[int]]:
    """A shuffled epoch in which each batch holds sentences of similar length (less padding,
    much faster on CPU); the order depends only on the generator's seed."""
    order = torch.randperm(len(lengths), generator=generator).tolist()
    pool = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffled]


def build_encoder(base: str, config: TrainConfig) -> Any:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(base, add_pooling_layer=False)
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_targets),
        # peft saves (and merges) the LayerNorms with the adapter when they are trained.
        modules_to_save=["LayerNorm"] if config.train_layer_norms else None,
    )
    return get_peft_model(encoder, lora)


def loss_fn(predicted: torch.Tensor, gold: torch.Tensor, weights: torch.Tensor, kind: str) -> Any:
    """Weighted loss over standardised targets: MSE, 1 - CCC (concordance, per batch), or both."""
    mse = ((predicted - gold) ** 2).mean(dim=0)
    if kind == "mse":
        per_target = mse
    else:
        pm, gm = predicted.mean(dim=0), gold.mean(dim=0)
        covariance = ((predicted - pm) * (gold - gm)).mean(dim=0)
        ccc = (
            2
            * covariance
            / (
                predicted.var(dim=0, unbiased=False)
                + gold.var(dim=0, unbiased=False)
                + (pm - gm) ** 2
                + 1e-8
            )
        )
        per_target = 1 - ccc if kind == "ccc" else mse + (1 - ccc)
    return (per_target * weights).sum() / weights.sum()


def masked_loss(
    predicted: torch.Tensor, gold: torch.Tensor, weights: torch.Tensor, rows: torch.Tensor
) -> torch.Tensor:
    """MSE per target over the rows that have it (NaN: missing), rows weighted by `rows`, then
    the targets present in the batch weighted by `weights`."""
    present = ~torch.isnan(gold)
    row_weight = rows[:, None] * present
    squared = (predicted - torch.nan_to_num(gold)) ** 2 * row_weight
    per_target = squared.sum(dim=0) / row_weight.sum(dim=0).clamp(min=1e-6)
    used = weights * present.any(dim=0)
    return (per_target * used).sum() / used.sum().clamp(min=1e-6)


def schedule(config: TrainConfig, total_steps: int) -> Callable[[int], float]:
    warmup = max(1, int(config.warmup_ratio * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        if config.schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        return 1.0 - progress

    return factor


def autocast(config: TrainConfig) -> Any:
    """The autocast context of a training or scoring step (a no-op unless `config.autocast`)."""
    if config.autocast not in ("none", "bfloat16"):
        raise ValueError(f"autocast must be none or bfloat16, not {config.autocast!r}")
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.autocast == "bfloat16")


def standardise(head: MoodHead, train_gold: torch.Tensor, fit_gold: torch.Tensor) -> None:
    """The head's output scale: each target's mean and spread on EmoBank train; a target EmoBank
    lacks (NaN there, e.g. the chat targets) over the training rows that have it."""
    head.target_mean.copy_(train_gold.mean(dim=0))
    head.target_std.copy_(train_gold.std(dim=0))
    for column in range(train_gold.shape[1]):
        if bool(torch.isnan(train_gold[:, column]).all()):
            values = fit_gold[:, column]
            values = values[~torch.isnan(values)]
            head.target_mean[column] = values.mean()
            head.target_std[column] = values.std().clamp(min=1e-6)


def goemotions_classifier(hidden: int, labels: torch.Tensor, dropout: float) -> nn.Module:
    """The GoEmotions auxiliary head: 28 logits whose biases start at the labels' log odds, so the
    first steps do not just push every logit down (a large gradient that teaches nothing)."""
    classifier = nn.Linear(hidden, labels.shape[1])
    prior = labels.mean(dim=0).clamp(1e-4, 1 - 1e-4)
    with torch.no_grad():
        classifier.bias.copy_(torch.log(prior / (1 - prior)))
    return nn.Sequential(nn.Dropout(dropout), classifier)


def save_weights(
    out_dir: Path, encoder: Any, head: MoodHead, base: str, config: dict[str, Any]
) -> None:
    """The LoRA adapter, `head.safetensors` and `config.json` (the run's settings, the base by its
    hub name, the hidden size) that `TextMoodModel.load` reads."""
    out_dir.mkdir(parents=True, exist_ok=True)
    encoder.save_pretrained(str(out_dir), safe_serialization=True)
    adapter_path = out_dir / "adapter_config.json"
    # peft writes the base's absolute path on this machine; the hub name travels to other machines.
    adapter = json.loads(adapter_path.read_text(encoding="utf-8"))
    adapter["base_model_name_or_path"] = hub_name_of(base)
    # peft keeps the target modules in a set; sorted, the file is the same from run to run.
    adapter["target_modules"] = sorted(adapter["target_modules"])
    adapter_path.write_text(json.dumps(adapter, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    # peft also writes a generic model card; MODEL_CARD.md is ours.
    (out_dir / "README.md").unlink(missing_ok=True)
    save_file({n: t.contiguous() for n, t in head.state_dict().items()}, str(out_dir / HEAD_FILE))
    saved = {
        **config,
        "base_model": hub_name_of(base),
        "hidden_size": int(encoder.config.hidden_size),
    }
    (out_dir / CONFIG_FILE).write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    write_sums(out_dir, MODEL_FILES)  # checked by every load
