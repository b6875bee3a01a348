"""The per-person and per-chat limits in front of the core (`bot.limits`): a flood costs the core
nothing past the burst and gets one kind "slow down a little"; the buckets refill with time; and
`moodwave run`'s bots (`bot.serve.Bots`) hand every event to the limiter first, here through the
real Telegram adapter against the fake Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from bot.core import replies
from bot.core.events import ChatKind, ChatRef, Incoming, Outgoing, Send, TextMessage, UserRef
from bot.limits import SWEEP_EVERY, LimitedCore, Rate, RateLimiter, Verdict
from bot.serve import Bots, _serve
from bot.settings import Settings
from storage.models import MoodReport
from tests.bot.conftest import Harness
from tests.fakes.telegram import FakeTelegram


@dataclass
class Seconds:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def message(user: str = "u1", chat: str | None = None, platform: str = "test") -> Incoming:
    kind = ChatKind.GROUP if chat else ChatKind.PRIVATE
    return Incoming(platform, ChatRef(chat or user, kind), UserRef(user), TextMessage("hi"))


NO_LIMIT = Rate(per_minute=0, burst=1)


def limiter(person: Rate, chat: Rate = NO_LIMIT) -> tuple[RateLimiter, Seconds]:
    clock = Seconds()
    return RateLimiter(person, chat, clock), clock


def test_a_person_gets_the_burst_then_one_slow_down_then_quiet() -> None:
    limits, clock = limiter(Rate(per_minute=6, burst=3))  # one every 10 s
    verdicts = [limits.admit(message()) for _ in range(6)]
    assert verdicts == [Verdict.ADMIT] * 3 + [Verdict.SLOW_DOWN] + [Verdict.QUIET] * 2
    clock.now += 9.9
    assert limits.admit(message()) is Verdict.QUIET
    clock.now += 0.1
    assert limits.admit(message()) is Verdict.ADMIT  # refilled by one
    assert limits.admit(message()) is Verdict.SLOW_DOWN  # told again after being let through
    assert limits.admit(message("u2")) is Verdict.ADMIT  # someone else is not held back
    assert limits.admit(message(platform="other")) is Verdict.ADMIT  # nor u1 elsewhere
    clock.now += 3600
    assert [limits.admit(message()) for _ in range(4)] == [Verdict.ADMIT] * 3 + [
        Verdict.SLOW_DOWN
    ]  # never more than the burst, however long the pause


def test_a_chat_is_limited_for_all_its_members_together() -> None:
    limits, clock = limiter(Rate(per_minute=60, burst=5), Rate(per_minute=6, burst=4))
    members = [f"m{i}" for i in range(4)]
    assert [limits.admit(message(m, "g")) for m in members] == [Verdict.ADMIT] * 4
    assert limits.admit(message("m9", "g")) is Verdict.SLOW_DOWN_CHAT
    assert limits.admit(message("m8", "g")) is Verdict.QUIET  # the chat was told once
    assert limits.admit(message("m0", "private-m0")) is Verdict.ADMIT
    clock.now += 10
    assert limits.admit(message("m9", "g")) is Verdict.ADMIT


def test_a_refused_event_takes_nothing_from_the_other_bucket() -> None:
    limits, _ = limiter(Rate(per_minute=6, burst=2), Rate(per_minute=6, burst=1))
    assert limits.admit(message("a", "g")) is Verdict.ADMIT
    for _ in range(5):
        limits.admit(message("a", "g"))  # the chat refuses these
    assert limits.admit(message("a", "elsewhere")) is Verdict.ADMIT  # a's second token is there


def test_no_limit_at_a_rate_of_zero() -> None:
    limits, _ = limiter(NO_LIMIT, NO_LIMIT)
    assert all(limits.admit(message()) is Verdict.ADMIT for _ in range(1000))


def test_full_buckets_are_forgotten() -> None:
    limits, clock = limiter(Rate(per_minute=60, burst=2))
    for i in range(SWEEP_EVERY - 2):
        limits.admit(message(f"u{i}"))
    limits.admit(message("busy"))
    limits.admit(message("busy"))
    assert len(limits.people) == SWEEP_EVERY - 1
    clock.now += 1.0  # every bucket used once has refilled by now; "busy" has not
    limits.admit(message("late"))  # the SWEEP_EVERY-th new bucket: a sweep
    assert len(limits.people) == 2  # "busy" (still short of a token) and "late"


@dataclass
class CountingCore:
    handled: list[Incoming] = field(default_factory=list)
    closed: bool = False

    def handle(self, event: Incoming) -> list[Outgoing]:
        self.handled.append(event)
        return [Outgoing("ok")]

    def start_jobs(self, platform: str, send: Send) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def test_the_core_never_sees_what_the_limiter_refuses() -> None:
    core = CountingCore()
    limits, _ = limiter(Rate(per_minute=1, burst=2))
    limited = LimitedCore(core, limits)
    answers = [limited.handle(message()) for _ in range(10)]
    assert len(core.handled) == 2
    assert [[o.text for o in outs] for outs in answers] == [["ok"], ["ok"], [replies.SLOW_DOWN]] + [
        []
    ] * 7
    assert answers[2][0].meta.get("notice")  # a button press gets it as a small notice
    limited.close()
    assert core.closed


# -- through `moodwave run`'s bots ----------------------------------------------------------------


class HarnessHost:
    """The harness's conversation as the core host the bots are built around."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    def handle(self, event: Incoming) -> list[Outgoing]:
        return self.harness.conversation.handle(event)

    def start_jobs(self, platform: str, send: Send) -> None:
        pass

    def close(self) -> None:
        pass

    def metrics(self) -> bytes:
        return b""

    def alive(self) -> bool:
        return True


