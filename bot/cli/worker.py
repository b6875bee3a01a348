"""`moodwave worker`: the mood model served over HTTP."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys

from bot.cli.subcommands import Subcommands
from bot.settings import Settings

log = logging.getLogger("moodwave")


def add_to(sub: Subcommands) -> None:
    worker = sub.add_parser("worker", help="serve the mood model over HTTP (POST /v1/va)")
    worker.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; beyond loopback, MOODWAVE_WORKER_TOKEN must be set",
    )
    worker.add_argument("--port", type=int, default=8800, help="port to listen on")
    worker.set_defaults(handler=_worker)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    if settings.worker_token is None and not _loopback(args.host):
        print(
            f"moodwave: the worker would listen on {args.host} for anyone who can reach it: set "
            "MOODWAVE_WORKER_TOKEN (and the same on the bots), or use --host 127.0.0.1.",
            file=sys.stderr,
        )
        return 2
    from bot.app import (
        settle_heap,
        text_estimator_spec,
        text_model_settings,
        voice_spec,
        worker_token,
    )
    from nlp.factory import build_language_router, build_model_estimator, build_voice_analyzer
    from nlp.model_estimator import ModelMoodEstimator
    from nlp.router import LanguageRouter
    from nlp.worker import serve

    # No busy wait here: the worker's callers are often sequential (a bot's fallback, a script), and
    # a caller that sends its next text as soon as the last is answered would wait for company that
    # never comes. The bot's in-process model uses MOODWAVE_TEXT_BATCH_WAIT_MS. The model is the
    # one MOODWAVE_TEXT_MODEL names: the student, or the teacher on a GPU host.
    spec = replace(text_estimator_spec(settings), busy_wait_s=None)
    # With MOODWAVE_MULTILINGUAL on, the multilingual model reads the texts in other languages.
    estimator: ModelMoodEstimator | LanguageRouter
    with text_model_settings(spec.kind):
        estimator = build_model_estimator(spec)
        if spec.multilingual:
            estimator = build_language_router(estimator, spec)
    voice = build_voice_analyzer(estimator, voice_spec(settings))
    log.info("mood worker %s on http://%s:%d", estimator.version, args.host, args.port)
    settle_heap()
    serve(estimator, args.host, args.port, voice, worker_token(settings))
    return 0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False
