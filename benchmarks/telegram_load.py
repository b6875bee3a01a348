"""Load test of the Telegram bot: updates from many users pushed through the fake Telegram Bot API
into the real bot (python-telegram-bot, the adapter, the conversation core, the in-process mood
model, the ranker, SQLite), measuring throughput, reply latency and that every update got exactly
one reply.

    python benchmarks/telegram_load.py --data-dir ../shared/data [--updates 1000] [--users 200]
        [--rate 50] [--text-model transformer|lexicon] [--ranker widedeep|nearest]

Latency is from the moment the fake queues an update to the moment the bot's reply reaches the
fake's sendMessage. Prints JSON and a Markdown row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.telegram import PLATFORM, TelegramAdapter
from bot.app import build_app
from bot.settings import Settings
from tests.fakes.telegram import FakeTelegram

MOODS = [
    "I feel so happy today",
    "tired and a bit sad",
    "anxious about tomorrow",
    "calm and relaxed",
    "really angry right now",
    "excited for the weekend!",
    "lonely tonight",
    "content and grateful",
    "bored out of my mind",
    "stressed but hopeful",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("MOODWAVE_DATA_DIR", "../shared/data"))
    )
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="updates per second")
    parser.add_argument("--text-model", default="transformer")
    parser.add_argument("--ranker", default="widedeep")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="moodwave-load-"))
    settings = Settings(
        home=home,
        data_dir=args.data_dir,
        text_model=args.text_model,
        ranker=args.ranker,
        checkin_delay="2d",
    )
    app = build_app(settings)
    fake = FakeTelegram().start()
    replied_at: dict[int, list[float]] = {}
    lock = threading.Lock()
    send_message = fake._methods["sendMessage"]

    def timed_send(params: dict[str, Any]) -> Any:
        result = send_message(params)
        with lock:
            replied_at.setdefault(int(params["chat_id"]), []).append(time.perf_counter())
        return result

    fake._methods["sendMessage"] = timed_send
    adapter = TelegramAdapter(app.conversation, lambda o, n: app.store.migrate_chat(PLATFORM, o, n))
    application = adapter.build(fake.token, fake.base_url, fake.base_file_url)
    ready = threading.Event()
    stop: list[asyncio.Event] = []

    async def run_bot() -> None:
        stop.append(asyncio.Event())
        async with application:
            await application.start()
            await adapter.ready(application)
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            ready.set()
            await stop[0].wait()
            await application.updater.stop()
            await application.stop()

    thread = threading.Thread(target=lambda: asyncio.run(run_bot()), daemon=True)
    thread.start()
    ready.wait(60)

    users = [fake.create_user(f"User{i}") for i in range(args.users)]
    chats = [fake.create_private_chat(u) for u in users]
    sent_at: dict[int, list[float]] = {}
    began = time.perf_counter()
    for i in range(args.updates):
        due = began + i / args.rate
        time.sleep(max(0.0, due - time.perf_counter()))
        user, chat = users[i % args.users], chats[i % args.users]
        sent_at.setdefault(chat.id, []).append(time.perf_counter())
        fake.user_sends_text(user, chat, MOODS[i % len(MOODS)])
    for chat in chats:
        fake.wait_for_messages(chat, len(sent_at.get(chat.id, [])), timeout=300)
    elapsed = time.perf_counter() - began
    time.sleep(1.0)  # any second reply would arrive now
    assert adapter._loop is not None
    adapter._loop.call_soon_threadsafe(stop[0].set)
    thread.join(30)
    fake.stop()

    latencies = []
    exactly_once = True
    for chat_id, sends in sent_at.items():
        replies = replied_at.get(chat_id, [])
        exactly_once &= len(replies) == len(sends)
        latencies += [r - s for s, r in zip(sends, replies, strict=False)]
    latencies.sort()
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "updates": args.updates,
        "users": args.users,
        "offered_rate": args.rate,
        "text_model": app.estimator.version,
        "ranker": app.recommender.version,
        "throughput_per_s": round(args.updates / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
        "every_update_one_reply": exactly_once and len(latencies) == args.updates,
        "violations": len(fake.violations),
    }
    app.close()
    print(json.dumps(result, indent=2))
    print(
        f"| {args.updates} updates, {args.users} users, {args.rate:g}/s offered | "
        f"{result['throughput_per_s']}/s | {result['p50_ms']} ms | {result['p99_ms']} ms | "
        f"{'yes' if result['every_update_one_reply'] else 'NO'} |"
    )


if __name__ == "__main__":
    main()
