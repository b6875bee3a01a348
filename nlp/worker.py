"""The inference worker as an HTTP service (`moodwave worker`): the same analysis as in process,
reached by the bot through `MOODWAVE_WORKER_URL`.

API: `POST /v1/va` with `{"texts": [...]}` answers `{"model_version": ..., "moods": [{"valence",
"arousal", "confidence", "truncated"}, ...]}` in the order given; `GET /healthz`; `GET /metrics` in
Prometheus text format (queue depth, batch sizes, latencies, texts analysed). Requests wait on the
batching engine without blocking the event loop, so concurrent callers share batches.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nlp.analysis import ModelMoodEstimator

MAX_TEXTS = 256
MAX_TEXT_CHARS = 20_000  # beyond any model window; bounds tokenising cost


def create_app(estimator: ModelMoodEstimator) -> Starlette:
    async def va(request: Request) -> Response:
        try:
            body: Any = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, 'the body must be JSON: {"texts": ["..."]}')
        texts = body.get("texts") if isinstance(body, dict) else None
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return _error(400, '"texts" must be a list of strings')
        if len(texts) > MAX_TEXTS:
            return _error(413, f"at most {MAX_TEXTS} texts per request")
        clipped = [t[:MAX_TEXT_CHARS] for t in texts]
        moods = await asyncio.to_thread(estimator.estimate_many, clipped)
        return JSONResponse(
            {
                "model_version": estimator.version,
                "moods": [
                    {
                        "valence": m.valence,
                        "arousal": m.arousal,
                        "confidence": m.confidence,
                        "truncated": m.truncated or len(t) > MAX_TEXT_CHARS,
                    }
                    for m, t in zip(moods, texts, strict=True)
                ],
            }
        )

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "model_version": estimator.version})

    async def metrics(_request: Request) -> Response:
        return Response(
            generate_latest(estimator.engine.metrics.registry), media_type=CONTENT_TYPE_LATEST
        )

    return Starlette(
        routes=[
            Route("/v1/va", va, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def serve(estimator: ModelMoodEstimator, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(estimator), host=host, port=port, log_level="info", access_log=False)
