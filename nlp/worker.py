"""The inference worker as an HTTP service (`moodwave worker`): the same analysis as in process,
reached by the bot through `MOODWAVE_WORKER_URL`.

API: `POST /v1/va` with `{"texts": [...]}` answers `{"model_version": ..., "moods": [{"valence",
"arousal", "confidence", "truncated"}, ...]}` in the order given; `GET /healthz`; `GET /metrics` in
Prometheus text format (queue depth, batch sizes, latencies, texts analysed). Requests wait on the
batching engine without blocking the event loop, so concurrent callers share batches.
`POST /v1/voice` (when the worker has a `VoiceAnalyzer`) takes a voice note as the raw body with its
Content-Type, or as the file of a multipart form, and answers a `VoiceReading` as JSON; a note that
cannot be read answers 4xx `{"error": message for the person, "reason": code}`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nlp.model_estimator import ModelMoodEstimator
from nlp.mood import Mood
from nlp.voice.decode import MAX_AUDIO_BYTES
from nlp.voice.rejected import RejectReason, VoiceRejected

if TYPE_CHECKING:  # the voice models (librosa, whisper) load only where voice is configured
    from nlp.voice.analyzer import VoiceAnalysis

MAX_TEXTS = 256
MAX_TEXT_CHARS = 20_000  # beyond any model window; bounds tokenising cost


VOICE_STATUS = {RejectReason.TOO_LARGE: 413, RejectReason.UNSUPPORTED_FORMAT: 415}


Analyse = Callable[[list[str]], Awaitable[list[Mood]]]


def create_app(estimator: ModelMoodEstimator, voice: VoiceAnalysis | None = None) -> Starlette:
    async def analyse(texts: list[str]) -> list[Mood]:
        return await asyncio.to_thread(estimator.estimate_many, texts)

    async def metrics(_request: Request) -> Response:
        return Response(
            generate_latest(estimator.engine.metrics.registry), media_type=CONTENT_TYPE_LATEST
        )

    return Starlette(
        routes=[
            *va_routes(analyse, lambda: estimator.version),
            Route("/v1/voice", _voice_endpoint(voice), methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )


def va_routes(analyse: Analyse, version: Callable[[], str]) -> list[Route]:
    """`POST /v1/va` and `GET /healthz` over any analysis: this worker's batching engine, or the
    Ray Serve deployment's `@serve.batch` (deploy/ray_serve_app.py), so both speak one API."""

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
        moods = await analyse([t[:MAX_TEXT_CHARS] for t in texts])
        return JSONResponse(
            {
                "model_version": version(),
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
        return JSONResponse({"status": "ok", "model_version": version()})

    return [Route("/v1/va", va, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]


def _voice_endpoint(voice: VoiceAnalysis | None) -> Callable[[Request], Awaitable[Response]]:
    async def analyse_voice(request: Request) -> Response:
        if voice is None:
            return _error(404, "this worker does not analyse voice notes")
        if int(request.headers.get("content-length") or 0) > MAX_AUDIO_BYTES + 1_000_000:
            return _error(413, f"at most {MAX_AUDIO_BYTES // 1_000_000} MB of audio")
        audio, mime_type = await _audio_of(request)
        try:
            reading = await asyncio.to_thread(voice.analyse, audio, mime_type)
        except VoiceRejected as exc:
            status = VOICE_STATUS.get(exc.reason, 422)
            return JSONResponse({"error": exc.message, "reason": exc.reason}, status_code=status)
        return JSONResponse(reading.to_dict())

    return analyse_voice


async def _audio_of(request: Request) -> tuple[bytes, str]:
    """The note and its MIME type: the first file of a multipart form, or else the raw body."""
    content_type = request.headers.get("content-type", "application/octet-stream")
    if content_type.startswith("multipart/form-data"):
        async with request.form(max_part_size=MAX_AUDIO_BYTES + 1) as form:
            for value in form.values():
                if not isinstance(value, str):
                    return await value.read(), value.content_type or "application/octet-stream"
        return b"", "application/octet-stream"
    return await request.body(), content_type


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def serve(
    estimator: ModelMoodEstimator, host: str, port: int, voice: VoiceAnalysis | None = None
) -> None:
    import uvicorn

    uvicorn.run(
        create_app(estimator, voice), host=host, port=port, log_level="info", access_log=False
    )
