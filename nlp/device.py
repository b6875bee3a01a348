"""Which device a model runs on: the one choice the text model and the speech model share.

"auto" takes CUDA when this machine has it, else the CPU. A CUDA device asked for by name on a
machine without CUDA falls back to the CPU with a warning in the log, never a crash (as implicit's
factories do): a deployment's settings then still start the bot, only slower. Anything else
("cpu") is taken as given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def pick_device(requested: str, has_cuda: Callable[[], bool]) -> str:
    """The device to load on. `has_cuda` asks the model's own library (torch, CTranslate2), so a
    machine where only one of them sees the GPU still gets each model a device it can use."""
    if requested == "auto":
        return "cuda" if has_cuda() else "cpu"
    if requested.startswith("cuda") and not has_cuda():
        log.warning(
            "device %r was asked for, but CUDA is not available here: using the CPU", requested
        )
        return "cpu"
    return requested
