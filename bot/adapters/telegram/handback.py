"""Telegram updates the core could not handle now (`NotHandledNow`: it missed its deadline, it
died, or the database did not answer). The person gets the apology once, and the update is handed
back rather than finished: its claim is given up (or lapses after the update lease when the
database cannot be told), and then

- by webhook, the route answers 503 with Retry-After, and Telegram delivers the update again (to
  this replica or another);
- by long polling, which has no redelivery, the update is queued again in this process after a
  pause, a few times.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable

from telegram import Update

from bot.web import UpdateState

log = logging.getLogger(__name__)

# Updates remembered as apologised for, so that a redelivery that fails again is not apologised for
# a second time (a few hours of a busy bot's failures; each entry is a short string).
APOLOGIES_REMEMBERED = 10_000
# Long polling: an update handed back is queued again at most this often, after a pause that
# doubles from RETRY_PAUSE_S (or after the update lease, when its claim could not be released).
POLLING_RETRIES = 6
RETRY_PAUSE_S = 5.0

Requeue = Callable[[Update], None]


class HandBacks:
    def __init__(self, release: Callable[[str], bool] | None, update_lease_s: float) -> None:
        self.release = release  # gives the update's claim up; None: nothing to release
        self.update_lease_s = update_lease_s
        self._pending: set[str] = set()  # handed back, not yet released or answered
        self._apologised: OrderedDict[str, None] = OrderedDict()
        self._retries: dict[str, int] = {}  # long polling: update id -> times queued again

    def failed(self, update_id: str) -> None:
        """The core raised `NotHandledNow` for this update."""
        self._pending.add(update_id)

    def pending(self, update_id: str) -> bool:
        return update_id in self._pending

    def first_apology(self, update_id: str) -> bool:
        """True the first time: the person hears the apology once, whatever the redeliveries."""
        if update_id in self._apologised:
            return False
        self._apologised[update_id] = None
        while len(self._apologised) > APOLOGIES_REMEMBERED:
            self._apologised.popitem(last=False)
        return True

    def finished(self, update_id: str) -> None:
        self._retries.pop(update_id, None)

    async def hand_back(self, update: Update, requeue: Requeue | None) -> None:
        """Give the update's claim up; with `requeue` (long polling), queue it again later."""
        update_id = str(update.update_id)
        released = False
        if self.release is not None:
            try:
                released = await asyncio.to_thread(self.release, update_id)
            except Exception as exc:  # the database is still away: the claim lapses instead
                log.warning("could not release Telegram update %s: %r", update_id, exc)
        if requeue is None:
            return  # the webhook route answers 503 (`webhook_state`): Telegram delivers it again
        self._pending.discard(update_id)
        tries = self._retries.get(update_id, 0) + 1
        if tries > POLLING_RETRIES:
            self._retries.pop(update_id, None)
            log.error("gave up on Telegram update %s after %d tries", update_id, tries)
            return
        self._retries[update_id] = tries
        pause = RETRY_PAUSE_S * 2 ** (tries - 1) if released else self.update_lease_s + 1
        log.warning("Telegram update %s handed back: trying again in %g s", update_id, pause)
        asyncio.get_running_loop().call_later(pause, requeue, update)

    def webhook_state(self, update_state: UpdateState) -> UpdateState:
        """What the webhook route answers after an update: "retry" (503) for one handed back,
        else where its claim stands (`update_state`)."""

        def state(update_id: str) -> str:
            if update_id in self._pending:
                self._pending.discard(update_id)
                return "retry"
            return update_state(update_id)

        return state
