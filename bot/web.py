"""The bot's web app (ASGI, Starlette): Telegram's webhook endpoint, Spotify's account-linking
callback (mounted by `bot.serve` when Spotify is set up), `/healthz` (the process is alive),
`/readyz` (200 when every check passes, else 503 naming the failed ones) and Prometheus `/metrics`.

Telegram signs each webhook call with the secret token given to `setWebhook`; a request without the
right `X-Telegram-Bot-Api-Secret-Token` header is refused before anything is parsed.

The webhook answers only once the update is handled (its replies sent), through the adapter's
per-chat ordered processor. Telegram delivers an update until it gets a 2xx answer, and sends a
chat's next update only after that, so a replica killed mid-update loses nothing: the update comes
again, to this or another replica behind the load balancer. Duplicates are kept out by the update
claim in the database (`storage.updates`): a redelivery of a handled update is dropped and answered
200; one that another replica is still handling (or died handling, until its lease lapses) is
answered 503 with Retry-After, so Telegram tries again and, after the lease, this replica takes it
over.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"


UpdateState = Callable[[str], str]


def telegram_webhook_routes(
    telegram: Application[Any, Any, Any, Any, Any, Any],
    secret: str,
    update_state: UpdateState | None = None,
    retry_after_s: int = 5,
) -> list[BaseRoute]:
    """`update_state(update_id)` says where the update's claim stands after this replica handled
    it ("busy" or "stale": another replica holds it, so Telegram is asked to retry; "retry": this
    replica could not handle it now and handed it back, so it is asked to retry too)."""

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"error": "the body must be a JSON Update"}, status_code=400)
        update = Update.de_json(data, telegram.bot)
        await telegram.update_processor.process_update(update, telegram.process_update(update))
        if update_state is not None:
            state = await asyncio.to_thread(update_state, str(update.update_id))
            if state == "retry":
                return JSONResponse(
                    {"error": "this update could not be handled now"},
                    status_code=503,
                    headers={"Retry-After": str(retry_after_s)},
                )
            if state in ("busy", "stale"):
                log.info("update %s is held by another replica: retry later", update.update_id)
                return JSONResponse(
                    {"error": "this update is being handled by another replica"},
                    status_code=503,
                    headers={"Retry-After": str(retry_after_s)},
                )
        return Response(status_code=200)

    return [Route(WEBHOOK_PATH, webhook, methods=["POST"])]


def web_app(
    routes: list[BaseRoute],
    ready: Callable[[], dict[str, bool]] | None = None,
    metrics: Callable[[], bytes] | None = None,
) -> Starlette:
    """The web app with the given routes and the health checks. `ready` names each readiness check
    and whether it passes; `metrics` gives the Prometheus text. Both may block (a database ping,
    the core process's answer): they run in a worker thread."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        checks = await asyncio.to_thread(ready) if ready is not None else {}
        failing = sorted(name for name, passed in checks.items() if not passed)
        return JSONResponse(
            {"status": "not ready" if failing else "ready", "checks": checks, "failing": failing},
            status_code=503 if failing else 200,
        )

    async def metrics_text(_request: Request) -> Response:
        body = await asyncio.to_thread(metrics) if metrics is not None else b""
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            *routes,
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_text, methods=["GET"]),
        ]
    )
