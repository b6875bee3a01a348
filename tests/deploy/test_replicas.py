"""Two bot replicas in Telegram webhook mode behind a load balancer, on one PostgreSQL: one replica is
SIGKILLed in the middle of an update, and still every update gets exactly one reply, every check-in
is asked once, and each chat's replies keep their order.

The kill lands at a known point: the fake Telegram holds the victim chat's sendMessage in the network,
the replica that claimed the update (its pid is in the claim) is killed, and the held call, whose
sender is gone, never arrives. Telegram (the fake) delivers the unacknowledged update again; the
surviving replica answers 503 while the dead one's claim is live, then takes it over. The check-in
delay is longer than the update lease, so the check-in of the playlist that never arrived is
superseded by the survivor's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage import make_engine
from tests.deploy.cluster import LoadBalancer, Service, free_port, replica_env, wait_healthy
from tests.fakes.telegram import FakeChat, FakeTelegram, FakeUser, SentMessage

# Two replicas start one after the other, each loading the catalog: minutes on a busy two-core
# machine, past the suite's 300 s per test.
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(1500)]

CHECKIN = "How do you feel now?"
SETTINGS = {
    "MOODWAVE_TEXT_MODEL": "lexicon",
    "MOODWAVE_RANKER": "nearest",
    "MOODWAVE_PLAYLIST_SIZE": "3",
    "MOODWAVE_UPDATE_LEASE": "2s",
    "MOODWAVE_CHECKIN_LEASE": "2s",
    # Far beyond the takeover (lease + a retry or two, a few seconds even on a loaded machine), so
    # the dead replica's check-in is superseded before it falls due.
    "MOODWAVE_CHECKIN_DELAY": "20s",
    "MOODWAVE_CHECKIN_POLL_SECONDS": "0.5",
}


def kind(message: SentMessage) -> str:
    """What a reply is, without the parts that differ from person to person."""
    body = message.text or ""
    if "You sound" in body:
        return "playlist"
    if CHECKIN in body:
        return "checkin"
    return body.split("\n", 1)[0][:24]


def test_a_replica_killed_mid_update_loses_nothing_and_sends_nothing_twice(
    postgres_url: str, data_dir: Path, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    fake = FakeTelegram(webhook_retry_base=0.2).start()
    balancer = LoadBalancer([f"http://127.0.0.1:{p}" for p in ports]).start()
    replicas: list[Service] = []
    try:
        for name, port in zip("ab", ports, strict=True):  # one after the other: the first
            env = replica_env(  # start imports the catalog
                port=port,
                database_url=postgres_url,
                fake_telegram_url=fake.url,
                token=fake.token,
                webhook_url=balancer.url,
                home=tmp_path / name,
                data_dir=data_dir,
                extra=SETTINGS,
            )
            replica = Service(f"replica-{name}", ["run"], env, tmp_path)
            replicas.append(replica)
            wait_healthy(f"http://127.0.0.1:{port}/healthz", replica.process)
        users = [fake.create_user(f"User{i}") for i in range(5)]
        chats = [fake.create_private_chat(u) for u in users]
        *others, victim = list(zip(users, chats, strict=True))

        def converse(user: FakeUser, chat: FakeChat) -> None:
            fake.user_sends_command(user, chat, "start")
            fake.wait_for_messages(chat, 2, timeout=60)
            fake.user_sends_text(user, chat, "tired and a bit sad tonight")

        def finish(user: FakeUser, chat: FakeChat) -> None:
            fake.wait_until(
                lambda: any(kind(m) == "checkin" for m in fake.sent_messages(chat)),
                timeout=90,
                what=f"the check-in in chat {chat.id}",
            )
            before = len(fake.sent_messages(chat))
            fake.user_sends_text(user, chat, "better now, calm and hopeful")
            fake.wait_for_messages(chat, before + 1, timeout=60)
            fake.user_sends_command(user, chat, "help")
            fake.wait_for_messages(chat, before + 2, timeout=60)

        for user, chat in others:
            converse(user, chat)
        for user, chat in others:
            finish(user, chat)

        user, chat = victim
        fake.user_sends_command(user, chat, "start")
        fake.wait_for_messages(chat, 2, timeout=60)
        fake.hold_sends(chat)
        update = fake.user_sends_text(user, chat, "tired and a bit sad tonight")
        fake.wait_until(lambda: fake.held_sends(chat) >= 1, timeout=60, what="the held reply")
        holder = _claimer_pid(postgres_url, update.update_id)
        (dead,) = [r for r in replicas if r.pid == holder]
        dead.kill()
        fake.release_sends(chat)  # its sender is gone: the reply never reaches Telegram
        (survivor,) = [r for r in replicas if r is not dead]
        finish(user, chat)
        assert _claimer_pid(postgres_url, update.update_id) == survivor.pid

        fake.wait_until(lambda: not fake.pending_updates(), timeout=30, what="an empty queue")
        settle = _checkin_states(postgres_url)
        assert settle == {"answered": len(chats)}, settle
    except BaseException:
        for replica in replicas:
            print(f"--- {replica.name}\n{replica.log_tail()}")
        raise
    finally:
        for replica in replicas:
            replica.stop()
        balancer.stop()
        fake.stop()

    sequences = [[kind(m) for m in fake.sent_messages(c)] for c in chats]
    assert sequences[0].count("playlist") == 1 and sequences[0].count("checkin") == 1
    assert all(s == sequences[0] for s in sequences), sequences  # the victim's too
    assert sequences[0].index("playlist") < sequences[0].index("checkin")
    fake.assert_no_violations()


def _claimer_pid(database_url: str, update_id: int) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        claimed_by = conn.execute(
            text(
                "SELECT claimed_by FROM processed_update "
                "WHERE platform = 'telegram' AND update_id = :id"
            ),
            {"id": str(update_id)},
        ).scalar_one()
    engine.dispose()
    return int(claimed_by.split(":")[1])


def _checkin_states(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, count(*) FROM checkin WHERE status <> 'superseded' GROUP BY 1")
        ).all()
    engine.dispose()
    return {status: int(n) for status, n in rows}
