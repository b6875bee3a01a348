"""The fake's webhook delivery behaves like Telegram's Bot API server: chats are delivered side by
side, one update of a chat at a time and in order, and an update that was not acknowledged with a
2xx answer (an error, a hang-up, a timeout) is delivered again, after Retry-After when given."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from telegram import Bot

from tests.fakes.telegram import FakeTelegram


class _Receiver(BaseHTTPRequestHandler):
    """Holds the first delivery of `hold_id` until another chat's update arrived, then answers it
    503 with Retry-After: 0; every other delivery is acknowledged."""

    log: ClassVar[list[tuple[int, int]]] = []  # (update_id, attempt)
    hold_id: ClassVar[int] = 0
    other_arrived = threading.Event()
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        update_id = body["update_id"]
        with self.lock:
            attempt = 1 + sum(1 for u, _ in self.log if u == update_id)
            self.log.append((update_id, attempt))
        if update_id == self.hold_id and attempt == 1:
            self.other_arrived.wait(10)
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        if update_id != self.hold_id:
            self.other_arrived.set()
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(webhook_retry_base=0.01) as server:
        yield server


def test_chats_side_by_side_each_chat_in_order_failures_retried(fake: FakeTelegram) -> None:
    ann, bo = fake.create_user("Ann"), fake.create_user("Bo")
    ann_chat, bo_chat = fake.create_private_chat(ann), fake.create_private_chat(bo)
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/telegram/webhook"
    _Receiver.log, _Receiver.other_arrived = [], threading.Event()
    try:
        first = fake.user_sends_text(ann, ann_chat, "one")
        second = fake.user_sends_text(ann, ann_chat, "two")
        other = fake.user_sends_text(bo, bo_chat, "elsewhere")
        _Receiver.hold_id = first.update_id

        async def set_webhook() -> None:
            async with Bot(fake.token, base_url=fake.base_url) as bot:
                assert await bot.set_webhook(url, secret_token="s3cret")

        asyncio.run(set_webhook())
        fake.wait_until(lambda: len(_Receiver.log) == 4, what="four deliveries")
        fake.wait_until(lambda: not fake.pending_updates(), what="an empty queue")
    finally:
        receiver.shutdown()
        receiver.server_close()
    log = _Receiver.log
    # Bo's update went out while Ann's first was unanswered; Ann's second only after her first
    # was delivered again and acknowledged.
    assert log.index((other.update_id, 1)) < log.index((first.update_id, 2))
    assert log.index((first.update_id, 2)) < log.index((second.update_id, 1))
    assert sorted(log) == sorted(
        [(first.update_id, 1), (first.update_id, 2), (second.update_id, 1), (other.update_id, 1)]
    )
    fake.assert_no_violations()
