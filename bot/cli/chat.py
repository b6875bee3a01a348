"""`moodwave chat`: the console chat in this terminal."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.cli.subcommands import Subcommands
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    chat = sub.add_parser(
        "chat", help="chat with Moodwave in this terminal (reads stdin, so it can be scripted)"
    )
    chat.add_argument("--user", help="console user name (default: your login name)")
    chat.set_defaults(handler=_chat)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.quiet import quiet_third_party

    quiet_third_party()  # before anything loads a model
    from bot.adapters.console import ConsoleChat
    from bot.app import build_app
    from bot.checkins import CheckInJob, start_scheduler

    print("moodwave> Loading the catalog and the mood model...", flush=True)
    app = build_app(settings)

    def make_job(chat_id: str, deliver: Callable[..., None]) -> CheckInJob:
        return CheckInJob(
            app.store,
            app.conversation,
            "console",
            deliver,
            settings.checkin_answer_window,
            chat_external_id=chat_id,
        )

    console = ConsoleChat(app.conversation, make_job, user_name=args.user)
    scheduler = start_scheduler(console.job, settings.checkin_poll_seconds)
    try:
        return console.run()
    finally:
        scheduler.shutdown(wait=False)
