"""A console that shows Moodwave's words only: the libraries under it speak up while models load
(transformers' weight-loading bar and its report of unused pooler weights, torch's deprecation
notices, FutureWarnings: a library's deprecation is reported at our line that calls it, so these
are hidden wherever they are raised), which a person chatting cannot act on. Errors still show, and
so does every log record of our own packages."""

from __future__ import annotations

import logging
import os
import warnings

OUR_PACKAGES = ("bot", "nlp", "recommender", "storage", "research", "datafiles", "moodwave")


def quiet_third_party() -> None:
    """Call before the models load (transformers reads its settings when first imported); a
    person's own TRANSFORMERS_VERBOSITY or HF_HUB_DISABLE_PROGRESS_BARS still wins."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_ours_or_errors)


def _ours_or_errors(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR or record.name.split(".")[0] in OUR_PACKAGES
