"""The conversation core in a process of its own (`bot.core_process`): the same answers as in one
process, the jobs' messages sent by the parent, a core that dies replaced without losing the bot,
and `moodwave run` end to end (long polling, SQLite) with a check-in answered through it."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import ConfigurationError, build_app, open_store
from bot.core.events import (
    ChatKind,
    ChatRef,
    Command,
    Incoming,
    NotHandledNow,
    Outgoing,
    TextMessage,
    UserRef,
)
from bot.core_host import InProcessCore
from bot.core_process import CoreMissedDeadline, CoreProcess, CoreUnavailable
from bot.settings import Settings
from storage.models import CheckIn
from tests.deploy.cluster import Service, child_pids
from tests.fakes.telegram import FakeTelegram

CHECKIN = "How do you feel now?"


def settings_for(home: Path, data_dir: Path, **values: object) -> Settings:
    chosen: dict[str, object] = {
        "home": home,
        "data_dir": data_dir,
        "text_model": "lexicon",
        "ranker": "nearest",
        "playlist_size": 3,
        "checkin_poll_seconds": 0.5,
    }
    return Settings(_env_file=None, **(chosen | values))  # type: ignore[call-arg, arg-type]


def event(
    payload: Command | TextMessage, user: str = "u1", update_id: str | None = None
) -> Incoming:
    return Incoming(
        "test", ChatRef(user, ChatKind.PRIVATE), UserRef(user, "Ann"), payload, update_id
    )


@pytest.fixture
def core(tmp_path: Path, data_dir: Path) -> Iterator[CoreProcess]:
    settings = settings_for(tmp_path, data_dir)
    store = open_store(settings)
    process = CoreProcess(settings, store.claimer)
    process.start()
    yield process
    process.close()


def texts(outs: list[Outgoing]) -> list[str]:
    return [out.text for out in outs]


def test_answers_as_the_core_in_this_process_does(
    core: CoreProcess, tmp_path: Path, data_dir: Path
) -> None:
    remote = [
        core.handle(event(Command("start"))),
        core.handle(event(TextMessage("tired and a bit sad tonight"), update_id="1")),
    ]
    assert core.pid is not None and core.pid != os.getpid()
    local_app = build_app(settings_for(tmp_path / "local", data_dir))
    local = InProcessCore(local_app)
    try:
        expected = [
            local.handle(event(Command("start"))),
            local.handle(event(TextMessage("tired and a bit sad tonight"), update_id="1")),
        ]
    finally:
        local.close()
    assert [texts(o) for o in remote] == [texts(o) for o in expected]
    # What the bot's /readyz and /metrics ask of it: alive, and its own process's figures.
    assert core.alive()
    child = core.metrics().decode()
    assert "process_cpu_seconds_total" in child and "moodwave_checkins_sent_total" in child
    # the playlist: the same songs, each with the stored row its buttons point at
    assert [(e.title, e.position) for e in remote[1][0].entries] == [
        (e.title, e.position) for e in expected[1][0].entries
    ]
    assert len(remote[1][0].entries) == 3


def test_a_dead_core_is_replaced_and_the_next_event_answered(core: CoreProcess) -> None:
    core.handle(event(Command("start")))
    first = core.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the pipe reads EOF once the kernel reaps it
        try:
            outs = core.handle(event(TextMessage("calm and hopeful"), update_id="2"))
            break
        except CoreUnavailable:  # an event sent just before the death was seen: an apology
            time.sleep(0.1)
    else:
        pytest.fail("the core process was not replaced")
    assert core.pid not in (None, first)
    assert outs and outs[0].entries  # the new core answers with a playlist, from the same database


@pytest.mark.slow
@pytest.mark.timeout(900)  # two cores start: minutes on a busy 2-core machine
def test_a_hung_core_misses_its_deadlines_and_is_replaced(tmp_path: Path, data_dir: Path) -> None:
    """A core that sleeps for ever but lives (stopped, as by SIGSTOP): each call fails at its
    deadline instead of waiting for ever; after the missed deadlines in a row the core is killed
    and a new one answers the updates that were handed back."""
    settings = settings_for(tmp_path, data_dir, core_deadline=3.0, core_missed_deadlines=2)
    core = CoreProcess(settings, open_store(settings).claimer)
    core.start()
    try:
        core.handle(event(Command("start")))
        hung = core.pid
        assert hung is not None
        os.kill(hung, signal.SIGSTOP)
        for update_id in ("20", "21"):
            with pytest.raises(CoreMissedDeadline):
                core.handle(event(TextMessage("calm and hopeful"), update_id=update_id))
        deadline = time.monotonic() + 120
        answers: dict[str, list[Outgoing]] = {}
        while len(answers) < 2 and time.monotonic() < deadline:
            for update_id in ("20", "21"):  # the redeliveries of the two handed back
                if update_id not in answers:
                    try:
                        answers[update_id] = core.handle(
                            event(TextMessage("calm and hopeful"), update_id=update_id)
                        )
                    except CoreUnavailable:  # the old core's end is still being seen
                        time.sleep(0.2)
        assert core.pid not in (None, hung)
        assert all(outs and outs[0].entries for outs in answers.values()), answers
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(hung, signal.SIGKILL)
        core.close()


@pytest.mark.slow
@pytest.mark.timeout(900)  # two cores start: minutes on a busy 2-core machine
def test_an_in_process_core_that_hangs_misses_its_deadline(tmp_path: Path, data_dir: Path) -> None:
    """With the core in the bot's process (`MOODWAVE_CORE_PROCESS=false`) a call that hangs (here
    a write waiting, for up to ten minutes, on another writer's lock) fails at its deadline."""
    settings = settings_for(tmp_path, data_dir, database_statement_timeout=600)
    core = InProcessCore(build_app(settings), deadline_s=1.0, threads=2)
    writer = sqlite3.connect(tmp_path / "moodwave.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(NotHandledNow):
            core.handle(event(TextMessage("calm and hopeful"), update_id="30"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    outs = core.handle(event(TextMessage("calm and hopeful"), update_id="31"))
    assert outs and outs[0].entries  # the lock gone, the next update is answered
    core.close()


def test_a_configuration_error_in_the_core_is_reported_as_such(
    tmp_path: Path, data_dir: Path
) -> None:
    settings = settings_for(
        tmp_path, data_dir, text_model="transformer", text_model_weights=tmp_path / "missing"
    )
    process = CoreProcess(settings, "test:1:0")
    with pytest.raises(ConfigurationError, match="MOODWAVE_TEXT_MODEL_WEIGHTS"):
        process.start()
    process.close()
    with pytest.raises(CoreUnavailable):  # closed: it does not start again
        process.handle(event(Command("start")))


def test_the_jobs_send_through_the_parent_and_a_failed_send_is_retried(
    tmp_path: Path, data_dir: Path
) -> None:
    settings = settings_for(tmp_path, data_dir, checkin_delay="2s", checkin_lease="1s")
    core = CoreProcess(settings, open_store(settings).claimer)
    core.start()
    sent: list[tuple[str, str]] = []
    failures = [RuntimeError("Telegram is down")]  # the first send fails, the next ones work

    def send(chat: str, out: Outgoing) -> None:
        if failures:
            raise failures.pop()
        sent.append((chat, out.text))

    try:
        core.handle(event(Command("start")))
        core.handle(event(TextMessage("tired and a bit sad tonight"), update_id="3"))
        # The check-in falls due two seconds later: the core's job asks this process to send it.
        # The first try fails; the check-in stays claimed, and after its lease it is sent again.
        core.start_jobs("test", send)
        deadline = time.monotonic() + 60
        while not sent and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2.0)  # a second copy would come within a lease or two
    finally:
        core.close()
    assert not failures
    assert len(sent) == 1 and sent[0][0] == "u1" and CHECKIN in sent[0][1]


@pytest.mark.slow
def test_moodwave_run_with_the_core_process_end_to_end(tmp_path: Path, data_dir: Path) -> None:
    """`moodwave run` by long polling on SQLite (the embedded default): a conversation up to its
    check-in's answer, the core process killed in between, and every message answered once."""
    fake = FakeTelegram().start()
    env = {
        "MOODWAVE_TELEGRAM_TOKEN": fake.token,
        "MOODWAVE_TELEGRAM_API_URL": fake.url,
        "MOODWAVE_HOME": str(tmp_path),
        "MOODWAVE_DATA_DIR": str(data_dir),
        "MOODWAVE_TEXT_MODEL": "lexicon",
        "MOODWAVE_RANKER": "nearest",
        "MOODWAVE_PLAYLIST_SIZE": "3",
        "MOODWAVE_CHECKIN_POLL_SECONDS": "0.5",
        # Long enough to kill the core before the check-in is due, short for a test.
        "MOODWAVE_CHECKIN_DELAY": "8s",
        "MOODWAVE_LOG_LEVEL": "INFO",
    }
    bot = Service("bot", ["run"], env, tmp_path)
    try:
        fake.wait_until(lambda: fake.long_polls_waiting > 0, timeout=240, what="long polling")
        user = fake.create_user("Ann")
        chat = fake.create_private_chat(user)
        fake.user_sends_command(user, chat, "start")
        fake.wait_for_messages(chat, 1, timeout=60)
        fake.user_sends_text(user, chat, "tired and a bit sad tonight")
        fake.wait_until(
            lambda: any("You sound" in (m.text or "") for m in fake.sent_messages(chat)),
            timeout=60,
            what="the playlist",
        )

        (core_pid,) = _children(bot.pid)
        os.kill(core_pid, signal.SIGKILL)  # the check-in is in the database, not in the core
        fake.wait_until(
            lambda: any(CHECKIN in (m.text or "") for m in fake.sent_messages(chat)),
            timeout=150,
            what="the check-in, sent by the new core's job",
        )
        before = len(fake.sent_messages(chat))
        fake.user_sends_text(user, chat, "better now, calm and hopeful")
        fake.wait_for_messages(chat, before + 1, timeout=60)  # the thanks for the answer
        assert bot.process.poll() is None
        (new_core,) = _children(bot.pid)
        assert new_core != core_pid
        time.sleep(1.0)  # a second reply to anything would have come by now
        sent = [m.text or "" for m in fake.sent_messages(chat)]
        assert sum(CHECKIN in t for t in sent) == 1
        assert len(sent) == before + 1
        fake.assert_no_violations()
    except BaseException:
        print(bot.log_tail())
        raise
    finally:
        bot.stop()
        fake.stop()
    with open_store(settings_for(tmp_path, data_dir)).session() as s:
        assert [c.status for c in s.exec(select(CheckIn)).all()] == ["answered"]


def _children(pid: int) -> list[int]:
    """The processes `pid` started, less multiprocessing's resource tracker."""
    return [
        child
        for child in child_pids(pid)
        if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
