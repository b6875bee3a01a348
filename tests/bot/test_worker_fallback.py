"""A bot on the HTTP inference worker keeps answering when the worker is killed: the message is
analysed by the in-process model instead, and nothing is lost."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.core.events import TextMessage
from nlp.batching import BatchingEngine
from nlp.client import FallbackMoodEstimator, RemoteMoodEstimator
from nlp.model_estimator import ModelMoodEstimator
from nlp.text_model import TextMoodModel
from storage.models import MoodReport
from tests.bot.conftest import Harness


def start_worker(tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODWAVE_")}
    env.update(MOODWAVE_HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the worker did not come up")


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the database is not the point
def test_killed_worker_falls_back_without_losing_the_message(
    harness: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    worker, url = start_worker(tmp_path)
    try:
        local_model = TextMoodModel.load(device="cpu")
        local = ModelMoodEstimator(local_model, BatchingEngine(local_model))
        remote = RemoteMoodEstimator(url, timeout=2.0, retries=1, backoff=0.05)
        harness.conversation.estimator = FallbackMoodEstimator(remote, lambda: local)
        (first,) = harness.send(TextMessage("I feel wonderful and full of energy"))
        assert first.entries
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        with caplog.at_level(logging.WARNING, logger="nlp.client"):
            (second,) = harness.send(TextMessage("now I feel sad and tired"))
        assert second.entries
        assert any("unreachable" in r.getMessage() for r in caplog.records)
    finally:
        worker.kill()
    with harness.store.session() as s:
        reports = s.exec(select(MoodReport).order_by(MoodReport.id)).all()
    assert [r.text for r in reports] == [
        "I feel wonderful and full of energy",
        "now I feel sad and tired",
    ]
    assert reports[0].valence > reports[1].valence
    assert all(r.model_version.startswith("minilm") for r in reports)
