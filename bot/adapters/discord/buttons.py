"""The buttons under a Discord reply, laid out within Discord's 5 rows of 5: a 👍 and a 👎 row per
five songs (the first 10 songs), then the reply's own buttons and the playlist link."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.events import Outgoing, ReactionKind, reaction_action

MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
# Two rows (👍 and 👎) per five songs, leaving the last row for the reply's own buttons.
SONG_ROWS = MAX_ROWS - 1
SONGS_WITH_BUTTONS = SONG_ROWS // 2 * MAX_ROW_BUTTONS
REACTION_EMOJI = ((ReactionKind.LIKE, "👍"), (ReactionKind.DISLIKE, "👎"))
PLAYLIST_LINK_LABEL = "Open the playlist"


@dataclass(frozen=True)
class ButtonSpec:
    """One button to render: an action for the core, or a link."""

    label: str
    action: str | None = None
    url: str | None = None
    emoji: str | None = None


def button_rows(out: Outgoing) -> list[list[ButtonSpec]]:
    """The reply's buttons within Discord's 5 rows of 5: 👍/👎 rows for the first 10 songs, then
    the reply's own buttons and the playlist link in the rows left (packed densely, the link
    kept first, when they do not fit as given)."""
    songs = out.entries[:SONGS_WITH_BUTTONS]
    rows: list[list[ButtonSpec]] = []
    for start in range(0, len(songs), MAX_ROW_BUTTONS):
        group = songs[start : start + MAX_ROW_BUTTONS]
        for kind, emoji in REACTION_EMOJI:
            rows.append(
                [
                    ButtonSpec(str(e.position), reaction_action(e.item_id, kind), emoji=emoji)
                    for e in group
                ]
            )
    return rows + _own_rows(out, MAX_ROWS - len(rows))


def _own_rows(out: Outgoing, room: int) -> list[list[ButtonSpec]]:
    seen: set[str] = set()  # Discord refuses two buttons with one custom id in a message
    rows: list[list[ButtonSpec]] = []
    for row in out.buttons:
        specs = [ButtonSpec(b.label, b.action) for b in row if b.action not in seen]
        seen.update(b.action for b in row)
        rows += [specs[i : i + MAX_ROW_BUTTONS] for i in range(0, len(specs), MAX_ROW_BUTTONS)]
    link = ButtonSpec(PLAYLIST_LINK_LABEL, url=out.link) if out.link else None
    if link is not None:
        if rows and len(rows[-1]) < MAX_ROW_BUTTONS:
            rows[-1].append(link)
        else:
            rows.append([link])
    if len(rows) <= room:
        return rows
    flat = [b for row in rows for b in row if b is not link]
    flat = ([link] if link else []) + flat
    flat = flat[: room * MAX_ROW_BUTTONS]
    return [flat[i : i + MAX_ROW_BUTTONS] for i in range(0, len(flat), MAX_ROW_BUTTONS)]
