"""Sends that must happen once: a check-in question whose send timed out (it may have arrived) is
recorded maybe-sent and never asked again, and a group mix stays open until its playlist is
delivered, its members' check-ins only after that (issue 18, items 9 and 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.adapters.telegram import PLATFORM
from bot.checkins import CheckInJob, MixJob
from bot.core.events import ChatKind, Command, DeliveryUncertain, Outgoing, TextMessage
from storage.models import CheckIn, GroupMix, Recommendation
from tests.bot.conftest import Harness
from tests.bot.test_telegram import RunningBot, last
from tests.fakes.telegram import FakeTelegram

LEASE = timedelta(minutes=5)


def checkins(harness: Harness) -> list[CheckIn]:
    with harness.store.session() as s:
        return list(s.exec(select(CheckIn).order_by(CheckIn.id)))


class Flaky:
    """A send that fails the first `failures` times with `error`, then delivers."""

    def __init__(self, error: Exception, failures: int = 1) -> None:
        self.error, self.failures = error, failures
        self.delivered: list[tuple[str, Outgoing]] = []
        self.tries = 0

    def __call__(self, chat: str, out: Outgoing) -> None:
        self.tries += 1
        if self.tries <= self.failures:
            raise self.error
        self.delivered.append((chat, out))


def test_a_checkin_whose_send_may_have_arrived_is_not_asked_again(harness: Harness) -> None:
    send = Flaky(DeliveryUncertain("no answer in time"))
    job = CheckInJob(harness.store, harness.conversation, "test", send, timedelta(hours=12), LEASE)
    harness.send(TextMessage("sad and tired"))
    harness.clock.advance(timedelta(hours=1))

    assert job.run_once() == 0
    harness.clock.advance(3 * LEASE)
    assert job.run_once() == 0

    assert send.tries == 1 and send.delivered == []
    (checkin,) = checkins(harness)
    assert checkin.status == "maybe-sent" and checkin.sent_at is not None
    thanks = harness.send(TextMessage("much better, calm now"))  # it did arrive: the answer counts
    assert "Before:" in thanks[0].text
    assert checkins(harness)[0].status == "answered"


def test_a_checkin_that_surely_failed_is_asked_after_its_lease(harness: Harness) -> None:
    send = Flaky(RuntimeError("the bot is not running yet"))
    job = CheckInJob(harness.store, harness.conversation, "test", send, timedelta(hours=12), LEASE)
    harness.send(TextMessage("sad and tired"))
    harness.clock.advance(timedelta(hours=1))

    assert job.run_once() == 0
    assert job.run_once() == 0  # claimed until the lease lapses
    harness.clock.advance(LEASE + timedelta(seconds=1))
    assert job.run_once() == 1

    assert send.tries == 2 and len(send.delivered) == 1
    assert checkins(harness)[0].status == "sent"


def test_a_sender_that_died_mid_send_leaves_the_checkin_maybe_sent(harness: Harness) -> None:
    """The claimer marked the question on its way and died before it could say how it went:
    after the lease the question counts as maybe asked, and nobody asks it again."""
    harness.send(TextMessage("sad and tired"))
    harness.clock.advance(timedelta(hours=1))
    (due,) = harness.store.claim_due_checkins("test", harness.clock(), LEASE)
    assert harness.store.begin_checkin_send(due.checkin_id, due.claimed_at, harness.clock())
    # ... the process is killed here, its message maybe in the chat.
    harness.clock.advance(LEASE + timedelta(seconds=1))
    send = Flaky(RuntimeError("unused"), failures=0)
    job = CheckInJob(harness.store, harness.conversation, "test", send, timedelta(hours=12), LEASE)

    assert job.run_once() == 0
    assert send.tries == 0
    assert checkins(harness)[0].status == "maybe-sent"


def test_a_lapsed_claim_is_not_sent_by_its_first_claimer(harness: Harness) -> None:
    """A slow run whose claim lapsed (another replica took the row over) must not send it too."""
    harness.send(TextMessage("sad and tired"))
    harness.clock.advance(timedelta(hours=1))
    (mine,) = harness.store.claim_due_checkins("test", harness.clock(), LEASE)
    harness.clock.advance(LEASE + timedelta(seconds=1))
    (theirs,) = harness.store.claim_due_checkins("test", harness.clock(), LEASE)

    assert not harness.store.begin_checkin_send(mine.checkin_id, mine.claimed_at, harness.clock())
    assert harness.store.begin_checkin_send(theirs.checkin_id, theirs.claimed_at, harness.clock())


@pytest.mark.slow
def test_telegram_answering_too_late_does_not_get_the_question_twice(
    harness: Harness, fake: FakeTelegram
) -> None:
    """The fake takes the question into the chat but its answer never comes back in time: the
    adapter gives up (cancelling the send), and a run after the lease does not ask again."""
    ann = fake.create_user("Ann")
    chat = fake.create_private_chat(ann)
    with RunningBot(harness, fake) as bot:
        bot.adapter.deliver_timeout_s = 1.0
        job = CheckInJob(
            harness.store, harness.conversation, PLATFORM, bot.adapter.deliver, timedelta(hours=12)
        )
        fake.user_sends_text(ann, chat, "anxious and restless")
        last(fake, chat, 1)
        harness.clock.advance(timedelta(hours=2))
        fake.hold_answers(chat)

        assert job.run_once() == 0  # Telegram has the question; its answer is held
        assert "How do you feel now?" in (last(fake, chat, 2).text or "")
        harness.clock.advance(job.lease + timedelta(seconds=1))
        assert job.run_once() == 0
        fake.release_answers(chat)
        fake.user_sends_command(ann, chat, "help")  # a later reply shows the queue is empty
        assert "How to use" in (last(fake, chat, 3).text or "")

    questions = [m for m in fake.sent_messages(chat) if "How do you feel" in (m.text or "")]
    assert len(questions) == 1
    assert checkins(harness)[0].status == "maybe-sent"


def start_mix(harness: Harness) -> None:
    group = {"chat": "g1", "kind": ChatKind.GROUP}
    harness.send(Command("mix"), user="u1", name="Ann", **group)  # type: ignore[arg-type]
    harness.send(TextMessage("excited for tonight!"), user="u1", name="Ann", **group)  # type: ignore[arg-type]
    harness.send(TextMessage("calm and happy"), user="u2", name="Bea", **group)  # type: ignore[arg-type]
    harness.clock.advance(timedelta(minutes=10))


def mix_row(harness: Harness) -> GroupMix:
    with harness.store.session() as s:
        return s.exec(select(GroupMix)).one()


def test_a_mix_whose_playlist_failed_asks_no_checkins_until_it_is_delivered(
    harness: Harness,
) -> None:
    start_mix(harness)
    send = Flaky(RuntimeError("the group cannot be reached"))
    job = MixJob(harness.store, harness.conversation, "test", send, LEASE)

    assert job.run_once() == 0
    assert mix_row(harness).status == "closing"
    assert checkins(harness) == []  # nobody is asked about a playlist they never got
    harness.clock.advance(LEASE + timedelta(seconds=1))
    assert job.run_once() == 1

    ready, playlist = (out for _, out in send.delivered)
    assert "Ann, Bea" in ready.text and playlist.entries
    mix = mix_row(harness)
    assert mix.status == "done" and mix.recommendation_id is not None
    assert {c.recommendation_id for c in checkins(harness)} == {mix.recommendation_id}
    assert len(checkins(harness)) == 2
    with harness.store.session() as s:  # the same playlist was sent again, not a second one made
        assert len(s.exec(select(Recommendation)).all()) == 1


def test_a_mix_reply_that_went_out_is_not_sent_again(harness: Harness) -> None:
    """The "mix ready" line went out, the playlist after it failed: the retry sends the playlist
    only."""
    start_mix(harness)
    texts: list[str] = []
    refused: list[Outgoing] = []

    def send(chat: str, out: Outgoing) -> None:
        if out.entries and not refused:
            refused.append(out)
            raise RuntimeError("Telegram refused it")
        texts.append(out.text)

    job = MixJob(harness.store, harness.conversation, "test", send, LEASE)
    assert job.run_once() == 0
    harness.clock.advance(LEASE + timedelta(seconds=1))
    assert job.run_once() == 1

    assert sum("Ann, Bea" in t for t in texts) == 1 and len(texts) == 2
    assert mix_row(harness).status == "done"
    assert len(checkins(harness)) == 2


def test_a_mix_whose_playlist_may_have_arrived_is_not_sent_again(harness: Harness) -> None:
    start_mix(harness)
    send = Flaky(DeliveryUncertain("no answer in time"), failures=1)
    job = MixJob(harness.store, harness.conversation, "test", send, LEASE)

    assert job.run_once() == 1
    harness.clock.advance(LEASE + timedelta(seconds=1))
    assert job.run_once() == 0

    assert send.tries == 2  # the line that may have arrived, then the playlist; nothing again
    assert mix_row(harness).status == "done"
