"""Load test of the scaled set-up on one machine: two bot replicas (separate `moodwave run`
processes, Telegram webhook mode) behind a round-robin load balancer, one inference worker process
(`moodwave worker`, the transformer model), PostgreSQL, and the fake Telegram server delivering
webhooks as Telegram does. Halfway through, one replica is SIGKILLed; the run then checks that every
update got exactly one reply and every check-in question went out once.

With `--silence-at F --silence-for S` the replicas reach PostgreSQL through a proxy that falls
silent after that fraction of the updates was sent, for S seconds (it accepts connections and
forwards nothing, as a stopped server or a network holding packets), and the run reports how soon
after the database came back the bot answered again, the apologies sent, and that no update was
lost (every update got its real reply, besides any apology).

    python benchmarks/scaled_load.py --data-dir ../shared/data [--updates 600] [--users 150]
        [--rate 30] [--kill-at 0.5] [--lease 10s] [--checkin-delay 20s]
        [--silence-at 0.25 --silence-for 30] [--core-deadline 30]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--groups 4] [--redis redis://127.0.0.1:6379/0]

Telegram's sending limits: the fake answers 429 past 30 messages a second and 20 a minute in a group,
and the run counts them (`throttled_429`). `--groups N` puts the users in N group chats (each update
is a message in its user's group), so the replies meet the group limit; `--redis URL` has the
replicas share the limits through Redis (MOODWAVE_REDIS_URL) instead of keeping them each alone.

A throwaway database is created on the server and dropped afterwards. Latency runs from the fake
queueing an update to the bot's reply reaching sendMessage; a chat's replies are matched to its
updates in order (check-in questions are counted apart). Prints JSON and a Markdown row for
docs/benchmarks.md. `--kill-at 0` runs without a kill (the ceiling of this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.core.replies import APOLOGY
from storage import make_engine, upgrade
from tests.deploy.cluster import (
    LoadBalancer,
    Service,
    SilentProxy,
    free_port,
    replica_env,
    wait_healthy,
)
from tests.fakes.telegram import FakeTelegram

CHECKIN = "how do you feel now?"  # in groups after the person's name: "Ann, how do you ..."
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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("MOODWAVE_DATA_DIR", "../shared/data"))
    )
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--rate", type=float, default=30.0, help="updates per second offered")
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction sent before the kill")
    parser.add_argument("--lease", default="10s", help="MOODWAVE_UPDATE_LEASE of the replicas")
    parser.add_argument("--checkin-delay", default="20s")
    parser.add_argument("--groups", type=int, default=0, help="users in this many group chats")
    parser.add_argument("--redis", default="", help="MOODWAVE_REDIS_URL of the replicas")
    parser.add_argument(
        "--silence-at", type=float, default=0.0, help="fraction sent before the database is silent"
    )
    parser.add_argument("--silence-for", type=float, default=30.0, help="seconds of silence")
    parser.add_argument(
        "--core-deadline", default="", help="MOODWAVE_CORE_DEADLINE of the replicas (default: 30)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "MOODWAVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()

    admin_url = make_url(args.postgres)
    name = f"moodwave_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(database_url)
    upgrade(engine)  # what `moodwave db upgrade` does, once, before the replicas start
    work = Path(tempfile.mkdtemp(prefix="moodwave-scaled-"))
    try:
        result = run(args, database_url, work)
        result["checkins"] = checkin_counts(engine, result.pop("_questions"))
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(json.dumps(result, indent=2))
    print(
        f"| {args.updates} updates, {args.users} users, {args.rate:g}/s offered, "
        f"{'replica killed at ' + str(int(100 * args.kill_at)) + '%' if args.kill_at else 'no kill'}"
        f" | {result['throughput_per_s']}/s | {result['p50_ms']} ms | {result['p99_ms']} ms | "
        f"{result['lost']} lost, {result['duplicated']} doubled | "
        f"{result['checkins']['questions']} asked, {result['checkins']['asked_twice']} twice |"
    )
    if "silence" in result:
        quiet = result["silence"]
        print(
            f"| database silent {args.silence_for:g} s from {int(100 * args.silence_at)}% | "
            f"{quiet['first_answer_after_back_s']} s | {quiet['all_answered_after_back_s']} s | "
            f"{quiet['max_latency_after_back_ms']} ms | {quiet['apologies']} | "
            f"{result['lost']} lost, {result['duplicated']} doubled |"
        )
    if args.groups:
        print(
            f"| {args.updates} updates in {args.groups} groups, {args.rate:g}/s offered | "
            f"{'shared through Redis' if args.redis else 'one per replica'} | "
            f"{result['throttled_429']} | {result['lost']} lost, {result['duplicated']} doubled | "
            f"{result['p50_ms']} ms | {result['p99_ms']} ms |"
        )


def run(args: argparse.Namespace, database_url: str, work: Path) -> dict[str, Any]:
    # A bot id of its own: the shared limits' Redis keys are per bot, so runs never meet.
    token = f"{random.randrange(10**8, 10**9)}:AAScaledLoadBenchmarkToken"
    fake = FakeTelegram(token, webhook_retry_base=0.2).start()
    replied_at: dict[int, list[tuple[float, str]]] = {}
    lock = threading.Lock()
    send_message = fake._methods["sendMessage"]

    def timed_send(params: dict[str, Any]) -> Any:
        result = send_message(params)
        with lock:
            replied_at.setdefault(int(params["chat_id"]), []).append(
                (time.perf_counter(), str(params.get("text", "")))
            )
        return result

    fake._methods["sendMessage"] = timed_send
    worker_port, ports = free_port(), [free_port(), free_port()]
    proxy: SilentProxy | None = None
    replica_database_url = database_url
    if args.silence_at:
        target = make_url(database_url)
        proxy = SilentProxy(target.host or "127.0.0.1", target.port or 5432).start()
        replica_database_url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
    balancer = LoadBalancer([f"http://127.0.0.1:{p}" for p in ports]).start()
    services: list[Service] = []
    try:
        worker_env = {"MOODWAVE_DEVICE": "cpu", "MOODWAVE_HOME": str(work / "worker")}
        worker = Service(
            "worker",
            ["worker", "--host", "127.0.0.1", "--port", str(worker_port)],
            worker_env,
            work,
        )
        services.append(worker)
        wait_healthy(
            f"http://127.0.0.1:{worker_port}/healthz", worker.process, timeout=900
        )  # a busy shared machine starts slowly
        replicas = []
        for i, port in enumerate(ports):
            env = replica_env(
                port=port,
                database_url=replica_database_url,
                fake_telegram_url=fake.url,
                token=fake.token,
                webhook_url=balancer.url,
                home=work / f"replica{i}",
                data_dir=args.data_dir,
                extra={
                    "MOODWAVE_WORKER_URL": f"http://127.0.0.1:{worker_port}",
                    "MOODWAVE_WORKER_TIMEOUT": "10",
                    "MOODWAVE_UPDATE_LEASE": args.lease,
                    "MOODWAVE_CHECKIN_LEASE": args.lease,
                    "MOODWAVE_CHECKIN_DELAY": args.checkin_delay,
                    "MOODWAVE_CHECKIN_POLL_SECONDS": "1",
                    "MOODWAVE_LOG_LEVEL": "WARNING",
                    "MOODWAVE_REDIS_URL": args.redis,
                }
                | ({"MOODWAVE_CORE_DEADLINE": args.core_deadline} if args.core_deadline else {}),
            )
            replica = Service(f"replica{i}", ["run"], env, work)
            services.append(replica)
            replicas.append(replica)
            wait_healthy(
                f"http://127.0.0.1:{port}/healthz", replica.process, timeout=900
            )  # a busy shared machine starts slowly

        users = [fake.create_user(f"User{i}") for i in range(args.users)]
        if args.groups:
            groups = [fake.create_group(f"Group {g}") for g in range(args.groups)]
            chats = [groups[i % args.groups] for i in range(args.users)]
        else:
            chats = [fake.create_private_chat(u) for u in users]
        sent_at: dict[int, list[float]] = {}
        kill_after = int(args.updates * args.kill_at) if args.kill_at else -1
        killed: str | None = None
        silence_after = int(args.updates * args.silence_at) if proxy else -1
        silent_from = back_at = None
        began = time.perf_counter()
        for i in range(args.updates):
            if i == kill_after:
                replicas[0].kill()
                killed = replicas[0].name
            if proxy is not None and i == silence_after:
                proxy.silence()
                silent_from = time.perf_counter()
                threading.Timer(args.silence_for, proxy.speak).start()
                back_at = silent_from + args.silence_for
            due = began + i / args.rate
            time.sleep(max(0.0, due - time.perf_counter()))
            user, chat = users[i % args.users], chats[i % args.users]
            sent_at.setdefault(chat.id, []).append(time.perf_counter())
            fake.user_sends_text(user, chat, MOODS[(i // args.users + i) % len(MOODS)])

        def answered() -> int:
            with lock:
                return sum(
                    min(
                        len(sent_at[c]),
                        len([1 for _, t in replied_at.get(c, []) if real_reply(t)]),
                    )
                    for c in sent_at
                )

        deadline = time.perf_counter() + 600
        while answered() < args.updates and time.perf_counter() < deadline:
            time.sleep(0.2)
        last_reply = max((t for r in replied_at.values() for t, _ in r), default=began)
        elapsed = last_reply - began
        time.sleep(2 * _seconds(args.lease) + 2)  # a late duplicate would arrive by now
    finally:
        for service in services:
            service.stop()
        balancer.stop()
        fake.stop()
        if proxy is not None:
            proxy.stop()

    latencies: list[float] = []
    lost = duplicated = 0
    questions: dict[int, int] = {}
    for chat_id, sends in sent_at.items():
        replies = [t for t, body in replied_at.get(chat_id, []) if real_reply(body)]
        questions[chat_id] = sum(
            1 for _, body in replied_at.get(chat_id, []) if CHECKIN in body.lower()
        )
        lost += max(0, len(sends) - len(replies))
        duplicated += max(0, len(replies) - len(sends))
        latencies += [r - s for s, r in zip(sends, replies, strict=False)]
    silence: dict[str, Any] = {}
    if back_at is not None:
        pairs = [
            (s, r)
            for chat_id, sends in sent_at.items()
            for s, r in zip(
                sends,
                [t for t, body in replied_at.get(chat_id, []) if real_reply(body)],
                strict=False,
            )
        ]
        after = sorted(r for _, r in pairs if r > back_at)
        offered_after = [r - s for s, r in pairs if s > back_at]
        silence = {
            "silent_from_s": round(silent_from - began, 1) if silent_from else None,
            "silent_for_s": args.silence_for,
            "first_answer_after_back_s": round(after[0] - back_at, 1) if after else None,
            "all_answered_after_back_s": round(max(0.0, last_reply - back_at), 1),
            "max_latency_after_back_ms": round(1000 * max(offered_after, default=0.0)),
            "apologies": sum(1 for r in replied_at.values() for _, body in r if APOLOGY in body),
        }
    latencies.sort()
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), no GPU, "
        f"Python {platform.python_version()}",
        "updates": args.updates,
        "users": args.users,
        "offered_rate": args.rate,
        "killed": killed,
        "kill_after_updates": kill_after if killed else None,
        "lease": args.lease,
        "throughput_per_s": round(args.updates / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
        "max_ms": round(1000 * latencies[-1], 1),
        "lost": lost,
        "duplicated": duplicated,
        "balancer": {"answered": dict(balancer.forwarded), "dropped": dict(balancer.failed)},
        "violations": len(fake.violations),
        "groups": args.groups,
        "limiter": "redis" if args.redis else "per replica",
        "throttled_429": len(fake.throttled),
        "throttled_by_limit": dict(Counter(t.limit for t in fake.throttled)),
        "_questions": questions,
    } | ({"silence": silence} if silence else {})


def real_reply(body: str) -> bool:
    """A reply to an update: not a check-in question, nor the apology of an update handed back."""
    return CHECKIN not in body.lower() and APOLOGY not in body


def checkin_counts(engine: Any, questions: dict[int, int]) -> dict[str, int]:
    """Check-in questions seen per chat against the check-ins the database says were asked."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT chat.external_id, count(*) FROM checkin JOIN chat ON chat.id = checkin.chat_id"
                " WHERE checkin.sent_at IS NOT NULL GROUP BY 1"
            )
        ).all()
    asked = {int(chat): int(n) for chat, n in rows}
    return {
        "questions": sum(questions.values()),
        "asked_in_database": sum(asked.values()),
        "asked_twice": sum(max(0, n - asked.get(c, 0)) for c, n in questions.items()),
        "asked_never": sum(max(0, n - questions.get(c, 0)) for c, n in asked.items()),
    }


def _seconds(duration: str) -> float:
    units = {"s": 1.0, "m": 60.0}
    return float(duration[:-1]) * units[duration[-1]] if duration[-1] in units else float(duration)


if __name__ == "__main__":
    main()
