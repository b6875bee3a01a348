"""How many events a person, and a chat, may hand the core: a token bucket each, in front of the
core (`LimitedCore`, which `bot.serve` puts around it).

Every event costs: the mood model, the ranker, database rows and, with Spotify, playlists on the
app's quota. A bucket holds up to `burst` events and refills at `per_minute`; an event goes to the
core only when both the person's and the chat's buckets have one to spare. The first event refused
gets a kind "slow down a little" (once: later ones are dropped quietly until the person, or the chat,
is let through again), so a flood costs one short reply, not a stream of them.

Without Redis the buckets live in this process: each replica behind a load balancer keeps its own, so
a person whose messages are spread over N replicas could send up to N times the rate. With
`MOODWAVE_REDIS_URL` (the Redis that already shares Telegram's sending limits) the buckets are
shared by every replica (`SharedRateLimiter`): one Lua script refills and takes from both buckets
atomically, on Redis's clock, and each bucket expires once it would be full again. When Redis cannot
be reached, a replica keeps its own buckets (with a warning) and tries Redis again after a while, so
a Redis outage never stops the bot. Buckets that have filled up again are forgotten either way, so
memory follows the people writing now, not everyone who ever wrote.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from bot.core import replies
from bot.core.events import Incoming, Outgoing, Send
from bot.metrics import ObservableCore
from bot.settings import Settings

if TYPE_CHECKING:
    from redis import Redis
    from redis.commands.core import Script

log = logging.getLogger(__name__)

SWEEP_EVERY = 4096  # new buckets between two sweeps of the full ones


@dataclass(frozen=True)
class Rate:
    """`burst` events at once, then `per_minute` on average; a rate of 0 is no limit."""

    per_minute: float
    burst: int

    @property
    def unlimited(self) -> bool:
        return self.per_minute <= 0


class _Bucket:
    __slots__ = ("stamp", "tokens", "told")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp
        self.told = False  # refused, and said so: refused quietly until let through again


class Buckets:
    """One token bucket per key (a person, a chat), all at one rate."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._created = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def bucket(self, key: tuple[str, str], now: float) -> _Bucket:
        """The key's bucket, refilled up to now."""
        bucket = self._buckets.get(key)
        if bucket is None:
            self._created += 1
            if self._created % SWEEP_EVERY == 0:
                self.sweep(now)
            bucket = self._buckets[key] = _Bucket(float(self.rate.burst), now)
            return bucket
        refill = (now - bucket.stamp) * self.rate.per_minute / 60.0
        bucket.tokens = min(float(self.rate.burst), bucket.tokens + max(0.0, refill))
        bucket.stamp = now
        return bucket

    def sweep(self, now: float) -> None:
        """Forget the buckets that are full again: a new one is the same."""
        per_second = self.rate.per_minute / 60.0
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.stamp) * per_second < self.rate.burst
        }


class Verdict(Enum):
    ADMIT = "admit"  # to the core
    SLOW_DOWN = "slow down"  # the person is over their rate: say so, once
    SLOW_DOWN_CHAT = "slow down, chat"  # the chat is over its rate: say so, once
    QUIET = "quiet"  # refused again: nothing to say


class Admission(Protocol):
    """Whether an event may go to the core."""

    def admit(self, event: Incoming) -> Verdict: ...


class RateLimiter:
    """The person's and the chat's buckets, checked together under one lock (adapters call the
    core from several threads)."""

    def __init__(
        self, person: Rate, chat: Rate, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.people = Buckets(person)
        self.chats = Buckets(chat)
        self.clock = clock
        self._lock = threading.Lock()

    def admit(self, event: Incoming) -> Verdict:
        with self._lock:
            now = self.clock()
            checked = [
                (limits.bucket((event.platform, key), now), refused)
                for limits, key, refused in (
                    (self.people, event.user.external_id, Verdict.SLOW_DOWN),
                    (self.chats, event.chat.external_id, Verdict.SLOW_DOWN_CHAT),
                )
                if not limits.rate.unlimited
            ]
            for bucket, refused in checked:
                if bucket.tokens < 1.0:  # nothing taken from the other bucket
                    if bucket.told:
                        return Verdict.QUIET
                    bucket.told = True
                    return refused
            for bucket, _ in checked:
                bucket.tokens -= 1.0
                bucket.told = False
            return Verdict.ADMIT


# Both buckets of one event, refilled, checked and taken from atomically on Redis's clock.
# KEYS: the person's bucket, the chat's. ARGV: per minute and burst of each (per minute 0: no limit).
# Each bucket is a hash {tokens, stamp, told}; it expires once it would be full again.
# Answers "admit", "person" or "chat" (refused: say so), or "quiet" (refused again).
ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local buckets = {}
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  if rate > 0 then
    local v = redis.call('HMGET', KEYS[i], 'tokens', 'stamp', 'told')
    local tokens = tonumber(v[1]) or burst
    local stamp = tonumber(v[2]) or now
    tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate / 60)
    buckets[#buckets + 1] = {key = KEYS[i], tokens = tokens, told = v[3] == '1',
                             rate = rate, burst = burst, who = i == 1 and 'person' or 'chat'}
  end
