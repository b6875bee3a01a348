"""The webhook endpoint: Telegram's secret token is checked before anything is parsed; a good update
is handled before the answer (so a replica that dies mid-update never acknowledges it), and an
update another replica holds is answered 503 with Retry-After, so Telegram delivers it again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.web import SECRET_HEADER, WEBHOOK_PATH, telegram_webhook_routes, web_app
from tests.fakes.telegram import FakeTelegram

UPDATE = {
    "update_id": 1001,
    "message": {
        "message_id": 5,
        "date": 1763800000,
        "text": "I feel great",
        "chat": {"id": 42, "type": "private", "first_name": "Ann"},
        "from": {"id": 42, "is_bot": False, "first_name": "Ann"},
    },
}


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def _telegram(
    fake: FakeTelegram, handled: list[Update]
) -> Application[Any, Any, Any, Any, Any, Any]:
    telegram = Application.builder().token(fake.token).base_url(fake.base_url).build()

    async def record(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.append(update)

    telegram.add_handler(TypeHandler(Update, record))
    return telegram


def test_webhook_checks_the_secret_and_handles_the_update_before_answering(
    fake: FakeTelegram,
) -> None:
    handled: list[Update] = []
    telegram = _telegram(fake, handled)
    with TestClient(web_app(telegram_webhook_routes(telegram, "s3cret-token"))) as client:
        client.portal.call(telegram.initialize)  # type: ignore[union-attr]
        _check_secret_and_handling(client, telegram, handled)


def _check_secret_and_handling(
    client: TestClient, telegram: Application[Any, Any, Any, Any, Any, Any], handled: list[Update]
) -> None:
    assert client.post(WEBHOOK_PATH, json=UPDATE).status_code == 403
    assert (
        client.post(WEBHOOK_PATH, json=UPDATE, headers={SECRET_HEADER: "wrong"}).status_code == 403
    )
    assert handled == []
    bad = client.post(WEBHOOK_PATH, content=b"{nope", headers={SECRET_HEADER: "s3cret-token"})
    assert bad.status_code == 400
    ok = client.post(WEBHOOK_PATH, json=UPDATE, headers={SECRET_HEADER: "s3cret-token"})
    assert ok.status_code == 200
    (update,) = handled  # handled by the time the answer came, not merely queued
    assert update.update_id == 1001 and update.message is not None
    assert update.message.text == "I feel great"
    assert telegram.update_queue.empty()
    assert client.get("/healthz").json() == {"status": "ok"}


def test_an_update_held_by_another_replica_is_answered_503_with_retry_after(
    fake: FakeTelegram,
) -> None:
    states = {"1001": "busy"}
    telegram = _telegram(fake, [])
    routes = telegram_webhook_routes(telegram, "s3cret-token", states.__getitem__, 7)
    with TestClient(web_app(routes)) as client:
        client.portal.call(telegram.initialize)  # type: ignore[union-attr]
        _check_busy(client, states)


def _check_busy(client: TestClient, states: dict[str, str]) -> None:
    busy = client.post(WEBHOOK_PATH, json=UPDATE, headers={SECRET_HEADER: "s3cret-token"})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "7"
    states["1001"] = "done"
    done = client.post(WEBHOOK_PATH, json=UPDATE, headers={SECRET_HEADER: "s3cret-token"})
    assert done.status_code == 200
