"""The committed LoRA MiniLM valence-arousal model: loads offline, reads mood in the right direction,
stays in range, and answers the same for a text whatever batch it comes in."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nlp import Mood, MoodEstimator
from nlp.text_model import WEIGHTS_DIR, TextMoodModel

SENTENCES = [
    "I feel so sad and lonely today.",
    "This is the happiest day of my life!",
    "ngl I'm soooo tired rn 😴",
    "",
    "We met at noon to discuss the budget.",
    "I AM SO ANGRY RIGHT NOW",
]


@pytest.fixture(scope="module")
def model() -> TextMoodModel:
    # The committed weights and the installed base must be enough: no network.
    os.environ["HF_HUB_OFFLINE"] = "1"
    return TextMoodModel.load(device="cpu")


def test_loads_the_committed_weights(model: TextMoodModel) -> None:
    assert (WEIGHTS_DIR / "adapter_model.safetensors").is_file()
    assert model.version.startswith("minilm-lora-va-")
    assert model.max_tokens == 128


def test_sad_has_lower_valence_than_happy(model: TextMoodModel) -> None:
    sad, happy = model.predict(["I feel so sad and hopeless.", "I feel happy and grateful today."])
    assert sad[0] < happy[0]


def test_calm_has_lower_arousal_than_excited(model: TextMoodModel) -> None:
    calm, excited = model.predict(
        ["I feel calm and relaxed, sitting quietly by the lake.", "I'm so excited, I can't wait!!"]
    )
    assert calm[1] < excited[1]


def test_predictions_in_range_and_deterministic(model: TextMoodModel) -> None:
    first = model.predict(SENTENCES)
    assert first.shape == (len(SENTENCES), 2)
    assert np.all((first >= -1.0) & (first <= 1.0))
    np.testing.assert_array_equal(first, model.predict(SENTENCES))


def test_batch_equals_one_by_one(model: TextMoodModel) -> None:
    batched = model.predict(SENTENCES, batch_size=4)
    single = np.vstack([model.predict([text]) for text in SENTENCES])
    np.testing.assert_allclose(batched, single, atol=model.batch_tolerance)


def test_embedding_is_the_pooled_vector(model: TextMoodModel) -> None:
    vectors = model.embed(SENTENCES[:3])
    assert vectors.shape == (3, 384)
    assert np.all(np.isfinite(vectors))


def test_long_text_is_flagged_truncated(model: TextMoodModel) -> None:
    assert not model.truncated("I feel fine.")
    assert model.truncated("I feel fine today. " * 100)
    assert model.predict(["I feel fine today. " * 100]).shape == (1, 2)


def test_is_a_mood_estimator(model: TextMoodModel) -> None:
    assert isinstance(model, MoodEstimator)
    mood = model.estimate("I feel happy and grateful today.")
    assert isinstance(mood, Mood) and mood.model_version == model.version
    assert model.estimate("   ").confidence == 0.0
    assert model.estimate_many([]) == []
