"""The per-person and per-chat limits shared by every replica through Redis (`SharedRateLimiter`):
two replicas together admit one burst, not two; the buckets refill on Redis's clock; a chat is one
bucket across replicas; a Redis that cannot be reached leaves each replica its own buckets.

Redis: MOODWAVE_TEST_REDIS_URL (default redis://127.0.0.1:6379/0), as the Telegram limiter's tests."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator

import pytest

from bot.limits import Rate, SharedRateLimiter, Verdict, rate_limiter
from bot.settings import Settings
from tests.bot.test_limits import NO_LIMIT, Seconds, message
from tests.bot.test_telegram_rate_limit import redis_url  # noqa: F401 (the module's fixture)


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:  # noqa: F811
    """Keys of this test only, deleted after it."""
    from redis import Redis

    name = f"moodwave-test:{uuid.uuid4().hex}"
    yield name
    client = Redis.from_url(redis_url)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def replicas(url: str, prefix: str, person: Rate, chat: Rate = NO_LIMIT) -> list[SharedRateLimiter]:
    return [SharedRateLimiter(person, chat, url, prefix=prefix) for _ in range(2)]


def test_two_replicas_admit_one_burst_together(redis_url: str, prefix: str) -> None:  # noqa: F811
    one, two = replicas(redis_url, prefix, Rate(per_minute=0.5, burst=4))
    verdicts = [(one if i % 2 else two).admit(message()) for i in range(7)]
    assert verdicts == [Verdict.ADMIT] * 4 + [Verdict.SLOW_DOWN] + [Verdict.QUIET] * 2
    assert one.admit(message("someone else")) is Verdict.ADMIT
    assert two.admit(message(platform="other")) is Verdict.ADMIT  # the same id elsewhere


def test_a_chat_is_one_bucket_across_replicas(redis_url: str, prefix: str) -> None:  # noqa: F811
    one, two = replicas(redis_url, prefix, Rate(60, 5), Rate(per_minute=0.5, burst=3))
    admitted = [
        (one, two)[i % 2].admit(message(f"m{i}", "g")) for i in range(3)
    ]  # three members, on either replica
    assert admitted == [Verdict.ADMIT] * 3
    assert one.admit(message("m9", "g")) is Verdict.SLOW_DOWN_CHAT
    assert two.admit(message("m8", "g")) is Verdict.QUIET  # the chat was told once, anywhere
    # a refused event took nothing from m9's own bucket
    assert two.admit(message("m9", "private-m9")) is Verdict.ADMIT


def test_the_buckets_refill_on_redis_clock(redis_url: str, prefix: str) -> None:  # noqa: F811
    one, two = replicas(redis_url, prefix, Rate(per_minute=600, burst=1))  # one every 0.1 s
    assert one.admit(message()) is Verdict.ADMIT
    verdict = two.admit(message())
    deadline = time.monotonic() + 30  # waits for the refill, whatever the machine's load
    while verdict is not Verdict.ADMIT:
        assert verdict in (Verdict.SLOW_DOWN, Verdict.QUIET)
        assert time.monotonic() < deadline, "the shared bucket never refilled"
        time.sleep(0.02)
        verdict = two.admit(message())


def test_without_redis_each_replica_keeps_its_own_buckets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Seconds()
    limits = SharedRateLimiter(
        Rate(per_minute=0.5, burst=2), NO_LIMIT, "redis://127.0.0.1:9/0", clock=clock
    )
    with caplog.at_level(logging.WARNING, logger="bot.limits"):
        verdicts = [limits.admit(message()) for _ in range(3)]
    assert verdicts == [Verdict.ADMIT, Verdict.ADMIT, Verdict.SLOW_DOWN]  # limited all the same
    assert len([r for r in caplog.records if "Redis is unreachable" in r.message]) == 1
    clock.now += 31  # after a while it tries Redis again
    with caplog.at_level(logging.WARNING, logger="bot.limits"):
        assert limits.admit(message()) is Verdict.QUIET
    assert len([r for r in caplog.records if "Redis is unreachable" in r.message]) == 2
    assert "redis://" not in caplog.text  # the address (which may hold a password) is not logged


def test_settings_choose_the_shared_limiter_when_redis_is_named() -> None:
    assert type(rate_limiter(Settings(redis_url=""))).__name__ == "RateLimiter"
    shared = rate_limiter(Settings(redis_url="redis://127.0.0.1:6379/0"))
    assert isinstance(shared, SharedRateLimiter)
    shared.close()