def test_moodwave_runs_bots_behind_the_limits(
    harness: Harness, fake: FakeTelegram, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        home=tmp_path,
        telegram_token=fake.token,  # type: ignore[arg-type]
        telegram_api_url=fake.url,
        person_burst=2,
        person_messages_per_minute=1,
    )
    bots = Bots(settings, HarnessHost(harness), harness.store)
    limited = bots.core.core  # what /metrics counts wraps the limits, so it counts every event
    assert isinstance(limited, LimitedCore)
    clock = Seconds()
    limiter = limited.limiter
    assert isinstance(limiter, RateLimiter)  # no Redis named: this process's own buckets
    limiter.clock = clock
    verdicts: list[Verdict] = []
    admit = limiter.admit

    def counted_admit(event: Incoming) -> Verdict:
        verdicts.append(admit(event))
        return verdicts[-1]

    limiter.admit = counted_admit  # type: ignore[method-assign]
    loop = asyncio.new_event_loop()
    serving = loop.create_task(_serve(bots))

    def serve() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(serving)
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        fake.wait_until(lambda: fake.long_polls_waiting > 0, timeout=60, what="long polling")
        ann = fake.create_user("Ann")
        chat = fake.create_private_chat(ann)
        for _ in range(6):
            fake.user_sends_text(ann, chat, "happy and excited, what a day")
        fake.wait_until(
            lambda: len(verdicts) == 6, timeout=60, what="six texts through the limiter"
        )
        assert verdicts == [Verdict.ADMIT] * 2 + [Verdict.SLOW_DOWN] + [Verdict.QUIET] * 3
        clock.now += 60  # one more token
        fake.user_sends_command(ann, chat, "help")  # after the flood: one chat's updates in order
        sent = [m.text or "" for m in fake.wait_for_messages(chat, 4, timeout=60)]
    finally:
        loop.call_soon_threadsafe(serving.cancel)
        thread.join(30)
    assert ["You sound" in t for t in sent] == [True, True, False, False]
    assert sent[2] == replies.SLOW_DOWN and sent[3] == replies.HELP
    with harness.store.session() as s:
        assert len(s.exec(select(MoodReport)).all()) == 2  # the core read two moods, not six
