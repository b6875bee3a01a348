"""The bot's side of the HTTP inference worker, and the fallback that keeps the bot answering.

`RemoteMoodEstimator` calls `POST /v1/va` with a timeout and a couple of quick retries on connection
errors and 5xx answers. `FallbackMoodEstimator` puts it in front of the in-process model: when the
worker cannot be reached, the message is analysed locally instead, the logs say so (once per outage,
not per message), and the user never notices. A `CircuitBreaker` keeps a hung worker from costing
every message its timeouts: after a failure, calls go straight to the local model for a cool-down
(30 s by default), then one call probes the worker again, and its success closes the breaker. `RemoteVoiceAnalyzer` sends a voice note to
`POST /v1/voice` and raises the worker's `VoiceRejected` again, so the user gets the same message as
in process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import httpx

from nlp.mood import LanguageAwareEstimator, Mood, MoodEstimator
from nlp.voice.rejected import RejectReason, VoiceRejected

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceAnalysis, VoiceReading

log = logging.getLogger(__name__)


class WorkerUnavailable(RuntimeError):
    """The worker did not answer usefully within the timeout and retries."""


def worker_client(
    timeout: float, transport: httpx.BaseTransport | None, token: str | None
) -> httpx.Client:
    """An HTTP client for the worker: its timeouts, and its bearer token when one is set."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
        transport=transport,
        headers={"Authorization": f"Bearer {token}"} if token else None,
    )


