"""The check-in job: find check-ins that are due, ask "how do you feel now?", and mark them sent.

The check-in row is the truth. Each run claims due rows through the store (one claimer per row, even
with several bot replicas), marks each "asking" just before its question goes out through the
adapter's `deliver` (only while the claim is still this run's), then marks it sent. A crash between
claim and send leaves the row claimed; once its lease lapses a later run claims it again, so a
restart loses no check-in. A send that may have gone out (`DeliveryUncertain`: it timed out, or its
sender died mid-send and left the row "asking") is recorded maybe-sent and never sent again: no
platform can tell a second send from a new message, so the question would be asked twice. Asked
check-ins that get no answer within the answer window are closed as expired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client import Counter

from bot.core.conversation import Conversation
from bot.core.events import DeliveryUncertain, Send
from storage import CheckInStore, DueMix, MixStore, UpdateStore

log = logging.getLogger(__name__)

# On the default registry of the process the jobs run in (`bot.metrics`).
CHECKINS_CLAIMED = Counter(
    "moodwave_checkins_claimed", "Due check-ins claimed for sending", ["platform"]
)
CHECKINS_SENT = Counter("moodwave_checkins_sent", "Check-in questions sent", ["platform"])


class CheckInJob:
    def __init__(
        self,
        store: CheckInStore,
        conversation: Conversation,
        platform: str,
        send: Send,
        answer_window: timedelta,
        lease: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] | None = None,
        chat_external_id: str | None = None,
    ) -> None:
        self.store = store
        self.conversation = conversation
        self.platform = platform
        self.send = send
        self.answer_window = answer_window
        self.lease = lease
        self.clock = clock or conversation.clock
        self.chat_external_id = chat_external_id  # the console serves one chat; bots serve all

    def run_once(self) -> int:
        """Deliver every due check-in of this platform; returns how many were sent."""
        now = self.clock()
        expired = self.store.expire_checkins(now, self.answer_window)
        if expired:
            log.info("expired %d unanswered check-ins", expired)
        unsure = self.store.settle_lapsed_sends(now, self.lease)
        if unsure:
            log.warning("%d check-in questions may have gone out (their sender stopped)", unsure)
        sent = 0
        for due in self.store.claim_due_checkins(
            self.platform, now, self.lease, chat_external_id=self.chat_external_id
        ):
            CHECKINS_CLAIMED.labels(self.platform).inc()
            question = self.conversation.checkin_question(due)
            if not self.store.begin_checkin_send(due.checkin_id, due.claimed_at, self.clock()):
                continue  # our claim lapsed while earlier questions went out: another job's now
            try:
                self.send(due.chat_external_id, question)
            except DeliveryUncertain as exc:  # it may have arrived: never asked twice
                log.warning("check-in %s may or may not have been asked: %s", due.checkin_id, exc)
                self.store.mark_checkin_sent(due.checkin_id, self.clock(), certain=False)
                continue
            except Exception:  # one chat failing must not stop the others; the lease retries it
                log.exception("could not deliver check-in %s", due.checkin_id)
                self.store.release_checkin(due.checkin_id)
                continue
            self.store.mark_checkin_sent(due.checkin_id, self.clock())
            CHECKINS_SENT.labels(self.platform).inc()
            sent += 1
        return sent


class MixJob:
    """Closes group mixes whose answering time is over and sends each chat its shared playlist.
    Claimed like check-ins, so with several replicas a mix is closed once. A mix stays closing
    until its replies have reached the chat (a reply that may have arrived counts: it is not sent
    twice); a failed send is retried after the lease with the replies still to go, and after
    `give_up_after` the mix ends undelivered. Its members' check-ins come only once it is delivered.
    """

    def __init__(
        self,
        store: MixStore,
        conversation: Conversation,
        platform: str,
        send: Send,
        lease: timedelta = timedelta(minutes=5),
        give_up_after: timedelta = timedelta(days=1),
    ) -> None:
        self.store = store
        self.conversation = conversation
        self.platform = platform
        self.send = send
        self.lease = lease
        self.give_up_after = give_up_after

    def run_once(self) -> int:
        """Close the due mixes; returns how many were delivered."""
        closed = 0
        now = self.conversation.clock()
        for due in self.store.claim_due_mixes(self.platform, now, self.lease):
            if self._deliver(due):
                closed += 1
            elif due.due_at is not None and now - due.due_at > self.give_up_after:
                log.warning("group mix %s could not reach its chat; given up", due.mix_id)
                self.conversation.mix_undeliverable(due)
        return closed

    def _deliver(self, due: DueMix) -> bool:
        pending = self.conversation.close_mix(due)
        while pending:
            try:
                self.send(due.chat_external_id, pending[0])
            except DeliveryUncertain as exc:  # it may have arrived: not sent twice
                log.warning("a reply of group mix %s may not have arrived: %s", due.mix_id, exc)
            except Exception:  # kept for the retry after the lease
                log.exception("could not send group mix %s to its chat", due.mix_id)
                return False
            pending = pending[1:]
            self.conversation.mix_delivered(due, pending)
        return True


class PruneJob:
    """Deletes a platform's update claims once no redelivery can come (Telegram keeps an update
    for 24 hours; `keep` defaults to a week), at most once per `every`."""

    def __init__(
        self,
        store: UpdateStore,
        platform: str,
        clock: Callable[[], datetime],
        keep: timedelta = timedelta(days=7),
        every: timedelta = timedelta(hours=1),
    ) -> None:
        self.store = store
        self.platform = platform
        self.clock = clock
        self.keep = keep
        self.every = every
        self._next: datetime | None = None

    def run_once(self) -> int:
        now = self.clock()
        if self._next is not None and now < self._next:
            return 0
        self._next = now + self.every
        gone = self.store.prune_updates(self.platform, now - self.keep)
        if gone:
            log.info("pruned %d old %s update claims", gone, self.platform)
        return gone


class Job(Protocol):
    def run_once(self) -> int: ...


def start_scheduler(jobs: Job | list[Job], every_seconds: float) -> BackgroundScheduler:
    """Run the jobs in a background thread, one run at a time, missed runs coalesced."""
    chosen = jobs if isinstance(jobs, list) else [jobs]

    def run_all() -> None:
        for job in chosen:
            job.run_once()

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        run_all,
        "interval",
        seconds=every_seconds,
        max_instances=1,
        coalesce=True,
        id="due-work",
    )
    scheduler.start()
    return scheduler
