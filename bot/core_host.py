"""Where the conversation core runs for `moodwave run`: in the bot's own process
(`InProcessCore`) or in a process of its own (`bot.core_process.CoreProcess`, the default). The
bots see one interface, `bot.adapters.base.CoreHost`: hand it events, and once a platform can
send, start that platform's jobs (check-ins, group mixes, pruning) with the function that sends
to one of its chats.
"""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import Moodwave
from bot.checkins import CheckInJob, Job, MixJob, PruneJob, start_scheduler
from bot.core.events import Incoming, Outgoing, Send


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
    GIL). Used with `MOODWAVE_CORE_PROCESS=false`, and by tests that drive the adapters."""

    def __init__(self, app: Moodwave) -> None:
        self.app = app
        self.schedulers: list[BackgroundScheduler] = []

    def handle(self, event: Incoming) -> list[Outgoing]:
        return self.app.conversation.handle(event)

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
        self.app.close()
