"""`moodwave catalog import`: songs into the catalog."""

from __future__ import annotations

import argparse
import sys

from bot.catalog_import import add_import_arguments
from bot.cli.subcommands import Subcommands
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    catalog = sub.add_parser("catalog", help="the song catalog")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    catalog_import = catalog_sub.add_parser(
        "import", help="import songs: the bundled data set, a CSV, a folder of audio, a playlist"
    )
    add_import_arguments(catalog_import)
    catalog_import.set_defaults(handler=_catalog_import)


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
