"""A lean inference pass for BERT-style encoders (all-MiniLM-L6-v2 is one): the same weights and
the same arithmetic as `transformers`' `BertModel`, without its per-call Python machinery.

For a chat message of a few tokens the transformer's matrix products are small, and most of a
`BertModel` call is Python: module dispatch, keyword-argument wrappers, mask preparation and a
signature inspection per attention call, all holding the GIL that the bot's other threads need.
`LeanBertEncoder` keeps the weights as plain tensors and runs the layers as a loop of torch
functions: measured on this project's CPU in bfloat16, one short sentence costs 5.3 ms of CPU
against 7.8 (in float32, where the matrix products dominate, no measurable gain; docs/benchmarks.md). It is inference only (no dropout, no gradients); training keeps the
`transformers` model. Encoders it cannot reproduce exactly (other attention or position types,
other activations) are refused by `supports()`, and the caller keeps the `transformers` module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

# The activations of BERT configs that map to one torch function (exact GELU, as BERT's "gelu").
_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"gelu": F.gelu, "relu": F.relu}


Projection = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class _Layer:
    qkv: Projection  # query, key and value stacked: one matrix product instead of three
    out: Projection
    norm1: tuple[torch.Tensor, torch.Tensor]
    up: Projection
    down: Projection
    norm2: tuple[torch.Tensor, torch.Tensor]


def _projection(weight: torch.Tensor, bias: torch.Tensor, int8: bool) -> Projection:
    """x -> x W^T + b; with `int8`, torch's dynamic quantisation: weights in int8 per output
    channel, each input quantised on the fly (for CPUs without bfloat16 hardware)."""
    if not int8:
        return lambda x: F.linear(x, weight, bias)
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        linear.weight.copy_(weight.float())
        linear.bias.copy_(bias.float())
    # One scale per output channel: per-tensor scales cost 0.012 of dev r2_mean.
    quantized: Projection = quantize_dynamic(
        torch.nn.Sequential(linear), {torch.nn.Linear: per_channel_dynamic_qconfig}
    )[0]
    return quantized


def supports(model: Any) -> bool:
    """Whether `model` (a `transformers` model) is a BERT encoder this pass reproduces exactly."""
    config = getattr(model, "config", None)
    return (
        config is not None
        and getattr(config, "model_type", None) == "bert"
        and getattr(config, "hidden_act", None) in _ACTIVATIONS
        and getattr(config, "position_embedding_type", "absolute") == "absolute"
        and not getattr(config, "is_decoder", False)
        and hasattr(model, "embeddings")
        and hasattr(model, "encoder")
    )


class LeanBertEncoder:
    """Token ids and attention mask -> last hidden states, like `BertModel(...).last_hidden_state`.

    Build it from a loaded (and, for LoRA, merged) `BertModel` already on its device and dtype; it
    shares that model's weight tensors (no copy but the stacked query/key/value). `int8`: the
    matrix products in dynamic int8 (a float32 model on the CPU; see `nlp.text_model.pick_dtype`)."""

    def __init__(self, model: Any, int8: bool = False) -> None:
        if not supports(model):
            raise ValueError(
                "LeanBertEncoder reproduces BERT encoders with absolute positions only"
            )
        config = model.config
        self.heads = int(config.num_attention_heads)
        self.eps = float(config.layer_norm_eps)
        self.activation = _ACTIVATIONS[config.hidden_act]
        embeddings = model.embeddings
        self.word = embeddings.word_embeddings.weight.detach()
        self.position = embeddings.position_embeddings.weight.detach()
        self.token_type = embeddings.token_type_embeddings.weight.detach()
        self.embedding_norm = _norm(embeddings.LayerNorm)
        self.layers = [_layer(block, int8) for block in model.encoder.layer]

    @torch.inference_mode()
    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        batch, length = input_ids.shape
        hidden = self.word[input_ids] + self.position[:length] + self.token_type[0]
        hidden = F.layer_norm(hidden, hidden.shape[-1:], *self.embedding_norm, self.eps)
        width = hidden.shape[-1]
        head_width = width // self.heads
        # Padding positions get -inf before the softmax (as BertModel's additive mask does); a
        # boolean mask lets scaled_dot_product_attention pick its fused kernel.
        keep = attention_mask.bool()[:, None, None, :]
        for layer in self.layers:
            qkv = layer.qkv(hidden)
            q, k, v = (
                part.view(batch, length, self.heads, head_width).transpose(1, 2)
                for part in qkv.split(width, dim=-1)
            )
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            context = context.transpose(1, 2).reshape(batch, length, width)
            attended = layer.out(context) + hidden
            hidden = F.layer_norm(attended, (width,), *layer.norm1, self.eps)
            up = self.activation(layer.up(hidden))
            down = layer.down(up) + hidden
            hidden = F.layer_norm(down, (width,), *layer.norm2, self.eps)
        return hidden


def _norm(module: Any) -> tuple[torch.Tensor, torch.Tensor]:
    return module.weight.detach(), module.bias.detach()


def _layer(block: Any, int8: bool) -> _Layer:
    attention = block.attention
    self_attention = attention.self
    parts = (self_attention.query, self_attention.key, self_attention.value)

    def projection(module: Any) -> Projection:
        return _projection(module.weight.detach(), module.bias.detach(), int8)

    return _Layer(
        qkv=_projection(
            torch.cat([p.weight.detach() for p in parts]),
            torch.cat([p.bias.detach() for p in parts]),
            int8,
        ),
        # Under int8 the attention output and the FFN's second matrix stay in float32 (their inputs
        # have outliers that one int8 scale per batch cannot hold): chosen on dev with the distilled
        # student, which lost 0.0053 of r2_mean with only the second FFN matrix kept, 0.0043 with
        # both (and the earlier student 0.0063 with neither).
        out=_projection(
            attention.output.dense.weight.detach(), attention.output.dense.bias.detach(), False
        ),
        norm1=_norm(attention.output.LayerNorm),
        up=projection(block.intermediate.dense),
        down=_projection(
            block.output.dense.weight.detach(), block.output.dense.bias.detach(), False
        ),
        norm2=_norm(block.output.LayerNorm),
    )
