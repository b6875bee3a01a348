"""`moodwave spotify login`: authorise the bot-owned Spotify account."""

from __future__ import annotations

import argparse
import sys

from bot.cli.subcommands import Subcommands
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    spotify = sub.add_parser("spotify", help="Spotify account of the bot")
    spotify_sub = spotify.add_subparsers(dest="spotify_command", required=True)
    login = spotify_sub.add_parser(
        "login", help="authorise the bot-owned Spotify account (prints a URL, reads the redirect)"
    )
    login.set_defaults(handler=_spotify_login)


def _spotify_login(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_store, spotify_config
    from bot.spotify_login import spotify_login_command

    store = open_store(settings)
    return spotify_login_command(
        spotify_config(settings), store.spotify_tables(), sys.stdin.readline, sys.stdout, sys.stderr
    )
