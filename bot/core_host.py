"""Where the conversation core runs for `moodwave run`: in the bot's own process
(`InProcessCore`) or in a process of its own (`bot.core_process.CoreProcess`, the default). The
bots see one interface, `bot.adapters.base.CoreHost`: hand it events, and once a platform can
send, start that platform's jobs (check-ins, group mixes, pruning) with the function that sends
to one of its chats.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import Moodwave
from bot.checkins import CheckInJob, Job, MixJob, PruneJob, start_scheduler
from bot.core.events import Incoming, NotHandledNow, Outgoing, Send


def start_jobs(app: Moodwave, platform: str, send: Send) -> BackgroundScheduler:
    """One platform's check-in, group-mix and pruning jobs, on a scheduler of their own; notices
    (a delayed Spotify playlist is ready) for the platform go through `send` too."""
    settings, store, conversation = app.settings, app.store, app.conversation
    jobs: list[Job] = [
        CheckInJob(
            store,
            conversation,
            platform,
            send,
            settings.checkin_answer_window,
            lease=settings.checkin_lease,
        ),
        MixJob(store, conversation, platform, send, lease=settings.checkin_lease),
        PruneJob(store, platform, conversation.clock),
    ]
    app.notifier.register(platform, send)
    return start_scheduler(jobs, settings.checkin_poll_seconds)


class InProcessCore:
    """The core in the bot's process: the event loop and the core share one interpreter (and its
    GIL). Used with `MOODWAVE_CORE_PROCESS=false`, and by tests that drive the adapters.

    With a deadline, events are answered on `threads` threads of its own and a call that takes
    longer raises `NotHandledNow` (the update is handed back); its thread cannot be stopped, so it
    stays busy until the call ends (the database timeouts bound that)."""

    def __init__(self, app: Moodwave, deadline_s: float | None = None, threads: int = 4) -> None:
        self.app = app
        self.deadline_s = deadline_s
        self.workers = (
            ThreadPoolExecutor(threads, thread_name_prefix="moodwave-core") if deadline_s else None
        )
        self.schedulers: list[BackgroundScheduler] = []

    def handle(self, event: Incoming) -> list[Outgoing]:
        if self.workers is None:
            return self.app.conversation.handle(event)
        future = self.workers.submit(self.app.conversation.handle, event)
        try:
            return future.result(self.deadline_s)
        except TimeoutError:
            future.cancel()  # not started yet: it never will
            raise NotHandledNow(
                f"the core did not answer {event.platform} update {event.update_id} "
                f"in {self.deadline_s:g} s"
            ) from None

    def start_jobs(self, platform: str, send: Send) -> None:
        self.schedulers.append(start_jobs(self.app, platform, send))

    def metrics(self) -> bytes:
        from bot.metrics import core_exposition

        return core_exposition(self.app.estimator)

    def alive(self) -> bool:
        return True  # it answers as long as this process runs

    def close(self) -> None:
        for scheduler in self.schedulers:
            scheduler.shutdown(wait=False)
        if self.workers is not None:
            self.workers.shutdown(wait=False, cancel_futures=True)
        self.app.close()
