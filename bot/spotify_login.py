"""`moodwave spotify login`: authorise the bot-owned Spotify account once, from a terminal.

It prints Spotify's authorize URL; the operator opens it, agrees, and the browser lands on the
redirect URI (nothing needs to listen there: the page may fail to load). The operator pastes that
address back; the code is exchanged for tokens and the refresh token is stored encrypted in the
database. Every failure ends with a sentence saying what to do, never a traceback or a token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from recommender.spotify import SpotifyAccounts, SpotifyConfig, SpotifyError, build_spotify
from recommender.spotify.oauth import parse_redirect
from storage.spotify_credentials import SpotifyTables


def spotify_login(
    accounts: SpotifyAccounts, read_line: Callable[[], str], stdout: TextIO, stderr: TextIO
) -> int:
    """Run the login dialogue (`read_line` is `sys.stdin.readline` from the command line); 0 when
    the account is stored, 1 otherwise."""
    stdout.write(
        "1. Open this address in a browser and agree:\n\n"
        f"   {accounts.bot_login_url()}\n\n"
        "2. The browser then goes to the redirect URI (the page may not load; that is fine).\n"
        "   Paste that whole address here and press Enter:\n> "
    )
    stdout.flush()
    pasted = read_line()
    if not pasted.strip():
        stderr.write("No address pasted; nothing changed. Run `moodwave spotify login` again.\n")
        return 1
    try:
        code, state = parse_redirect(pasted)
        account = accounts.complete_bot_login(code, state)
    except SpotifyError as exc:
        stderr.write(f"Spotify login failed: {exc}.\n")
        return 1
    shown = account.display_name or account.spotify_user_id
    stdout.write(
        f"Logged in to Spotify as {shown}. Playlists will be created in this account; "
        "its refresh token is stored encrypted in the database.\n"
    )
    return 0


def spotify_login_command(
    config: SpotifyConfig | None,
    tables: SpotifyTables,
    read_line: Callable[[], str],
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """`moodwave spotify login` from the settings mapped onto `config` (None: Spotify not set up)."""
    if config is None:
        stderr.write(
            "Spotify is not set up: set MOODWAVE_SPOTIFY_CLIENT_ID, MOODWAVE_SPOTIFY_CLIENT_SECRET "
            "and MOODWAVE_SECRET_KEY (see docs/spotify.md).\n"
        )
        return 2
    try:
        services = build_spotify(config, tables)
    except ValueError as exc:  # a refused redirect URI or a short secret key
        stderr.write(f"Spotify settings: {exc}.\n")
        return 2
    try:
        return spotify_login(services.accounts, read_line, stdout, stderr)
    finally:
        services.close()
