"""A terminal chat that drives the same conversation core (any `Core`) as Telegram and Discord.

A line that is the path of an audio file (OGG, MP3, M4A, WAV, FLAC) is sent as a voice note.
Lines are read from standard input whether or not it is a terminal, so a conversation can be scripted
(`moodwave chat < script.txt`); the chat ends cleanly at end of input or on /quit. Reactions are typed
as short commands (`like 3`, `dislike 3`, `skip 3`). Due check-ins are asked at start, after every
line, and by a background job while the chat waits for input.
"""

from __future__ import annotations

import getpass
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.checkins import CheckInJob
from bot.core.events import (
    ChatKind,
    ChatRef,
    Command,
    Core,
    Incoming,
    Outgoing,
    Payload,
    Send,
    TextMessage,
    UserRef,
    VoiceNote,
)
from bot.core.reactions import REACTION_COMMANDS

PLATFORM = "console"
QUIT = {"/quit", "/exit"}


AUDIO_TYPES = {
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
}


def parse_line(line: str) -> Payload:
    """A typed line as the event it stands for: a path to an audio file (a voice note), /command
    args, a reaction shortcut, or free text."""
    stripped = line.strip()
    voice = _voice_note(stripped.removeprefix("/voice ").strip().strip("'\""))
    if voice is not None:
        return voice
    if stripped.startswith("/") and len(stripped) > 1:
        name, *args = stripped[1:].split()
        return Command(name.lower(), tuple(args))
    words = stripped.split()
    if len(words) == 2 and words[0].lower() in REACTION_COMMANDS and words[1].isdigit():
        return Command(words[0].lower(), (words[1],))
    return TextMessage(line)


def _voice_note(candidate: str) -> VoiceNote | None:
    path = Path(candidate).expanduser()
    mime = AUDIO_TYPES.get(path.suffix.lower())
    if mime is None or not path.is_file():
        return None
    return VoiceNote(path.read_bytes(), mime)


def render(out: Outgoing) -> str:
    lines = [out.text]
    for entry in out.entries:
        lines.append(f"  {entry.position:>2}. {entry.title} - {entry.artist}")
        lines.append(f"      {entry.reason}")
        lines.append(f"      {entry.url}")
        if entry.video_url:
            lines.append(f"      video: {entry.video_url}")
    if out.entries:
        lines.append("  React with: like N, dislike N, skip N")
    if out.link:
        lines.append(f"  Playlist: {out.link}")
    for row in out.buttons:
        options = "   ".join(f"/{b.action.replace(':', ' ')} ({b.label})" for b in row)
        lines.append(f"  Options: {options}")
    return "\n".join(lines)


class ConsoleChat:
    """The console's adapter. It runs in the foreground (reading standard input) rather than being
    served by `bot.serve`; its check-in job is made for its one chat and delivers through it."""

    platform = PLATFORM

    def __init__(
        self,
        core: Core,
        make_job: Callable[[str, Send], CheckInJob],
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        user_name: str | None = None,
    ) -> None:
        self.core = core
        self.stdin = stdin
        self.stdout = stdout
        name = user_name or _login_name()
        self.user = UserRef(f"console:{name}", name)
        self.chat = ChatRef(f"console:{name}", ChatKind.PRIVATE, f"console chat of {name}")
        self._print_lock = threading.Lock()
        self.job = make_job(self.chat.external_id, self.deliver)

    def run(self, on_idle: Callable[[], None] | None = None) -> int:
        interactive = self.stdin.isatty()
        self._say("Moodwave console. Tell me how you feel; /help lists commands, /quit leaves.")
        self.job.run_once()
        while True:
            if interactive:
                self.stdout.write("you> ")
                self.stdout.flush()
            line = self.stdin.readline()
            if not line:  # end of input
                break
            line = line.rstrip("\n")
            if line.strip().lower() in QUIT:
                break
            self.send(parse_line(line))
            self.job.run_once()
            if on_idle is not None:
                on_idle()
        self._say("Bye for now.")
        return 0

    def send(self, payload: Payload) -> None:
        event = Incoming(PLATFORM, self.chat, self.user, payload)
        for out in self.core.handle(event):
            self._say(render(out))

    def deliver(self, _chat_external_id: str, out: Outgoing) -> None:
        """A reply from outside an update (a check-in), printed between the lines typed."""
        self._say(render(out))

    def _say(self, text: str) -> None:
        with self._print_lock:
            self.stdout.write(f"moodwave> {text}\n")
            self.stdout.flush()


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "you"
