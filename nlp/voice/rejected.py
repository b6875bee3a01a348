"""Why a voice note could not be read, as one exception with a reason code and a message written for
the person who sent the note. Every stage of the voice path (decoding, silence trimming, speech to
text) raises `VoiceRejected`; the conversation core shows `message` as it is, the HTTP worker sends
`reason` and `message` back as JSON, and the remote client raises the same exception again, so a
voice note is refused with the same words in process and over HTTP.
"""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    EMPTY = "empty"
    SILENT = "silent"
    CORRUPT = "corrupt"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_LONG = "too_long"
    TOO_LARGE = "too_large"
    LANGUAGE = "language"


class VoiceRejected(ValueError):
    """A voice note that cannot be read; `message` is safe to show to the user as it is."""

    def __init__(self, reason: RejectReason | str, message: str) -> None:
        super().__init__(message)
        self.reason = RejectReason(reason)
        self.message = message

    def __reduce__(self) -> tuple[type[VoiceRejected], tuple[str, str]]:
        # Keeps the exception picklable (process pools, Ray) despite the two-argument constructor.
        return (type(self), (self.reason.value, self.message))
