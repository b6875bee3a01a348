"""Claims on platform updates, as leases, so that several bot replicas process each update once and
a replica that dies mid-update loses nothing.

Telegram delivers a webhook update until it gets a 2xx answer. The bot answers only after handling
the update, so a replica killed mid-way never answers and the update comes again, possibly to
another replica. The claim makes that safe:

- `claim`: the first receiver inserts the row ("processing", claimed by host:pid:nonce, now) and
  handles the update. A redelivery while the claim is live is not handled again; once the lease has
  lapsed without "done" (the claimer died), the redelivery takes the claim over (a compare-and-set
  on `claimed_at`, so one taker wins) and handles it.
- `finish`: after the replies are sent, the claimer marks the row "done"; later redeliveries are
  dropped for good. Only the claim's holder can finish it.
- `release`: a claimer that could not handle the update now (its core or the database missed a
  deadline) gives the claim up, and the next delivery handles it at once.
- `prune`: claims older than any redelivery (Telegram keeps an undelivered update for 24 hours) are
  deleted, so the table does not grow for ever.
- `state`: what a receiver should answer Telegram: "busy" (someone else's live claim: ask Telegram
  to retry later), or "done" / "absent".

The one window left: a replica that dies after Telegram accepted a reply but before the row was
marked done (milliseconds) has its update handled again after the lease, so that reply is sent
twice. Nothing is lost.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from storage.models import ProcessedUpdate

UpdateState = Literal["absent", "busy", "stale", "done", "mine"]


def claimer_id() -> str:
    """Who holds a claim: host, process id and a nonce (a restarted process with a reused pid is a
    different claimer)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(
    engine: Engine, platform: str, update_id: str, claimer: str, lease: timedelta, now: datetime
) -> bool:
    """True when this claimer should handle the update now: a new update, or one whose earlier
    claim lapsed without being finished."""
    with Session(engine) as s:
        s.add(
            ProcessedUpdate(
                platform=platform,
                update_id=update_id,
                status="processing",
                claimed_at=now,
                claimed_by=claimer,
            )
        )
        try:
            s.commit()
            return True
        except IntegrityError:
            s.rollback()
        taken = s.execute(
            update(ProcessedUpdate)
            .where(
                col(ProcessedUpdate.platform) == platform,
                col(ProcessedUpdate.update_id) == update_id,
                col(ProcessedUpdate.status) == "processing",
                col(ProcessedUpdate.claimed_at) <= now - lease,
            )
            .values(claimed_at=now, claimed_by=claimer)
        )
        s.commit()
        return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def finish(engine: Engine, platform: str, update_id: str, claimer: str) -> bool:
    """Mark the update done, if this claimer still holds it; False otherwise."""
    with Session(engine) as s:
        done = s.execute(
            update(ProcessedUpdate)
            .where(
                col(ProcessedUpdate.platform) == platform,
                col(ProcessedUpdate.update_id) == update_id,
                col(ProcessedUpdate.status) == "processing",
                col(ProcessedUpdate.claimed_by) == claimer,
            )
            .values(status="done")
        )
        s.commit()
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def release(engine: Engine, platform: str, update_id: str, claimer: str) -> bool:
    """Give up this claimer's unfinished claim (the update could not be handled now: the core or
    the database did not answer in time), so that the next delivery handles it at once instead of
    after the lease. False when the claim is not this claimer's, or is done."""
    with Session(engine) as s:
        gone = s.execute(
            delete(ProcessedUpdate).where(
                col(ProcessedUpdate.platform) == platform,
                col(ProcessedUpdate.update_id) == update_id,
                col(ProcessedUpdate.status) == "processing",
                col(ProcessedUpdate.claimed_by) == claimer,
            )
        )
        s.commit()
        return bool(gone.rowcount == 1)  # type: ignore[attr-defined]


def state(
    engine: Engine, platform: str, update_id: str, claimer: str, lease: timedelta, now: datetime
) -> UpdateState:
    """ "absent" (never claimed), "done", "mine" (this claimer holds it), "busy" (another claimer's
    live lease) or "stale" (another claimer's lapsed lease: the next delivery takes it over)."""
    with Session(engine) as s:
        row = s.get(ProcessedUpdate, (platform, update_id))
        if row is None:
            return "absent"
        if row.status == "done":
            return "done"
        if row.claimed_by == claimer:
            return "mine"
        if row.claimed_at is not None and row.claimed_at <= now - lease:
            return "stale"
        return "busy"


def prune(engine: Engine, platform: str, before: datetime) -> int:
    """Delete this platform's claims made before `before` (done, or abandoned long ago); returns
    how many went."""
    with Session(engine) as s:
        gone = s.execute(
            delete(ProcessedUpdate).where(
                col(ProcessedUpdate.platform) == platform,
                col(ProcessedUpdate.created_at) < before,
            )
        )
        s.commit()
        return int(gone.rowcount)  # type: ignore[attr-defined]
