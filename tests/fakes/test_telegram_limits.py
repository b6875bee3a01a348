"""The fake Telegram keeps Telegram's sending limits, as the real python-telegram-bot meets them: 30
messages a second across chats, 20 a minute in one group, 1000 a second with paid broadcasts; a
message past a limit gets 429 with `retry_after` (PTB raises RetryAfter), and chat actions are not
counted. The fake's clock is frozen and moved by hand, so nothing here depends on timing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import RetryAfter

from bot.adapters.telegram.rate_limit import retry_after_seconds
from tests.fakes.telegram import FakeChat, FakeTelegram


@dataclass
class ManualClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeTelegram]:
    server = FakeTelegram(flood_clock=clock).start()
    yield server
    server.stop()
    server.assert_no_violations()


def private_chats(fake: FakeTelegram, count: int) -> list[FakeChat]:
    return [fake.create_private_chat(fake.create_user(f"U{i}")) for i in range(count)]


async def send(bot: Bot, chat: FakeChat, paid: bool = False) -> RetryAfter | None:
    try:
        await bot.send_message(chat.id, "hi", allow_paid_broadcast=paid or None)
    except RetryAfter as refused:
        return refused
    return None


def test_thirty_messages_a_second_across_chats(fake: FakeTelegram, clock: ManualClock) -> None:
    chats = private_chats(fake, 31)

    async def scenario() -> None:
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            assert [await send(bot, chat) for chat in chats[:30]] == [None] * 30
            refused = await send(bot, chats[30])
            assert refused is not None and retry_after_seconds(refused) == 1
            clock.now += 1 / 30  # one token back
            assert await send(bot, chats[30]) is None
            assert await send(bot, chats[0]) is not None

    asyncio.run(scenario())
    (throttled,) = {t.limit for t in fake.throttled}
    assert throttled == "overall" and len(fake.throttled) == 2
    assert fake.requests("sendMessage")[30].status == 429


def test_twenty_messages_a_minute_in_one_group(fake: FakeTelegram, clock: ManualClock) -> None:
    group, other = fake.create_group("Busy"), fake.create_group("Quiet")
    (ann,) = private_chats(fake, 1)

    async def scenario() -> None:
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            for _ in range(20):
                assert await send(bot, group) is None
            refused = await send(bot, group)
            assert refused is not None and retry_after_seconds(refused) == 3  # 3 s a token
            assert await send(bot, other) is None  # another group has its own 20
            assert await send(bot, ann) is None  # a private chat is not limited to 20
            clock.now += 3.0
            assert await send(bot, group) is None
            assert await send(bot, group) is not None

    asyncio.run(scenario())
    assert [(t.chat_id, t.limit) for t in fake.throttled] == [(group.id, "group")] * 2


def test_paid_broadcasts_go_up_to_a_thousand_a_second(
    fake: FakeTelegram, clock: ManualClock
) -> None:
    chats = private_chats(fake, 40)

    async def scenario() -> None:
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            results = [await send(bot, chat, paid=True) for chat in chats]
            assert results == [None] * 40
            assert await send(bot, chats[0]) is None  # the free 30 a second are still there

    asyncio.run(scenario())
    assert fake.throttled == []


def test_chat_actions_and_the_bots_set_up_are_not_counted(
    fake: FakeTelegram, clock: ManualClock
) -> None:
    group = fake.create_group("Typing")

    async def scenario() -> None:
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            for _ in range(40):
                await bot.send_chat_action(group.id, ChatAction.TYPING)
            for _ in range(20):
                assert await send(bot, group) is None

    asyncio.run(scenario())
    assert fake.throttled == []
    assert fake.chat_actions(group) == ["typing"] * 40
