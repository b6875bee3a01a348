"""A voice note that could not be read, told in the person's language. The voice path (`nlp.voice`)
refuses a note with a reason code and a detailed English message (the file's size, the limit, the
language it heard); an English reader gets that message as it is, anyone else the same refusal in
their language from the catalogues, with what to do next but without the English-only details."""

from __future__ import annotations

from bot.core import languages
from bot.core.languages import N_, _
from nlp.voice import RejectReason, VoiceRejected

REFUSALS = {
    RejectReason.EMPTY: N_("Your voice note is empty. Record it again, or just type how you feel."),
    RejectReason.SILENT: N_(
        "I couldn't hear anyone speaking in your voice note. Try again a little closer to the "
        "microphone, or just type how you feel."
    ),
    RejectReason.CORRUPT: N_(
        "I couldn't play that file; it seems damaged or incomplete. Send it again, or just type "
        "how you feel."
    ),
    RejectReason.UNSUPPORTED_FORMAT: N_(
        "I can't listen to that kind of file. Send a voice message, or just type how you feel."
    ),
    RejectReason.TOO_LONG: N_(
        "Your voice note is longer than I can listen to. Send a shorter one, or just type how you "
        "feel."
    ),
    RejectReason.TOO_LARGE: N_(
        "That file is too big for me. Send a shorter voice note, or just type how you feel."
    ),
    RejectReason.LANGUAGE: N_(
        "I couldn't make out words in a language I read in your voice note. Please say it again, "
        "or just type how you feel."
    ),
}


def voice_refused(rejected: VoiceRejected) -> str:
    if languages.current() == languages.DEFAULT:
        return rejected.message
    return _(REFUSALS[rejected.reason])
