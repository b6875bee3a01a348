"""The OAuth callback a person's browser lands on after linking their Spotify, as Starlette routes.

The bot's web app mounts `callback_routes(...)` (or serves `callback_app(...)` alone). The page says
in plain words what happened: linked, declined, link expired or forged, no place left (development
mode), or Spotify not answering. The code exchange is blocking spotipy, so it runs in a thread. The
query string carries a one-time code: `protect_logs` blanks it in uvicorn's access log.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from recommender.spotify.errors import AuthorizationRejected, LinkingUnavailable, SpotifyError
from recommender.spotify.linked import LinkedAccount, SpotifyAccounts
from recommender.spotify.log_redaction import protect_logs
from recommender.spotify.oauth import parse_redirect

DEFAULT_PATH = "/spotify/callback"


def callback_routes(
    accounts: SpotifyAccounts,
    on_linked: Callable[[LinkedAccount], None] | None = None,
    path: str = DEFAULT_PATH,
) -> list[Route]:
    protect_logs()

    async def spotify_callback(request: Request) -> HTMLResponse:
        try:
            code, state = parse_redirect(str(request.url))
            linked = await run_in_threadpool(accounts.complete_link, code, state)
        except (AuthorizationRejected, LinkingUnavailable) as exc:
            return _page("Spotify is not linked", str(exc), 400)
        except SpotifyError:
            return _page(
                "Spotify is not linked",
                "Spotify did not answer as expected; please try again in a few minutes.",
                502,
            )
        if on_linked is not None:
            await run_in_threadpool(on_linked, linked)
        name = f" ({linked.display_name})" if linked.display_name else ""
        return _page(
            "Spotify is linked",
            f"Moodwave will make your playlists in your own Spotify account{name}. "
            "You can close this tab.",
            200,
        )

    return [Route(path, spotify_callback, methods=["GET"])]


def callback_app(
    accounts: SpotifyAccounts,
    on_linked: Callable[[LinkedAccount], None] | None = None,
    path: str = DEFAULT_PATH,
) -> Starlette:
    return Starlette(routes=callback_routes(accounts, on_linked, path))


def _page(title: str, message: str, status: int) -> HTMLResponse:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status)
