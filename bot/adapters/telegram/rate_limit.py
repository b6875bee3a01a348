"""Telegram's sending limits for the bot's requests: kept by this process alone (PTB's
`AIORateLimiter`, when no Redis is named), or shared by every replica of the bot through Redis
(`MOODWAVE_REDIS_URL`), since Telegram counts a bot's messages together whichever replica sends them.

The shared limiter schedules each message with the generic cell rate algorithm (GCRA): one Redis
key per limit holds its "theoretical arrival time"; a Lua script, atomic on the server and timed by
the server's clock (so replicas on different machines agree), reserves the earliest moment that
every limit the message falls under allows, and the replica sleeps until then. The limits are
Telegram's, as PTB's limiter applies them: 30 messages a second for the bot (1000 with paid
broadcasts), 20 a minute in a group. Telegram counts a message when it arrives, the limiter when it
leaves, so each limit lets out a smaller burst than Telegram would take (the headroom absorbs the
network's jitter); the steady rate is Telegram's. A 429 that still comes pauses every replica for
its `retry_after` (a shared key) before the message is retried. Chat actions ("typing...") are not
messages: they pass without waiting. When Redis cannot be reached, a replica falls back to its own
limiter (with a warning) rather than stop sending.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

log = logging.getLogger(__name__)

Callback = Callable[..., Coroutine[Any, Any, Any]]
CHAT_ACTION = "sendChatAction"
MAX_RETRIES = 3  # a message refused with 429 is tried again this many times


@dataclass(frozen=True)
class Limit:
    """`rate` messages per `period` seconds in the long run; at most `burst` at once."""

    rate: int
    period: float
    burst: int

    @property
    def interval(self) -> float:
        return self.period / self.rate

    @property
    def tolerance(self) -> float:
        return self.interval * (self.burst - 1)


OVERALL = Limit(30, 1.0, 20)  # Telegram: about 30 messages a second across all chats
PAID = Limit(1000, 1.0, 800)  # with allow_paid_broadcast
GROUP = Limit(20, 60.0, 18)  # Telegram: 20 messages a minute in one group

# KEYS[1]: the bot's pause (a 429's retry_after), KEYS[2..]: one per limit the message falls under;
# ARGV: each limit's interval and tolerance. Returns the seconds to wait before sending.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local at = now
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > at then at = pause end
local tats = {}
for i = 2, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  tats[i] = tat
  local earliest = tat - tonumber(ARGV[2 * i - 2])
  if earliest > at then at = earliest end
end
for i = 2, #KEYS do
  local tat = tats[i]
  if tat < at then tat = at end
  tat = tat + tonumber(ARGV[2 * i - 3])
  redis.call('SET', KEYS[i], string.format('%.6f', tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
end
return string.format('%.6f', at - now)
"""
# KEYS[1]: the pause; ARGV[1]: seconds from now. A pause only ever grows.
PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local seconds = tonumber(ARGV[1])
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + seconds > pause then
  redis.call('SET', KEYS[1], string.format('%.6f', now + seconds), 'PX', math.ceil(seconds * 1000) + 1000)
end
return 1
"""


class ProcessRateLimiter(AIORateLimiter):
    """Telegram's limits kept by this process alone (one replica); chat actions pass by."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint == CHAT_ACTION:
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


class SharedRateLimiter(BaseRateLimiter[int]):
    """Telegram's limits shared by every replica of one bot through Redis."""

    def __init__(
        self,
        redis_url: str,
        bot_id: str,
        *,
        overall: Limit = OVERALL,
        group: Limit = GROUP,
        paid: Limit = PAID,
        max_retries: int = MAX_RETRIES,
        namespace: str = "moodwave:telegram",
    ) -> None:
        self.redis_url = redis_url
        self.prefix = f"{namespace}:{bot_id}"
        self.overall, self.group, self.paid = overall, group, paid
        self.max_retries = max_retries
        self.local = ProcessRateLimiter(max_retries=max_retries)  # while Redis is away
        self._redis: Redis | None = None
        self._reserve: AsyncScript | None = None
        self._pause: AsyncScript | None = None
        self._redis_away = False

    async def initialize(self) -> None:
        self._redis = Redis.from_url(self.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._reserve = self._redis.register_script(RESERVE)
        self._pause = self._redis.register_script(PAUSE)
        await self.local.initialize()
        try:
            await self._redis.ping()
        except (RedisError, OSError) as error:  # Redis down: sends go on, each replica alone
            self._away(error)

    async def shutdown(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        await self.local.shutdown()

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        keys, argv = self._limits_of(data)
        if endpoint == CHAT_ACTION or not keys:
            return await callback(*args, **kwargs)
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            assert self._reserve is not None and self._pause is not None, "initialize() first"
            try:
                wait = float(await self._reserve(keys=keys, args=argv))
            except (RedisError, OSError) as error:  # Redis unreachable: this replica's own limits
                self._away(error)
                return await self.local.process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            self._back()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as refused:
                if attempt == retries:
                    log.warning("Telegram refused a message %d times (429): giving up", retries + 1)
                    raise
                seconds = retry_after_seconds(refused) + 0.1
                log.info("Telegram said 429: every replica waits %.1f s", seconds)
                try:
                    await self._pause(keys=[keys[0]], args=[f"{seconds:.3f}"])
                except (RedisError, OSError) as error:
                    self._away(error)
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _limits_of(self, data: dict[str, Any]) -> tuple[list[str], list[str]]:
        """The Redis keys (the pause first) and their arguments for one request; none for a
        request that names no chat, which Telegram's limits do not count (as in PTB's limiter)."""
        chat_id = data.get("chat_id")
        if chat_id is None:
            return [], []
        limits: list[tuple[str, Limit]] = []
        if data.get("allow_paid_broadcast"):
            limits.append(("paid", self.paid))
        else:
            limits.append(("overall", self.overall))
            if is_group(chat_id):
                limits.append((f"group:{chat_id}", self.group))
        keys = [f"{self.prefix}:pause"] + [f"{self.prefix}:{name}" for name, _ in limits]
        argv = [f"{x:.6f}" for _, limit in limits for x in (limit.interval, limit.tolerance)]
        return keys, argv

    def _away(self, error: Exception) -> None:
        if not self._redis_away:
            log.warning(
                "Redis (MOODWAVE_REDIS_URL) cannot be reached (%s): this replica keeps Telegram's "
                "limits on its own until it is back",
                type(error).__name__,
            )
        self._redis_away = True

    def _back(self) -> None:
        if self._redis_away:
            log.warning("Redis is back: Telegram's limits are shared by the replicas again")
        self._redis_away = False


def is_group(chat_id: object) -> bool:
    """Groups, supergroups and channels: a negative id, or a @username."""
    try:
        return int(str(chat_id)) < 0
    except ValueError:
        return True


def retry_after_seconds(refused: RetryAfter) -> float:
    value = getattr(refused, "_retry_after", None)  # the public property warns in PTB 22
    if value is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = refused.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def rate_limiter(redis_url: str, token: str) -> BaseRateLimiter[int]:
    """Shared through Redis when a URL is given; else this process's own (today's) limiter."""
    if not redis_url:
        return ProcessRateLimiter(max_retries=MAX_RETRIES)
    bot_id = token.split(":", 1)[
        0
    ]  # the bot's public id: the limits are the bot's, not a replica's
    return SharedRateLimiter(redis_url, bot_id)
