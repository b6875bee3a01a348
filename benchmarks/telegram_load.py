"""Load test of the Telegram bot: updates from many users pushed through the fake Telegram Bot API
into the real bot, measuring throughput, reply latency and that every update got exactly one reply.

The bot is the production entry point, `moodwave run`, in its own process (long polling, the
adapter, the conversation core, the in-process mood model, the Wide & Deep ranker, SQLite, the
check-in job), pointed at the fake with `MOODWAVE_TELEGRAM_API_URL`. The fake server and the load
generator run in this process, as Telegram runs on its own machines; here they still share the CPU
with the bot.

    python benchmarks/telegram_load.py --data-dir ../shared/data [--updates 1000] [--users 200]
        [--rate 50] [--text-model transformer|lexicon] [--ranker widedeep|nearest]
        [--env MOODWAVE_SETTING=value ...]

Latency is from the moment the fake queues an update to the moment the bot's reply reaches the
fake's sendMessage. Besides throughput and latency it reports the CPU seconds the bot (its process and its core process) and
this process spent while the updates ran (per update), and the load average. Prints JSON and a
Markdown row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
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

from tests.deploy.cluster import Service, child_pids
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
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds so far of a process and each of its children, by process id."""
    times = {pid: cpu_seconds(pid)}
    for child in child_pids(pid):
        with contextlib.suppress(FileNotFoundError):  # it ended meanwhile
            times[child] = cpu_seconds(child)
    return times


def wait_until_polling(fake: FakeTelegram, bot: Service, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while fake.long_polls_waiting == 0:
        if bot.process.poll() is not None:
            raise RuntimeError(f"the bot exited with {bot.process.returncode}:\n{bot.log_tail()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the bot did not start polling in {timeout} s:\n{bot.log_tail()}")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("MOODWAVE_DATA_DIR", "../shared/data"))
    )
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="updates per second")
    parser.add_argument("--text-model", default="transformer")
    parser.add_argument("--ranker", default="widedeep")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="a setting of the bot"
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="moodwave-load-"))
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
    env = {
        "MOODWAVE_TELEGRAM_TOKEN": fake.token,
        "MOODWAVE_TELEGRAM_API_URL": fake.url,
        "MOODWAVE_HOME": str(home),
        "MOODWAVE_DATA_DIR": str(args.data_dir.resolve()),
        "MOODWAVE_TEXT_MODEL": args.text_model,
        "MOODWAVE_RANKER": args.ranker,
        "MOODWAVE_CHECKIN_DELAY": "2d",  # no check-in question during the run
        "MOODWAVE_LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    env.update(item.split("=", 1) for item in args.env)
    bot = Service("bot", ["run"], env, home)
    try:
        wait_until_polling(fake, bot)
        users = [fake.create_user(f"User{i}") for i in range(args.users)]
        chats = [fake.create_private_chat(u) for u in users]
        sent_at: dict[int, list[float]] = {}
        bot_cpu, own_cpu = tree_cpu_seconds(bot.pid), time.process_time()
        load_before = os.getloadavg()[0]
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
        bot_cpu_after = tree_cpu_seconds(bot.pid)
        bot_cpu = {p: bot_cpu_after[p] - bot_cpu.get(p, 0.0) for p in bot_cpu_after}
        own_cpu = time.process_time() - own_cpu
        load_after = os.getloadavg()[0]
        time.sleep(1.0)  # any second reply would arrive now
    finally:
        bot.stop()
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
        "load_average_1m": [round(load_before, 2), round(load_after, 2)],
        "updates": args.updates,
        "users": args.users,
        "offered_rate": args.rate,
        "text_model": args.text_model,
        "ranker": args.ranker,
        "settings": args.env,
        "throughput_per_s": round(args.updates / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
        "max_ms": round(1000 * latencies[-1], 1),
        "bot_cpu_ms_per_update": round(1000 * sum(bot_cpu.values()) / args.updates, 1),
        # the bot's own process first, then its core process (MOODWAVE_CORE_PROCESS, the default)
        "bot_cpu_ms_per_update_by_process": [
            round(1000 * seconds / args.updates, 1) for seconds in bot_cpu.values()
        ],
        "fake_and_load_cpu_ms_per_update": round(1000 * own_cpu / args.updates, 1),
        "every_update_one_reply": exactly_once and len(latencies) == args.updates,
        "violations": len(fake.violations),
    }
    print(json.dumps(result, indent=2))
    print(
        f"| {args.updates} updates, {args.users} users, {args.rate:g}/s offered | "
        f"{result['throughput_per_s']}/s | {result['p50_ms']:,} ms | {result['p99_ms']:,} ms | "
        f"{'yes' if result['every_update_one_reply'] else 'NO'} |"
    )


if __name__ == "__main__":
    main()
