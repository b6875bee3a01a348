"""A person's own Spotify account through the conversation, with the real spotipy against the fake
Spotify and the real callback page: the link is sent only in private chats, works once and for the
person it was made for, and the playlists it makes are private and named without the mood unless
the person chose so (or the operator made them public)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.app import spotify_config
from bot.core import replies
from bot.core.events import ChatKind, Command, TextMessage
from bot.settings import Settings
from recommender.publishing import PlaylistDraft
from recommender.spotify import SpotifyConfig, SpotifyServices, build_spotify, callback_app
from recommender.spotify.oauth import parse_redirect
from tests.bot.conftest import Harness
from tests.fakes.spotify import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FakeSpotify

SECRET_KEY = "test-secret-key-0123456789abcdef"


@pytest.fixture
def fake(harness: Harness) -> Iterator[FakeSpotify]:
    with FakeSpotify() as server:
        for name in ("ann-spotify", "bea-spotify", "moodwave-bot"):
            server.add_user(name, name)
        for song in harness.conversation.playlists.catalog.songs:
            if song.spotify_id:
                server.add_track(song.name, song.artist, song.spotify_id)
        yield server
        server.assert_no_violations()


def services(harness: Harness, fake: FakeSpotify, public: bool = False) -> SpotifyServices:
    config = SpotifyConfig(
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT_URI,
        SECRET_KEY,
        api_url=fake.api_url,
        accounts_url=fake.accounts_url,
        public_playlists=public,
    )
    built = build_spotify(config, harness.store.spotify_tables())
    harness.rebuild(publisher=built.publisher, spotify_accounts=built.accounts)
    return built


def open_in_browser(spotify: SpotifyServices, fake: FakeSpotify, link: str, who: str) -> str:
    """`who` opens the link, agrees on Spotify, and lands on Moodwave's callback page."""
    redirect = fake.approve(link, who)
    client = TestClient(callback_app(spotify.accounts))
    page = client.get(redirect.replace(REDIRECT_URI, "http://testserver/spotify/callback"))
    return f"{page.status_code} {page.text}"


def test_a_link_is_private_single_use_and_the_playlists_private_and_plain(
    harness: Harness, fake: FakeSpotify
) -> None:
    spotify = services(harness, fake)
    try:
        (in_group,) = harness.send(
            Command("spotify", ("link",)), user="ann", chat="lunch", kind=ChatKind.GROUP
        )
        assert in_group.link is None and in_group.text == replies.SPOTIFY_LINK_IN_PRIVATE

        (first,) = harness.send(Command("spotify", ("link",)), user="ann")
        (second,) = harness.send(Command("spotify", ("link",)), user="ann")
        assert first.link and second.link and first.link != second.link
        # An older link was replaced; the newest works once, for Ann's account only.
        assert "a newer one replaced it" in open_in_browser(
            spotify, fake, first.link, "bea-spotify"
        )
        assert open_in_browser(spotify, fake, second.link, "ann-spotify").startswith("200")
        replayed = open_in_browser(spotify, fake, second.link, "bea-spotify")
        assert replayed.startswith("400") and "already used" in replayed
        ann = harness.store.get_or_create_user("test", "ann").id
        assert ann is not None
        linked = spotify.accounts.vault.linked_account(ann)
        assert linked is not None and linked.spotify_user_id == "ann-spotify"

        harness.send(TextMessage("sad and lonely tonight"), user="ann")
        (plain,) = fake.playlists_of("ann-spotify")
        assert not plain.public
        assert plain.name == f"Moodwave, {harness.clock.now:%d %b}"
        assert plain.description == replies.PLAIN_DESCRIPTION

        (chosen,) = harness.send(Command("spotify", ("titles", "mood")), user="ann")
        assert chosen.text == replies.spotify_titles_set(True)
        harness.send(TextMessage("sad and lonely tonight"), user="ann")
        (titled,) = [p for p in fake.playlists_of("ann-spotify") if p.id != plain.id]
        assert "from '" in titled.name and "valence" in titled.description
        assert not titled.public
    finally:
        spotify.close()


def test_the_operator_setting_makes_playlists_public(
    harness: Harness, fake: FakeSpotify, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in [k for k in os.environ if k.startswith("MOODWAVE_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("MOODWAVE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MOODWAVE_SPOTIFY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MOODWAVE_SPOTIFY_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("MOODWAVE_SECRET_KEY", SECRET_KEY)
    default = spotify_config(Settings())
    assert default is not None and default.public_playlists is False
    monkeypatch.setenv("MOODWAVE_SPOTIFY_PUBLIC_PLAYLISTS", "true")
    chosen = spotify_config(Settings())
    assert chosen is not None and chosen.public_playlists is True

    spotify = services(harness, fake, public=chosen.public_playlists)
    try:
        code, state = parse_redirect(fake.approve(spotify.accounts.bot_login_url(), "moodwave-bot"))
        spotify.accounts.complete_bot_login(code, state)
        songs = tuple(s for s in harness.conversation.playlists.catalog.songs[:3])
        spotify.publisher.publish(PlaylistDraft("Moodwave, 22 Nov", "", songs))
        (playlist,) = fake.playlists_of("moodwave-bot")
        assert playlist.public
    finally:
        spotify.close()
