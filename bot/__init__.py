"""The bot: the conversation core, the chat adapters, the check-in jobs, the wiring from settings
and the command line. It exports no names itself; its parts:

- `bot.core`: the platform-agnostic conversation (events in, replies out);
- `bot.adapters`: Telegram, Discord and the console, behind `bot.adapters.base.ChatAdapter`;
- `bot.app`: wiring (`build_app` turns `Settings` into a running `Moodwave`); `bot.settings`;
- `bot.serve`: `moodwave run` for the served platforms; `bot.core_host`, `bot.core_process`:
  where the core runs (this process or its own);
- `bot.checkins`: the check-in, group-mix and pruning jobs; `bot.notify`: notices to a chat;
- `bot.web`: the web app (Telegram's webhook, health); `bot.cli`: the `moodwave` command.
"""
