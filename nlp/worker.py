"""The inference worker as an HTTP service (`moodwave worker`): the same analysis as in process,
reached by the bot through `MOODWAVE_WORKER_URL`.

API: `POST /v1/va` with `{"texts": [...]}` answers `{"model_version": ..., "moods": [{"valence",
"arousal", "confidence", "truncated", "language", "model_version"}, ...]}` in the order given; an
optional `"language"` in the request (an ISO 639-1 code such as "es") is the caller's hint for
every text: where the worker reads several languages (`nlp.router`), a text is read in that
language unless the identifier is sure it is in another. Each mood names the language it was read
as and the model that read it; `GET /healthz`; `GET /metrics` in
Prometheus text format (queue depth, batch sizes, latencies, texts analysed). Requests wait on the
batching engine without blocking the event loop, so concurrent callers share batches.
`POST /v1/voice` (when the worker has a `VoiceAnalyzer`) takes a voice note as the raw body with its
Content-Type, or as the file of a multipart form, and answers a `VoiceReading` as JSON; a note that
cannot be read answers 4xx `{"error": message for the person, "reason": code}`. `?language=xx`
(the person's chosen language) helps a multilingual Whisper that is unsure which language it hears.

With a token (`MOODWAVE_WORKER_TOKEN`), every route but `/healthz` wants `Authorization: Bearer
<token>` and answers 401 without it. Bodies are read with a byte cap however they are framed
(Content-Length or chunked): past it the answer is 413 and the rest is not read.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nlp.model_estimator import ModelMoodEstimator
from nlp.mood import Mood
from nlp.router import LanguageRouter
from nlp.voice.decode import MAX_AUDIO_BYTES
from nlp.voice.rejected import RejectReason, VoiceRejected

if TYPE_CHECKING:  # the voice models (librosa, whisper) load only where voice is configured
    from nlp.voice.analyzer import VoiceAnalysis

MAX_TEXTS = 256
MAX_TEXT_CHARS = 20_000  # beyond any model window; bounds tokenising cost
# The bytes of a `/v1/va` body: MAX_TEXTS texts of MAX_TEXT_CHARS characters, with room for JSON.
MAX_VA_BYTES = 6_000_000
MAX_VOICE_BYTES = MAX_AUDIO_BYTES + 1_000_000  # the note and a multipart form's framing
OPEN_PATHS = frozenset({"/healthz"})  # answered without the token (load balancers' health checks)


VOICE_STATUS = {RejectReason.TOO_LARGE: 413, RejectReason.UNSUPPORTED_FORMAT: 415}


# Texts and the caller's language hint (None: detect) to their moods.
Analyse = Callable[[list[str], str | None], Awaitable[list[Mood]]]
MAX_LANGUAGE_CHARS = 16


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, read chunk by chunk; `BodyTooLarge` as soon as it passes `limit` bytes
    (a Content-Length above it is refused before anything is read)."""
    if int(request.headers.get("content-length") or 0) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class RequireToken:
    """ASGI middleware: `Authorization: Bearer <token>` on every HTTP route but `OPEN_PATHS`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in OPEN_PATHS:
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                response = JSONResponse(
                    {"error": "this worker wants Authorization: Bearer <MOODWAVE_WORKER_TOKEN>"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(
    estimator: ModelMoodEstimator | LanguageRouter,
    voice: VoiceAnalysis | None = None,
    token: str | None = None,
) -> Starlette:
    """The worker's routes over `estimator`: one model, or the language router (English model and
    multilingual model; /metrics then shows the English model's engine)."""

    async def analyse(texts: list[str], language: str | None) -> list[Mood]:
        if isinstance(estimator, LanguageRouter):
            return await asyncio.to_thread(estimator.estimate_many_in, texts, language)
        return await asyncio.to_thread(estimator.estimate_many, texts)

    english = estimator.english if isinstance(estimator, LanguageRouter) else estimator
    registry = english.engine.metrics.registry if isinstance(english, ModelMoodEstimator) else None

    async def metrics(_request: Request) -> Response:
        if registry is None:
            return Response("", media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            *va_routes(analyse, lambda: estimator.version),
            Route("/v1/voice", _voice_endpoint(voice), methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        middleware=[Middleware(RequireToken, token=token)] if token else [],
    )


def va_routes(analyse: Analyse, version: Callable[[], str]) -> list[Route]:
    """`POST /v1/va` and `GET /healthz` over any analysis: this worker's batching engine, or the
    Ray Serve deployment's `@serve.batch` (deploy/ray_serve_app.py), so both speak one API."""

    async def va(request: Request) -> Response:
        try:
            body: Any = json.loads(await read_body(request, MAX_VA_BYTES))
        except BodyTooLarge:
            return _error(413, f"at most {MAX_VA_BYTES // 1_000_000} MB per request")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, 'the body must be JSON: {"texts": ["..."]}')
        texts = body.get("texts") if isinstance(body, dict) else None
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return _error(400, '"texts" must be a list of strings')
        if len(texts) > MAX_TEXTS:
            return _error(413, f"at most {MAX_TEXTS} texts per request")
        language = body.get("language")
        if language is not None and (
            not isinstance(language, str) or len(language) > MAX_LANGUAGE_CHARS
        ):
            return _error(400, '"language" must be a language code such as "es", or null')
        moods = await analyse([t[:MAX_TEXT_CHARS] for t in texts], language or None)
        return JSONResponse(
            {
                "model_version": version(),
                "moods": [
                    {
                        "valence": m.valence,
                        "arousal": m.arousal,
                        "confidence": m.confidence,
                        "truncated": m.truncated or len(t) > MAX_TEXT_CHARS,
                        "language": m.language,
                        "model_version": m.model_version,
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
        try:
            audio, mime_type = await _audio_of(request)
        except BodyTooLarge:
            return _error(413, f"at most {MAX_AUDIO_BYTES // 1_000_000} MB of audio")
        try:
            language = request.query_params.get("language") or None
            reading = await asyncio.to_thread(voice.analyse, audio, mime_type, language)
        except VoiceRejected as exc:
            status = VOICE_STATUS.get(exc.reason, 422)
            return JSONResponse({"error": exc.message, "reason": exc.reason}, status_code=status)
        return JSONResponse(reading.to_dict())

    return analyse_voice


async def _audio_of(request: Request) -> tuple[bytes, str]:
    """The note and its MIME type: the first file of a multipart form, or else the raw body. The
    body is read (capped) before the form is parsed, so no framing gets past the cap."""
    content_type = request.headers.get("content-type", "application/octet-stream")
    body = await read_body(request, MAX_VOICE_BYTES)
    if content_type.startswith("multipart/form-data"):
        form_request = Request(request.scope, _replay(body))
        async with form_request.form(max_part_size=MAX_AUDIO_BYTES + 1) as form:
            for value in form.values():
                if not isinstance(value, str):
                    return await value.read(), value.content_type or "application/octet-stream"
        return b"", "application/octet-stream"
    return body, content_type


def _replay(body: bytes) -> Receive:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def serve(
    estimator: ModelMoodEstimator | LanguageRouter,
    host: str,
    port: int,
    voice: VoiceAnalysis | None = None,
    token: str | None = None,
) -> None:
    import uvicorn

    uvicorn.run(
        create_app(estimator, voice, token),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
    )
