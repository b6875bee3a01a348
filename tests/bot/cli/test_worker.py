"""`moodwave worker` refuses to listen beyond loopback without MOODWAVE_WORKER_TOKEN."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import nlp.factory
from bot.cli import main


class Starting(Exception):
    """Raised where the worker would load its model: the start was not refused."""


@pytest.fixture
def worker_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith("MOODWAVE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("MOODWAVE_HOME", str(tmp_path / "home"))

    def starting(*_args: object, **_kwargs: object) -> None:
        raise Starting

    monkeypatch.setattr(nlp.factory, "build_model_estimator", starting)
    return monkeypatch


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "gpu-host.internal"])
def test_a_worker_beyond_loopback_wants_a_token(
    worker_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert main(["worker", "--host", host]) == 2
    assert "MOODWAVE_WORKER_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_a_loopback_worker_starts_without_a_token(
    worker_env: pytest.MonkeyPatch, host: str
) -> None:
    with pytest.raises(Starting):
        main(["worker", "--host", host])


def test_a_worker_with_a_token_starts_on_any_address(
    worker_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    worker_env.setenv("MOODWAVE_WORKER_TOKEN", "a-long-random-worker-token")
    with pytest.raises(Starting):
        main(["worker", "--host", "0.0.0.0"])
    assert "a-long-random-worker-token" not in capsys.readouterr().err
