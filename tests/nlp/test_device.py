"""One device choice for every model: "auto" takes CUDA where there is one, and CUDA asked for where
there is none falls back to the CPU with a warning instead of failing to start."""

from __future__ import annotations

import logging

import pytest
import torch

from nlp.device import pick_device
from nlp.text_model import TextMoodModel


def test_auto_takes_cuda_only_where_there_is_one() -> None:
    assert pick_device("auto", lambda: True) == "cuda"
    assert pick_device("auto", lambda: False) == "cpu"


def test_a_device_that_exists_is_taken_as_asked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="nlp.device"):
        assert pick_device("cpu", lambda: True) == "cpu"
        assert pick_device("cuda", lambda: True) == "cuda"
        assert pick_device("cuda:1", lambda: True) == "cuda:1"
    assert caplog.records == []


def test_cuda_without_cuda_falls_back_to_the_cpu_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="nlp.device"):
        assert pick_device("cuda", lambda: False) == "cpu"
    (record,) = caplog.records
    assert "CUDA is not available" in record.getMessage() and "'cuda'" in record.getMessage()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: nothing falls back")
def test_the_text_model_asked_for_cuda_runs_on_the_cpu_here(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="nlp.device"):
        model = TextMoodModel.load(device="cuda")
    assert model.device.type == "cpu"
    assert any("using the CPU" in r.getMessage() for r in caplog.records)
    assert model.estimate("I feel happy").valence > 0
