"""`moodwave run` in Telegram webhook mode refuses a secret that would let forged updates in, and
logs at MOODWAVE_LOG_LEVEL without the bot's token."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

import bot.serve
from bot.cli import main
from bot.settings import Settings


@pytest.fixture
def webhook_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Settings]:
    """Webhook settings, and `run_bots` replaced by a recorder: a refused start never gets there."""
    for key in list(os.environ):
        if key.startswith("MOODWAVE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("MOODWAVE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MOODWAVE_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("MOODWAVE_TELEGRAM_WEBHOOK_URL", "https://bot.example.org")
    started: list[Settings] = []
    monkeypatch.setattr(bot.serve, "run_bots", lambda settings: started.append(settings) or 0)
    return started


@pytest.mark.parametrize(
    "secret",
    ["", "short-secret", "change-me", "change-me-change-me-please", "a" * 20, "bad secret!" * 2],
)
def test_a_weak_webhook_secret_is_refused(
    webhook_env: list[Settings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    secret: str,
) -> None:
    monkeypatch.setenv("MOODWAVE_TELEGRAM_WEBHOOK_SECRET", secret)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "MOODWAVE_TELEGRAM_WEBHOOK_SECRET" in err
    assert not webhook_env
    if len(secret) >= 12:  # the message names the setting, never the value
        assert secret not in err


def test_a_random_webhook_secret_starts(
    webhook_env: list[Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOODWAVE_TELEGRAM_WEBHOOK_SECRET", "q8Zr-3vTf_1LmN0pXw7y")
    assert main(["run"]) == 0
    assert len(webhook_env) == 1


TOKEN = "123456:AAH-bot_token-secret-0123456789"


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_run_logs_at_the_chosen_level_and_never_the_bot_token(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    level: str,
) -> None:
    """httpx logs every Bot API URL, the token in its path, at INFO; `moodwave run` used to force
    WARNING whatever MOODWAVE_LOG_LEVEL said."""
    for key in list(os.environ):
        if key.startswith("MOODWAVE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOODWAVE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MOODWAVE_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("MOODWAVE_LOG_LEVEL", level)
    levels: list[int] = []

    def run_bots(settings: Settings) -> int:
        levels.append(logging.getLogger().level)  # set back after the test (tests/conftest.py)
        url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
        logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
        try:
            raise RuntimeError(f"Client error '409 Conflict' for url '{url}'")
        except RuntimeError:
            logging.getLogger("telegram.ext.Updater").exception("polling failed")
        return 0

    monkeypatch.setattr(bot.serve, "run_bots", run_bots)
    assert main(["run"]) == 0
    assert levels == [getattr(logging, level)]
    assert "POST https://api.telegram.org/bot********/getUpdates" in caplog.text
    assert "409 Conflict" in caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
