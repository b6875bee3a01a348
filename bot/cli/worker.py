"""`moodwave worker`: the mood model served over HTTP."""

from __future__ import annotations

import argparse
import logging

from bot.cli.subcommands import Subcommands
from bot.settings import Settings

log = logging.getLogger("moodwave")


def add_to(sub: Subcommands) -> None:
    worker = sub.add_parser("worker", help="serve the mood model over HTTP (POST /v1/va)")
    worker.add_argument("--host", default="127.0.0.1")
    worker.add_argument("--port", type=int, default=8800)
    worker.set_defaults(handler=_worker)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_text_model, settle_heap
    from nlp.analysis import ModelMoodEstimator
    from nlp.batching import BatchingEngine
    from nlp.voice.analyzer import VoiceAnalyzer
    from nlp.worker import serve

    model = build_text_model(settings)
    # No busy wait here: the worker's callers are often sequential (a bot's fallback, a script), and
    # a caller that sends its next text as soon as the last is answered would wait for company that
    # never comes. The bot's in-process model uses MOODWAVE_TEXT_BATCH_WAIT_MS.
    estimator = ModelMoodEstimator(model, BatchingEngine(model))
    estimator.estimate("warming up the model")
    voice = VoiceAnalyzer.load(
        estimator, settings.voice_model or None, settings.device, settings.voice_max_seconds
    )
    log.info("mood worker %s on http://%s:%d", estimator.version, args.host, args.port)
    settle_heap()
    serve(estimator, args.host, args.port, voice)
    return 0
