"""The webhook endpoint: Telegram's secret token is checked before anything is parsed, and a good
update lands in the bot's queue."""

from __future__ import annotations

from starlette.testclient import TestClient
from telegram.ext import Application

from bot.web import SECRET_HEADER, WEBHOOK_PATH, telegram_webhook_routes, web_app

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


def test_webhook_checks_the_secret_and_queues_the_update() -> None:
    telegram = Application.builder().token("123456:TEST").build()
    client = TestClient(web_app(telegram_webhook_routes(telegram, "s3cret-token")))
    assert client.post(WEBHOOK_PATH, json=UPDATE).status_code == 403
    assert (
        client.post(WEBHOOK_PATH, json=UPDATE, headers={SECRET_HEADER: "wrong"}).status_code == 403
    )
    assert telegram.update_queue.empty()
    bad = client.post(WEBHOOK_PATH, content=b"{nope", headers={SECRET_HEADER: "s3cret-token"})
    assert bad.status_code == 400
    ok = client.post(WEBHOOK_PATH, json=UPDATE, headers={SECRET_HEADER: "s3cret-token"})
    assert ok.status_code == 200
    update = telegram.update_queue.get_nowait()
    assert update.update_id == 1001 and update.message.text == "I feel great"
    assert client.get("/healthz").json() == {"status": "ok"}
