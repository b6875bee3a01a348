"""The bot's web app (ASGI, Starlette): Telegram's webhook endpoint, Spotify's account-linking
callback (mounted by `bot.serve` when Spotify is set up) and a health check.

Telegram signs each webhook call with the secret token given to `setWebhook`; a request without the
right `X-Telegram-Bot-Api-Secret-Token` header is refused before anything is parsed. Several bot
replicas can sit behind one load balancer: a redelivered update is dropped by the core (the
processed-update table is shared through the database).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"


def telegram_webhook_routes(
    telegram: Application[Any, Any, Any, Any, Any, Any], secret: str
) -> list[BaseRoute]:
    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"error": "the body must be a JSON Update"}, status_code=400)
        update = Update.de_json(data, telegram.bot)
        await telegram.update_queue.put(update)
        return Response(status_code=200)

    return [Route(WEBHOOK_PATH, webhook, methods=["POST"])]


def web_app(routes: list[BaseRoute]) -> Starlette:
    """The web app with the given routes and a health check."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[*routes, Route("/healthz", healthz, methods=["GET"])])
