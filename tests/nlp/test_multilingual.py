"""The multilingual model: valence in the right direction for clearly sad and clearly happy
sentences in Spanish, German, French and Portuguese (and English); its head saved, checked and
loaded back; the ridge fit it is chosen among."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.mood import Mood
from nlp.multilingual import CONFIG_FILE, HEAD_FILE, MultilingualMoodModel
from nlp.train_multilingual import fit_ridge, save
from nlp.weight_sums import WeightsCorrupted

SAD_AND_HAPPY = {
    "es": (
        "Hoy estoy muy triste, mi perro murió y no paro de llorar.",
        "¡Hoy estoy muy feliz, me dieron el trabajo de mis sueños!",
    ),
    "de": (
        "Ich bin heute sehr traurig, mein Hund ist gestorben und ich weine nur.",
        "Ich bin heute so glücklich, ich habe meinen Traumjob bekommen!",
    ),
    "fr": (
        "Je suis très triste aujourd'hui, mon chien est mort et je pleure sans arrêt.",
        "Je suis tellement heureux aujourd'hui, j'ai eu le travail de mes rêves !",
    ),
    "pt": (
        "Hoje estou muito triste, meu cachorro morreu e não paro de chorar.",
        "Hoje estou muito feliz, consegui o emprego dos meus sonhos!",
    ),
    "en": (
        "I am very sad today, my dog died and I can't stop crying.",
        "I am so happy today, I got my dream job!",
    ),
}


@pytest.mark.parametrize("language", SAD_AND_HAPPY)
def test_sad_reads_below_happy(multilingual_model: MultilingualMoodModel, language: str) -> None:
    sad, happy = multilingual_model.estimate_many(list(SAD_AND_HAPPY[language]))
    assert sad.valence < 0.0 < happy.valence
    assert happy.valence - sad.valence > 0.2
    assert sad.model_version == multilingual_model.version
    assert sad.model_version.startswith("e5-va-")


def test_nothing_to_read_has_no_confidence(multilingual_model: MultilingualMoodModel) -> None:
    assert multilingual_model.estimate("...  !!").confidence == 0.0
    assert multilingual_model.estimate("¡qué alegría!").confidence > 0.0


def test_a_long_text_is_flagged_truncated(multilingual_model: MultilingualMoodModel) -> None:
    assert not multilingual_model.truncated("Estoy bien.")
    assert multilingual_model.truncated("palabra " * 600)


def test_the_head_saves_loads_and_is_checked(
    multilingual_model: MultilingualMoodModel, tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 384))
    y = np.tanh(x[:, :2] * 0.3)
    head = fit_ridge(x, y, alpha=1.0)
    folder = tmp_path / "head"
    chosen = {"prefix": "query: ", "head": "ridge", "alpha": 1.0}
    save(folder, head, chosen, [chosen])
    loaded = MultilingualMoodModel.load(folder, num_threads=1)
    texts = ["Estoy bien.", "Ich bin müde."]
    vectors = loaded.embed(texts)
    expected = np.clip(head(vectors), -1, 1)
    assert np.allclose(loaded.predict(texts), expected, atol=1e-6)
    assert json.loads((folder / CONFIG_FILE).read_text())["prefix"] == "query: "
    (folder / HEAD_FILE).write_bytes((folder / HEAD_FILE).read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(WeightsCorrupted):
        MultilingualMoodModel.load(folder, num_threads=1)


def test_ridge_recovers_a_linear_map() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 20))
    w = rng.normal(size=(20, 2))
    y = x @ w + np.array([0.3, -0.2])
    head = fit_ridge(x, y, alpha=1e-6)
    assert np.allclose(head.out_w, w, atol=1e-3)
    assert np.allclose(head.out_b, [0.3, -0.2], atol=1e-3)


def test_moods_are_moods(multilingual_model: MultilingualMoodModel) -> None:
    mood = multilingual_model.estimate("Estoy agotado y de mal humor.")
    assert isinstance(mood, Mood)
    assert -1.0 <= mood.valence <= 1.0
