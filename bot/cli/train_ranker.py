"""`moodwave train-ranker`: refit the Wide & Deep ranker on all reactions."""

from __future__ import annotations

import argparse

from bot.cli.subcommands import Subcommands
from bot.ranker_arguments import add_train_ranker_arguments
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    train = sub.add_parser(
        "train-ranker", help="refit the Wide & Deep ranker on all reactions; bots load it live"
    )
    add_train_ranker_arguments(train)
    train.set_defaults(handler=_train_ranker)


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
