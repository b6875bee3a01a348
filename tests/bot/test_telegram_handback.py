"""An update the core could not handle now (here the database held up by another writer's lock, so
the store's statement runs past its timeout) is apologised for once and handed back, not finished:
by webhook the route answers 503 and the redelivery, once the database answers again, gets the
playlist; by long polling the adapter queues the update again itself. Nothing is lost."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from bot.adapters.telegram import PLATFORM, TelegramAdapter
from bot.adapters.telegram.adapter import Webhook
from bot.core import replies
from bot.web import SECRET_HEADER, WEBHOOK_PATH, web_app
from storage import DatabaseTimeouts, Store, make_engine
from tests.bot.conftest import Harness
from tests.fakes.telegram import FakeChat, FakeTelegram, FakeUser

SECRET = "handback-test-secret_1"
LEASE = timedelta(seconds=2)


class DatabaseLock:
    """Another writer holding the lock the store's first statement (the update's claim) needs."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):
            self._sqlite = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            self._engine = make_engine(url)
            self._conn = self._engine.connect()
            self._conn.execute(text("LOCK TABLE processed_update IN ACCESS EXCLUSIVE MODE"))

    def release(self) -> None:
        if hasattr(self, "_sqlite"):
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
        else:
            self._conn.rollback()
            self._conn.close()
            self._engine.dispose()


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def impatient_adapter(harness: Harness, database_url: str) -> tuple[TelegramAdapter, Store]:
    """The adapter over the harness's core, on a store that waits half a second for a lock."""
    store = Store(make_engine(database_url, timeouts=DatabaseTimeouts(statement_s=0.5)), LEASE)
    harness.rebuild(store=store)
    adapter = TelegramAdapter(
        harness.conversation,
        lambda old, new: store.migrate_chat(PLATFORM, old, new),
        finish_update=lambda update_id: store.finish_update(PLATFORM, update_id),
        release_update=lambda update_id: store.release_update(PLATFORM, update_id),
        update_lease_s=LEASE.total_seconds(),
    )
    return adapter, store


def update(update_id: int, user: FakeUser, chat: FakeChat, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1763800000,
            "text": text,
            "chat": {"id": chat.id, "type": "private", "first_name": user.first_name},
            "from": {"id": user.id, "is_bot": False, "first_name": user.first_name},
        },
    }


def test_by_webhook_the_update_is_answered_503_and_its_redelivery_handled(
    harness: Harness, database_url: str, fake: FakeTelegram
) -> None:
    adapter, store = impatient_adapter(harness, database_url)
    app = adapter.build(fake.token, fake.base_url, fake.base_file_url)
    adapter.webhook = Webhook(
        "https://bot.example/telegram/webhook",
        SECRET,
        adapter.hand_backs.webhook_state(lambda u: store.update_state(PLATFORM, u)),
        retry_after_s=1,
    )
    ann = fake.create_user("Ann")
    chat = fake.create_private_chat(ann)
    body = update(501, ann, chat, "I feel lonely and sad tonight")
    headers = {SECRET_HEADER: SECRET}
    with TestClient(web_app(adapter.web_routes())) as client:
        client.portal.call(app.initialize)  # type: ignore[union-attr]
        lock = DatabaseLock(database_url)
        try:
            first = client.post(WEBHOOK_PATH, json=body, headers=headers)
            again = client.post(WEBHOOK_PATH, json=body, headers=headers)  # still locked
        finally:
            lock.release()
        assert first.status_code == 503 and first.headers["retry-after"] == "1"
        assert again.status_code == 503
        assert [m.text for m in fake.sent_messages(chat)] == [replies.APOLOGY]  # said once
        handled = client.post(WEBHOOK_PATH, json=body, headers=headers)
        assert handled.status_code == 200
        sent = [m.text or "" for m in fake.sent_messages(chat)]
        assert len(sent) == 2 and "You sound" in sent[1]
        assert client.post(WEBHOOK_PATH, json=body, headers=headers).status_code == 200
        assert len(fake.sent_messages(chat)) == 2  # a later redelivery is dropped: done
        client.portal.call(app.shutdown)  # type: ignore[union-attr]
    store.engine.dispose()


def test_by_long_polling_the_adapter_delivers_the_update_again_itself(
    harness: Harness, database_url: str, fake: FakeTelegram
) -> None:
    adapter, store = impatient_adapter(harness, database_url)
    app = adapter.build(fake.token, fake.base_url, fake.base_file_url)
    ann = fake.create_user("Ann")
    chat = fake.create_private_chat(ann)
    stop = threading.Event()

    async def serve() -> None:
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            await asyncio.to_thread(stop.wait)
            await app.updater.stop()
            await app.stop()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    lock = DatabaseLock(database_url)
    thread.start()
    try:
        fake.wait_until(lambda: fake.long_polls_waiting > 0, timeout=60, what="long polling")
        fake.user_sends_text(ann, chat, "I feel lonely and sad tonight")
        fake.wait_for_messages(chat, 1, timeout=60)
        lock.release()
        fake.wait_for_messages(chat, 2, timeout=120)  # queued again after the lease
    finally:
        stop.set()
        thread.join(30)
        store.engine.dispose()
    sent = [m.text or "" for m in fake.sent_messages(chat)]
    assert sent[0] == replies.APOLOGY and "You sound" in sent[1] and len(sent) == 2
