"""The lean BERT inference pass and the choice of number format: the lean pass gives what the
`transformers` model gives, and bfloat16 changes the moods by no more than rounding."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from nlp import text_model
from nlp.encoder import LeanBertEncoder, supports
from nlp.text_model import (
    TextMoodModel,
    cpu_has_native_bfloat16,
    pad,
    pick_dtype,
    pick_precision,
)

TEXTS = [
    "I feel so sad and lonely today.",
    "This is the happiest day of my life, and nothing could spoil it, not even the rain!",
    "meh",
    "ngl I'm soooo tired rn",
]


@pytest.fixture(scope="module")
def float32_model() -> TextMoodModel:
    os.environ["HF_HUB_OFFLINE"] = "1"
    return TextMoodModel.load(device="cpu", precision="float32")


def test_lean_pass_equals_the_transformers_model_on_a_padded_batch(
    float32_model: TextMoodModel,
) -> None:
    tokenizer, encoder = float32_model._tokenizer, float32_model._encoder
    ids, mask = pad(tokenizer(TEXTS)["input_ids"], tokenizer.pad_token_id)
    assert bool((mask == 0).any())  # the batch really holds padding
    with torch.inference_mode():
        expected = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    lean = LeanBertEncoder(encoder)(ids, mask)
    real = mask.bool()  # padding positions' states are never read (pooling masks them)
    torch.testing.assert_close(lean[real], expected[real], atol=1e-4, rtol=1e-4)


def test_the_served_model_uses_the_lean_pass(float32_model: TextMoodModel) -> None:
    assert float32_model._lean is not None
    lean = float32_model.predict(TEXTS)
    float32_model._lean = None  # back to the transformers module
    try:
        plain = float32_model.predict(TEXTS)
    finally:
        float32_model._lean = LeanBertEncoder(float32_model._encoder)
    np.testing.assert_allclose(lean, plain, atol=1e-5)


def test_other_architectures_are_left_to_transformers() -> None:
    class Config:
        model_type = "roberta"
        hidden_act = "gelu"

    class Model:
        config = Config()
        embeddings = encoder = object()

    assert not supports(Model())
    with pytest.raises(ValueError):
        LeanBertEncoder(Model())


def test_bfloat16_gives_the_same_moods_within_rounding(float32_model: TextMoodModel) -> None:
    half = TextMoodModel.load(device="cpu", precision="bfloat16")
    assert half.dtype == torch.bfloat16
    np.testing.assert_allclose(half.predict(TEXTS), float32_model.predict(TEXTS), atol=0.03)


def test_precision_auto_follows_the_hardware(tmp_path: Path) -> None:
    with_bf16, without = tmp_path / "with", tmp_path / "without"
    with_bf16.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 amx_bf16\n")
    without.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2\n")
    assert cpu_has_native_bfloat16(with_bf16)
    assert not cpu_has_native_bfloat16(without)
    assert not cpu_has_native_bfloat16(tmp_path / "missing")
    assert pick_dtype(torch.device("cuda"), "auto") == torch.float16
    assert pick_dtype(torch.device("cpu"), "float32") == torch.float32
    expected = torch.bfloat16 if cpu_has_native_bfloat16() else torch.float32
    assert pick_dtype(torch.device("cpu"), "auto") == expected
    with pytest.raises(ValueError):
        pick_dtype(torch.device("cpu"), "int4")


def test_cpus_without_bfloat16_hardware_run_int8(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_model, "cpu_has_native_bfloat16", lambda: False)
    assert pick_precision(torch.device("cpu"), "auto") == "int8"
    assert pick_dtype(torch.device("cpu"), "auto") == torch.float32  # int8 keeps float tensors
    monkeypatch.setattr(text_model, "cpu_has_native_bfloat16", lambda: True)
    assert pick_precision(torch.device("cpu"), "auto") == "bfloat16"
    # int8 is a CPU format: on CUDA the model runs in float16.
    assert pick_precision(torch.device("cuda"), "int8") == "float16"


def test_int8_gives_the_same_moods_within_its_rounding(float32_model: TextMoodModel) -> None:
    quantised = TextMoodModel.load(device="cpu", precision="int8")
    assert quantised.precision == "int8" and quantised.dtype == torch.float32
    np.testing.assert_allclose(quantised.predict(TEXTS), float32_model.predict(TEXTS), atol=0.06)
    # Alone or in a batch, a text's mood moves by at most the model's batch tolerance.
    alone = np.vstack([quantised.predict([text]) for text in TEXTS])
    np.testing.assert_allclose(alone, quantised.predict(TEXTS), atol=quantised.batch_tolerance)
