"""Telegram's sending limits, as the fake Telegram server enforces them.

Telegram's FAQ gives a bot about 30 messages a second across all chats (up to 1000 a second for
messages sent with `allow_paid_broadcast`, for a fee) and at most 20 messages a minute in one group;
beyond them the Bot API answers 429 "Too Many Requests: retry after N" with
`parameters.retry_after`. The fake models each limit as a token bucket (as PTB's `AIORateLimiter`
and the aiolimiter library do): a bucket holds `rate` tokens, refills at `rate` per `period`, and a
message takes one token or is refused with the whole seconds until a token is back. Only messages
count (sending and editing them); chat actions, commands' set-up and the rest do not.

The clock is injectable, so the fake's own tests can freeze time; by default it is the monotonic
clock, and limits apply as a busy bot would meet them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The Bot API methods that put a message in a chat (or change one): what the limits count.
COUNTED_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's limits; `None` for one of them switches it off."""

    per_second: int | None = 30  # messages a second across every chat
    paid_per_second: int | None = 1000  # with allow_paid_broadcast
    per_group: int | None = 20  # messages to one group or channel ...
    group_period: float = 60.0  # ... in this many seconds


TELEGRAM_LIMITS = FloodLimits()


@dataclass(frozen=True)
class Throttled:
    """A request the fake refused with 429, and why."""

    method: str
    chat_id: int | str
    limit: str  # "overall", "paid" or "group"
    retry_after: int


@dataclass
class _Bucket:
    capacity: float
    refill_per_s: float
    tokens: float
    at: float

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0: one is there now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.refill_per_s)
        self.at = now
        return 0.0 if self.tokens >= 1 - 1e-9 else (1 - self.tokens) / self.refill_per_s

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class FloodControl:
    """The buckets of one bot: one overall, one for paid broadcasts, one per group chat."""

    limits: FloodLimits = field(default_factory=FloodLimits)
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[str, int | str], _Bucket] = field(default_factory=dict)

    def check(self, method: str, params: Mapping[str, Any]) -> Throttled | None:
        """Count a request; the refusal when a limit it falls under is spent (nothing is taken)."""
        if method not in COUNTED_METHODS or "chat_id" not in params:
            return None
        chat_id = _chat_key(params["chat_id"])
        now = self.clock()
        limits = self.limits
        buckets: list[tuple[str, _Bucket]] = []
        if params.get("allow_paid_broadcast"):
            if limits.paid_per_second:
                buckets.append(("paid", self._bucket(("paid", 0), limits.paid_per_second, 1.0)))
        else:
            if limits.per_second:
                buckets.append(("overall", self._bucket(("overall", 0), limits.per_second, 1.0)))
            if limits.per_group and _is_group(chat_id):
                group = self._bucket(("group", chat_id), limits.per_group, limits.group_period)
                buckets.append(("group", group))
        waits = [(bucket.wait(now), name) for name, bucket in buckets]
        longest, name = max(waits, default=(0.0, ""))
        if longest > 0:
            return Throttled(method, chat_id, name, max(1, math.ceil(longest)))
        for _, bucket in buckets:
            bucket.take()
        return None

    def _bucket(self, key: tuple[str, int | str], rate: int, period: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(rate, rate / period, float(rate), self.clock())
            self._buckets[key] = bucket
        return bucket


def _chat_key(chat_id: object) -> int | str:
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)  # @channelusername


def _is_group(chat_id: int | str) -> bool:
    """Groups, supergroups and channels have negative ids (or are named by @username)."""
    return isinstance(chat_id, str) or chat_id < 0
