"""The fake Discord itself: every route it serves is an operation of Discord's OpenAPI description,
traffic outside the description is caught and answered as Discord would, and its own answers are
checked against the description too."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.discord import DEFAULT_TOKEN, FakeDiscord, _as_answered
from tests.fakes.openapi import load_discord_spec

BOT = {"Authorization": f"Bot {DEFAULT_TOKEN}"}


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as fake:
        yield fake


def test_every_route_of_the_fake_is_an_operation_of_the_description() -> None:
    spec = load_discord_spec()
    served = [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("PUT", "/applications/1/commands"),
        ("GET", "/applications/1/commands"),
        ("POST", "/interactions/1/tok/callback"),
        ("PATCH", "/webhooks/1/tok/messages/@original"),
        ("DELETE", "/webhooks/1/tok/messages/@original"),
        ("POST", "/webhooks/1/tok"),
        ("POST", "/channels/1/messages"),
        ("POST", "/channels/1/typing"),
        ("GET", "/channels/1"),
        ("POST", "/users/@me/channels"),
    ]
    missing = [(m, p) for m, p in served if spec.operation(m, p) is None]
    assert not missing
    assert spec.operation("POST", "/channels/1/no-such-thing") is None


def test_a_conforming_message_is_accepted_and_its_answer_conforms(fake: FakeDiscord) -> None:
    channel = fake.guild_channel("general")
    reply = httpx.post(
        f"{fake.api_base}/channels/{channel.id}/messages",
        json={"content": "hello", "components": []},
        headers=BOT,
    )
    assert reply.status_code == 200, reply.text
    fake.assert_no_violations()
    assert [m.content for m in fake.messages(channel)] == ["hello"]


def test_a_malformed_request_is_a_violation_answered_with_discords_400(fake: FakeDiscord) -> None:
    channel = fake.guild_channel("general")
    reply = httpx.post(
        f"{fake.api_base}/channels/{channel.id}/messages",
        json={"content": 42, "tts": "loud"},  # the description says string and boolean
        headers=BOT,
    )
    assert reply.status_code == 400
    assert reply.json()["code"] == 50035
    assert fake.violations, "the malformed request went unnoticed"
    assert fake.messages(channel) == []  # nothing was sent


def test_a_request_without_the_bot_token_is_outside_the_description(fake: FakeDiscord) -> None:
    channel = fake.guild_channel("general")
    reply = httpx.post(f"{fake.api_base}/channels/{channel.id}/messages", json={"content": "hi"})
    assert reply.status_code == 400
    assert any("BotToken" in v.problem for v in fake.violations), fake.violations
    assert fake.messages(channel) == []


def test_an_answer_the_description_forbids_is_found() -> None:
    spec = load_discord_spec()
    message = {"id": "1", "channel_id": "2", "content": "hi"}  # most required fields missing
    found = spec.response_problems(
        "POST", "/channels/2/messages", [], 200, json.dumps(message).encode(), "application/json"
    )
    assert found and "required" in found[0]


def test_components_are_answered_numbered_and_unicode_emojis_carry_no_id() -> None:
    rows = [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 2, "custom_id": "a", "emoji": {"id": None, "name": "👍"}},
                {"type": 2, "style": 2, "custom_id": "b"},
            ],
        },
        {"type": 1, "components": [{"type": 2, "style": 2, "custom_id": "c"}]},
    ]
    answered = _as_answered(rows)
    ids = [answered[0]["id"], *(c["id"] for c in answered[0]["components"])]
    ids += [answered[1]["id"], answered[1]["components"][0]["id"]]
    assert ids == [1, 2, 3, 4, 5]
    assert answered[0]["components"][0]["emoji"] == {"name": "👍"}
    assert rows[0]["components"][0]["emoji"] == {"id": None, "name": "👍"}  # the request untouched


def test_an_unknown_route_is_discords_404_and_a_violation(fake: FakeDiscord) -> None:
    reply = httpx.post(f"{fake.api_base}/channels/1/no-such-thing", json={}, headers=BOT)
    assert reply.status_code == 404
    assert [v.problem for v in fake.violations] == ["no such route"]