class CircuitBreaker:
    """Closed: calls go to the worker. Open (after a failure): they do not, until `cooldown`
    seconds have passed; then one call at a time probes it, and a success closes the breaker
    again while a failure opens it for another cool-down."""

    def __init__(self, cooldown: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = cooldown
        self._clock = clock
        self._open_until: float | None = None
        self._probing = False
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self._open_until is not None

    def allow(self) -> bool:
        """Whether this call may go to the worker (and if the breaker is open, be its probe)."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._probing or self._clock() < self._open_until:
                return False
            self._probing = True
            return True

    def succeeded(self) -> bool:
        """Closes the breaker; True when it was open (the worker is back)."""
        with self._lock:
            was_open = self._open_until is not None
            self._open_until, self._probing = None, False
            return was_open

    def failed(self) -> bool:
        """Opens the breaker for a cool-down; True when it was closed (a new outage)."""
        with self._lock:
            was_closed = self._open_until is None
            self._open_until, self._probing = self._clock() + self.cooldown, False
            return was_closed


class RemoteMoodEstimator:
    def __init__(
        self,
        url: str,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.1,
        transport: httpx.BaseTransport | None = None,
        token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._client = worker_client(timeout, transport, token)
        self._version = "remote"

    @property
    def version(self) -> str:
        return self._version

    def estimate(self, text: str) -> Mood:
        return self.estimate_many([text])[0]

    def estimate_in(self, text: str, language: str | None) -> Mood:
        return self.estimate_many_in([text], language)[0]

    def estimate_many(self, texts: Sequence[str]) -> list[Mood]:
        return self.estimate_many_in(texts, None)

    def estimate_many_in(self, texts: Sequence[str], language: str | None) -> list[Mood]:
        """The worker's moods; `language` travels as the request's hint (omitted when None). A
        worker from before languages answers without them: English, its one model's version."""
        payload: dict[str, object] = {"texts": list(texts)}
        if language is not None:
            payload["language"] = language
        body = self._post(payload)
        self._version = str(body.get("model_version", "remote"))
        moods = body.get("moods")
        if not isinstance(moods, list) or len(moods) != len(texts):
            raise WorkerUnavailable("the worker answered with the wrong number of moods")
        return [
            Mood(
                float(m["valence"]),
                float(m["arousal"]),
                float(m["confidence"]),
                "text",
                str(m.get("model_version") or self._version),
                bool(m.get("truncated", False)),
                str(m.get("language") or "en"),
            )
            for m in moods
        ]

    def healthy(self) -> bool:
        try:
            return self._client.get(f"{self.url}/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    def _post(self, payload: dict[str, object]) -> dict[str, object]:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self._client.post(f"{self.url}/v1/va", json=payload)
            except httpx.HTTPError as exc:
                last = exc
                continue
            if response.status_code >= 500:
                last = WorkerUnavailable(f"worker answered {response.status_code}")
                continue
            if response.status_code != 200:
                raise WorkerUnavailable(f"worker refused the request: {response.status_code}")
            body = response.json()
            if not isinstance(body, dict):
                raise WorkerUnavailable("the worker's answer is not a JSON object")
            return body
        raise WorkerUnavailable(f"no answer from {self.url} ({last})")

    def close(self) -> None:
        self._client.close()


class FallbackMoodEstimator:
    """The remote worker first; the local model (built on first need) when it is unreachable."""

    def __init__(
        self,
        primary: RemoteMoodEstimator,
        local: Callable[[], MoodEstimator],
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.primary = primary
        self._make_local = local
        self._local: MoodEstimator | None = None
        self._lock = threading.Lock()
        self.breaker = breaker or CircuitBreaker()

    @property
    def version(self) -> str:
        """The version of whichever model answers now: the in-process one while the worker is
        down, so that it matches the moods' `model_version`."""
        local = self._local
        return local.version if self.breaker.open and local is not None else self.primary.version

    def estimate(self, text: str) -> Mood:
        return self.estimate_many([text])[0]

    def estimate_in(self, text: str, language: str | None) -> Mood:
        return self.estimate_many_in([text], language)[0]

    def estimate_many(self, texts: Sequence[str]) -> list[Mood]:
        return self.estimate_many_in(texts, None)

    def estimate_many_in(self, texts: Sequence[str], language: str | None) -> list[Mood]:
        """The worker's moods (`language`: the hint it gets); the local model's when it is down,
        read in `language` where the local estimator reads several languages."""
        if not self.breaker.allow():
            return self._local_moods(texts, language)
        try:
            moods = self.primary.estimate_many_in(texts, language)
        except (WorkerUnavailable, httpx.HTTPError, KeyError, ValueError) as exc:
            if self.breaker.failed():
                log.warning(
                    "inference worker %s unreachable (%s); using the in-process model, trying the "
                    "worker again every %g s",
                    self.primary.url,
                    exc,
                    self.breaker.cooldown,
                )
            return self._local_moods(texts, language)
        if self.breaker.succeeded():
            log.warning("inference worker %s is back", self.primary.url)
        return moods

    def _local_moods(self, texts: Sequence[str], language: str | None) -> list[Mood]:
        local = self.local()
        if language is not None and isinstance(local, LanguageAwareEstimator):
            return [local.estimate_in(text, language) for text in texts]
        return local.estimate_many(list(texts))

    def local(self) -> MoodEstimator:
        with self._lock:
            if self._local is None:
                self._local = self._make_local()
            return self._local


class RemoteVoiceAnalyzer:
    """`VoiceAnalysis` over HTTP. Only connection failures are retried (once): a note that reached
    the worker is not sent twice, since its analysis costs about a second of the worker's time."""

    def __init__(
        self,
        url: str,
        timeout: float = 30.0,
        retries: int = 1,
        transport: httpx.BaseTransport | None = None,
        token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.retries = retries
        self._client = worker_client(timeout, transport, token)

    def analyse(
        self, audio: bytes, mime_type: str = "audio/ogg", language: str | None = None
    ) -> VoiceReading:
        from nlp.voice.analyzer import VoiceReading  # librosa loads only when voice is used

        response = self._post(audio, mime_type, language)
        try:
            body = response.json()
        except ValueError:  # a proxy's HTML error page, say
            body = None
        if response.status_code == 200 and isinstance(body, dict):
            return VoiceReading.from_dict(body)
        if 400 <= response.status_code < 500 and isinstance(body, dict) and "reason" in body:
            raise VoiceRejected(RejectReason(body["reason"]), str(body["error"]))
        raise WorkerUnavailable(f"the worker answered {response.status_code} to a voice note")

    def _post(self, audio: bytes, mime_type: str, language: str | None) -> httpx.Response:
        last: Exception | None = None
        params = {"language": language} if language else None
        for _ in range(self.retries + 1):
            try:
                return self._client.post(
                    f"{self.url}/v1/voice",
                    content=audio,
                    headers={"content-type": mime_type},
                    params=params,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = exc
            except httpx.HTTPError as exc:
                raise WorkerUnavailable(f"voice note to {self.url} failed: {exc!r}") from exc
        raise WorkerUnavailable(f"no answer from {self.url} ({last})")

    def close(self) -> None:
        self._client.close()


class FallbackVoiceAnalyzer:
    """The worker's voice analysis first; the in-process analyzer (built on first need) when the
    worker is unreachable. A note the worker rejected (`VoiceRejected`) is not retried locally."""

    def __init__(
        self,
        primary: RemoteVoiceAnalyzer,
        local: Callable[[], VoiceAnalysis],
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.primary = primary
        self._make_local = local
        self._local: VoiceAnalysis | None = None
        self._lock = threading.Lock()
        self.breaker = breaker or CircuitBreaker()

    def analyse(
        self, audio: bytes, mime_type: str = "audio/ogg", language: str | None = None
    ) -> VoiceReading:
        if not self.breaker.allow():
            return self.local().analyse(audio, mime_type, language)
        try:
            reading = self.primary.analyse(audio, mime_type, language)
        except VoiceRejected:
            self.breaker.succeeded()  # the worker answered: it is up
            raise
        except WorkerUnavailable as exc:
            if self.breaker.failed():
                log.warning(
                    "voice worker %s unreachable (%s); analysing in process, trying the worker "
                    "again every %g s",
                    self.primary.url,
                    exc,
                    self.breaker.cooldown,
                )
            return self.local().analyse(audio, mime_type, language)
        if self.breaker.succeeded():
            log.warning("voice worker %s is back", self.primary.url)
        return reading

    def local(self) -> VoiceAnalysis:
        with self._lock:
            if self._local is None:
                self._local = self._make_local()
            return self._local
