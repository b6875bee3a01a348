"""`moodwave run` as the image runs it, in Telegram long-polling mode against the fake Bot API:
the web app serves /healthz, /readyz and /metrics there too (not only for webhooks), and SIGTERM
(Docker's stop) finishes the update in flight before the process exits."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.serve import _web
from bot.web import web_app
from tests.deploy.cluster import Service, free_port, wait_healthy
from tests.fakes.telegram import FakeTelegram


def polling_bot(fake: FakeTelegram, tmp_path: Path, data_dir: Path) -> tuple[Service, str]:
    port = free_port()
    env = {
        "MOODWAVE_HOME": str(tmp_path / "home"),
        "MOODWAVE_DATA_DIR": str(data_dir),
        "MOODWAVE_DATABASE_URL": f"sqlite:///{tmp_path / 'moodwave.db'}",
        "MOODWAVE_TELEGRAM_TOKEN": fake.token,
        "MOODWAVE_TELEGRAM_API_URL": fake.url,
        "MOODWAVE_WEB_PORT": str(port),
        "MOODWAVE_TEXT_MODEL": "lexicon",  # the model's own metrics: tests/bot/test_metrics.py
        "MOODWAVE_CHECKIN_DELAY": "0",  # the check-in is due with the playlist
        "MOODWAVE_CHECKIN_POLL_SECONDS": "0.5",
    }
    bot = Service("bot", ["run"], env, tmp_path)
    return bot, f"http://127.0.0.1:{port}"


def metric(text: str, name: str, labels: str = "") -> float:
    found = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    assert found is not None, f"{name}{labels} is not in /metrics"
    return float(found.group(1))


def wait_for_log(bot: Service, line: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while line not in bot.log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{line!r} not logged:\n{bot.log_tail()}"
        assert bot.process.poll() is None, f"the bot exited:\n{bot.log_tail()}"
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_polling_mode_serves_health_readiness_and_metrics(
    fake: FakeTelegram, tmp_path: Path, data_dir: Path
) -> None:
    bot, web = polling_bot(fake, tmp_path, data_dir)
    try:
        wait_healthy(f"{web}/healthz", bot.process, timeout=600)
        ready = httpx.get(f"{web}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {
            "database": True,
            "core": True,
            "telegram": True,
            "serving": True,
        }

        user = fake.create_user("Ann")
        chat = fake.create_private_chat(user)
        fake.user_sends_text(user, chat, "I feel drained and sad after a long week")
        fake.wait_until(
            lambda: any("How do you feel now?" in (m.text or "") for m in fake.sent_messages(chat)),
            timeout=60,
            what="the playlist and its check-in",
        )

        response = httpx.get(f"{web}/metrics", timeout=10)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        telegram = '{platform="telegram"}'
        assert metric(text, "moodwave_updates_total", telegram) == 1
        assert metric(text, "moodwave_replies_total", telegram) >= 1
        assert metric(text, "moodwave_update_errors_total", telegram) == 0
        assert metric(text, "moodwave_update_seconds_count", telegram) == 1
        # From the core's own process: the check-in job's figures.
        assert metric(text, "moodwave_checkins_claimed_total", telegram) == 1
        assert metric(text, "moodwave_checkins_sent_total", telegram) == 1
        assert "# TYPE moodwave_spotify_requests_total counter" in text
    finally:
        bot.stop()
    assert bot.process.returncode == 0, bot.log_tail()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigterm_finishes_the_update_in_flight(
    fake: FakeTelegram, tmp_path: Path, data_dir: Path
) -> None:
    bot, web = polling_bot(fake, tmp_path, data_dir)
    try:
        wait_healthy(f"{web}/readyz", bot.process, timeout=600)
        user = fake.create_user("Ben")
        chat = fake.create_private_chat(user)
        fake.hold_sends(chat)  # the reply waits in the network: the update is in flight
        fake.user_sends_text(user, chat, "I feel calm and content")
        fake.wait_until(lambda: fake.held_sends(chat) >= 1, timeout=60, what="a reply in flight")

        os.kill(bot.pid, signal.SIGTERM)
        wait_for_log(bot, "SIGTERM: finishing the updates in flight")
        assert bot.process.poll() is None  # still there for the update it holds
        fake.release_sends(chat)

        assert bot.process.wait(60) == 0, bot.log_tail()
    except subprocess.TimeoutExpired:
        pytest.fail(f"the bot did not stop:\n{bot.log_tail()}")
    finally:
        bot.stop()
    texts = [m.text or "" for m in fake.sent_messages(chat)]
    # the playlist arrived (its title names no mood unless the person chose so: /spotify titles)
    assert any(t.startswith("You sound") and "\n1. " in t for t in texts), texts
    assert fake.pending_updates() == []  # and the update was confirmed: it will not come again


def test_a_taken_port_stops_a_webhook_bot_but_not_a_polling_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The webhook needs the web app, so a port already taken is fatal there; with long polling
    the bots serve on, and the log says health checks and metrics are off."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        def server() -> uvicorn.Server:
            app = web_app([])
            return uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off"))

        with pytest.raises(RuntimeError, match=f"cannot listen on 127.0.0.1:{port}"):
            asyncio.run(_web(server(), required=True))

        async def polling() -> bool:
            task = asyncio.create_task(_web(server(), required=False))
            while not any("no /healthz" in r.getMessage() for r in caplog.records):
                assert not task.done(), task
                await asyncio.sleep(0.05)
            still_serving = not task.done()
            task.cancel()
            return still_serving

        with caplog.at_level(logging.ERROR, logger="bot.serve"):
            assert asyncio.run(polling())
