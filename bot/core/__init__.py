"""The conversation core: platform-agnostic, one `Incoming` event in, `Outgoing` replies out.

Its modules, by job (import them by their full path; this package re-exports nothing, so that an
adapter importing `bot.core.events` loads no model or ranker code):

- `events`: `Incoming`, `Outgoing` and their parts, the `Core` protocol, `Send`, button actions;
- `conversation`: `Conversation`, the dispatcher (a table of command handlers), and
  `ConversationRules`;
- `people`: `Person` and `Room`, the plain values the parts work on;
- `playlists`: `Playlists` (songs for a mood: treatment, ranking, stored, published, replied);
- `checkin_answers`: `CheckInAnswers` (answers in words or on the SAM scales, and the reward);
- `preferences`: `Preferences` (/mode, /privacy, /checkin, /spotify, /forget), `parse_delay`;
- `reactions`: `Reactions` (like, dislike, skip, played) and `REACTION_COMMANDS`;
- `mixes`: `GroupMixes` (a group's shared playlist);
- `moods`: `record_mood`, `mood_of`; `study`: `StudyArms`, `Treatment`, `SamPress`;
- `catalog`: `CatalogSnapshot`; `replies`: every word the bot says.
"""
