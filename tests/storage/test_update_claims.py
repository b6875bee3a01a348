"""Update claims are leases: a redelivery is dropped while the claim is live or done, taken over
once the claimer died (its lease lapsed unfinished), and only the holder can finish a claim."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from storage import Store, make_engine
from storage.models import ProcessedUpdate, utcnow


def _age_claim(store: Store, update_id: str, by: timedelta) -> None:
    with store.session() as s:
        s.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id)  # type: ignore[arg-type]
            .values(claimed_at=utcnow() - by)
        )
        s.commit()


def test_a_claim_lapses_only_when_unfinished(database_url: str) -> None:
    lease = timedelta(seconds=30)
    engine = make_engine(database_url)
    first, second = Store(engine, lease), Store(engine, lease)
    assert first.claimer != second.claimer
    assert second.update_state("telegram", "7") == "absent"
    assert first.claim_update("telegram", "7")
    assert not second.claim_update("telegram", "7")  # live claim: a redelivery is not handled
    assert second.update_state("telegram", "7") == "busy"
    assert first.update_state("telegram", "7") == "mine"
    assert not second.finish_update("telegram", "7")  # only the holder finishes

    _age_claim(first, "7", 2 * lease)  # the first replica died mid-update
    assert second.update_state("telegram", "7") == "stale"
    assert second.claim_update("telegram", "7")  # its redelivery takes the claim over
    assert not first.claim_update("telegram", "7")  # one taker wins
    assert not first.finish_update("telegram", "7")  # the old holder lost it
    assert second.finish_update("telegram", "7")
    assert first.update_state("telegram", "7") == "done"

    _age_claim(first, "7", 10 * lease)
    assert not first.claim_update("telegram", "7")  # done is final
    assert first.claim_update("discord", "7")  # ids are per platform
    engine.dispose()


def test_old_claims_are_pruned_by_the_job_once_an_hour(database_url: str) -> None:
    from bot.checkins import PruneJob

    store = Store(make_engine(database_url))
    for update_id in ("1", "2", "3"):
        assert store.claim_update("telegram", update_id)
    assert store.claim_update("discord", "1")
    store.finish_update("telegram", "1")
    with store.session() as s:  # two of Telegram's claims are from eight days ago
        s.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.platform == "telegram", ProcessedUpdate.update_id != "3")  # type: ignore[arg-type]
            .values(created_at=utcnow() - timedelta(days=8))
        )
        s.commit()
    now = [utcnow()]
    job = PruneJob(store, "telegram", lambda: now[0])
    assert job.run_once() == 2  # done or abandoned, both past any redelivery
    assert store.update_state("telegram", "1") == "absent"
    assert store.update_state("telegram", "3") == "mine"  # recent: kept
    assert store.update_state("discord", "1") == "mine"  # another platform's job prunes it
    now[0] += timedelta(days=8)  # eight days on, claim 3 is old too
    assert job.run_once() == 1
    assert job.run_once() == 0  # not again within the hour


def test_a_released_claim_is_handled_at_its_next_delivery(database_url: str) -> None:
    """An update the core could not handle now is handed back: its claim goes, so its redelivery
    is handled at once rather than dropped until the lease lapses. Only the holder releases, and a
    done update stays done."""
    engine = make_engine(database_url)
    first, second = Store(engine), Store(engine)
    assert first.claim_update("telegram", "8")
    assert not first.claim_update("telegram", "8")  # a redelivery while claimed: dropped
    assert not second.release_update("telegram", "8")  # not its claim
    assert first.release_update("telegram", "8")
    assert first.update_state("telegram", "8") == "absent"
    assert second.claim_update("telegram", "8")  # the redelivery, on any replica, is handled
    assert second.finish_update("telegram", "8")
    assert not second.release_update("telegram", "8")  # done is final
    assert first.update_state("telegram", "8") == "done"
    engine.dispose()