end
local function save(b, tokens, told)
  redis.call('HSET', b.key, 'tokens', tostring(tokens), 'stamp', tostring(now), 'told', told)
  redis.call('PEXPIRE', b.key, math.ceil((b.burst - tokens) * 60000 / b.rate) + 1000)
end
for _, b in ipairs(buckets) do
  if b.tokens < 1 then
    save(b, b.tokens, '1')
    if b.told then return 'quiet' end
    return b.who
  end
end
for _, b in ipairs(buckets) do save(b, b.tokens - 1, '0') end
return 'admit'
"""
ANSWERS = {
    b"admit": Verdict.ADMIT,
    b"person": Verdict.SLOW_DOWN,
    b"chat": Verdict.SLOW_DOWN_CHAT,
    b"quiet": Verdict.QUIET,
}
RETRY_REDIS_AFTER = 30.0  # seconds on this replica's own buckets after Redis failed


class SharedRateLimiter:
    """The same buckets shared by every replica through Redis; this replica's own
    (`RateLimiter`) while Redis cannot be reached."""

    def __init__(
        self,
        person: Rate,
        chat: Rate,
        redis_url: str,
        prefix: str = "moodwave:limit",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from redis import Redis

        self.person, self.chat = person, chat
        self.prefix = prefix
        self.local = RateLimiter(person, chat, clock)
        self.clock = clock
        self._redis: Redis = Redis.from_url(
            redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
        )
        self._script: Script = self._redis.register_script(ADMIT)
        self._away_until = 0.0
        self._lock = threading.Lock()

    def admit(self, event: Incoming) -> Verdict:
        from redis.exceptions import RedisError

        if self.clock() < self._away_until:
            return self.local.admit(event)
        keys = [
            f"{self.prefix}:{event.platform}:person:{event.user.external_id}",
            f"{self.prefix}:{event.platform}:chat:{event.chat.external_id}",
        ]
        rates = [self.person.per_minute, self.person.burst, self.chat.per_minute, self.chat.burst]
        try:
            answer = self._script(keys=keys, args=[max(r, 0) for r in rates])
        except (RedisError, OSError) as error:
            with self._lock:
                self._away_until = self.clock() + RETRY_REDIS_AFTER
            log.warning(
                "Redis is unreachable for the message limits (%s): this replica keeps its own "
                "for %.0f s",
                type(error).__name__,
                RETRY_REDIS_AFTER,
            )
            return self.local.admit(event)
        return ANSWERS[answer if isinstance(answer, bytes) else str(answer).encode()]

    def close(self) -> None:
        self._redis.close()


def rate_limiter(settings: Settings) -> RateLimiter | SharedRateLimiter:
    """Shared through Redis when `MOODWAVE_REDIS_URL` names one, else this process's own."""
    person = Rate(settings.person_messages_per_minute, settings.person_burst)
    chat = Rate(settings.chat_messages_per_minute, settings.chat_burst)
    if settings.redis_url:
        return SharedRateLimiter(person, chat, settings.redis_url)
    return RateLimiter(person, chat)


class LimitedCore:
    """A core host whose events pass the limiter first; the rest is the wrapped host's."""

    def __init__(self, core: ObservableCore, limiter: Admission) -> None:
        self.core = core
        self.limiter = limiter

    def handle(self, event: Incoming) -> list[Outgoing]:
        verdict = self.limiter.admit(event)
        if verdict is Verdict.ADMIT:
            return self.core.handle(event)
        if verdict is Verdict.QUIET:
            return []
        log.info(
            "%s %s in %s chat %s: over the rate, told to slow down",
            "person" if verdict is Verdict.SLOW_DOWN else "chat of",
            event.user.external_id,
            event.platform,
            event.chat.external_id,
        )
        text = replies.SLOW_DOWN if verdict is Verdict.SLOW_DOWN else replies.SLOW_DOWN_CHAT
        return [replies.notice(text)]

    def start_jobs(self, platform: str, send: Send) -> None:
        self.core.start_jobs(platform, send)

    def close(self) -> None:
        self.core.close()
        if isinstance(self.limiter, SharedRateLimiter):
            self.limiter.close()

    def metrics(self) -> bytes:
        return self.core.metrics()

    def alive(self) -> bool:
        return self.core.alive()
