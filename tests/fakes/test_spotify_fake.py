"""The fake Spotify itself: its accounts service follows the documented grants, its API answers
conform to the OpenAPI description, and traffic outside the description is caught."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
import spotipy

from tests.fakes.spotify import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FakeSpotify

BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


@pytest.fixture
def fake() -> Iterator[FakeSpotify]:
    with FakeSpotify() as fake:
        fake.add_user("ada", "Ada")
        yield fake


def authorize_url(fake: FakeSpotify, **extra: str) -> str:
    query = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "playlist-modify-public",
        "state": "s1",
        **extra,
    }
    return f"{fake.accounts_url}/authorize?{urlencode(query)}"


def exchange(fake: FakeSpotify, code: str, redirect_uri: str = REDIRECT_URI) -> requests.Response:
    return requests.post(
        f"{fake.accounts_url}/api/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        headers={"Authorization": BASIC},
        timeout=5,
    )


def code_of(redirect: str) -> str:
    return dict(parse_qsl(urlsplit(redirect).query))["code"]


def test_authorization_code_grant_then_refresh_then_api(fake: FakeSpotify) -> None:
    redirect = fake.approve(authorize_url(fake))
    assert dict(parse_qsl(urlsplit(redirect).query))["state"] == "s1"
    granted = exchange(fake, code_of(redirect))
    assert granted.status_code == 200, granted.text
    tokens = granted.json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]

    refreshed = requests.post(
        f"{fake.accounts_url}/api/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers={"Authorization": BASIC},
        timeout=5,
    )
    assert refreshed.status_code == 200
    me = spotipy.Spotify(auth=refreshed.json()["access_token"], retries=0)
    me.prefix = fake.api_url + "/"
    assert me.me()["id"] == "ada"
    fake.assert_no_violations()


def test_browser_visit_to_authorize_redirects_with_a_code(fake: FakeSpotify) -> None:
    answer = requests.get(authorize_url(fake), allow_redirects=False, timeout=5)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(REDIRECT_URI + "?code=")


def test_codes_are_single_use_and_bound_to_their_redirect_uri(fake: FakeSpotify) -> None:
    code = code_of(fake.approve(authorize_url(fake)))
    assert exchange(fake, code, "http://127.0.0.1:9999/other").json()["error"] == "invalid_grant"
    assert exchange(fake, code).json()["error"] == "invalid_grant"  # spent by the failed try


def test_wrong_client_secret_is_invalid_client(fake: FakeSpotify) -> None:
    code = code_of(fake.approve(authorize_url(fake)))
    answer = requests.post(
        f"{fake.accounts_url}/api/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers={"Authorization": "Basic " + base64.b64encode(b"x:y").decode()},
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_client"


def test_unregistered_redirect_uri_is_refused_at_authorize(fake: FakeSpotify) -> None:
    with pytest.raises(AssertionError, match="redirect URI"):
        fake.approve(authorize_url(fake, redirect_uri="http://localhost:8765/cb"))


def test_token_request_that_is_not_a_form_is_a_violation(fake: FakeSpotify) -> None:
    requests.post(
        f"{fake.accounts_url}/api/token",
        json={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": BASIC},
        timeout=5,
    )
    assert any("not a form" in v.problem for v in fake.violations)


@pytest.fixture
def api(fake: FakeSpotify) -> spotipy.Spotify:
    tokens = exchange(fake, code_of(fake.approve(authorize_url(fake)))).json()
    client = spotipy.Spotify(
        auth=tokens["access_token"], requests_session=requests.Session(), retries=0
    )
    client.prefix = fake.api_url + "/"
    return client


def test_spotipys_bare_array_add_items_is_caught_as_outside_the_spec(
    fake: FakeSpotify, api: spotipy.Spotify
) -> None:
    track = fake.add_track("Song", "Artist")
    playlist = api.current_user_playlist_create("Mine")
    with pytest.raises(spotipy.SpotifyException):
        api.playlist_add_items(playlist["id"], [track.id])
    assert any("not of type 'object'" in v.problem for v in fake.violations)


def test_search_limit_above_ten_is_caught(fake: FakeSpotify, api: spotipy.Spotify) -> None:
    with pytest.raises(spotipy.SpotifyException):
        api.search("anything", limit=11)
    assert any("maximum of 10" in v.problem for v in fake.violations)


def test_a_response_outside_the_spec_is_caught(fake: FakeSpotify, api: spotipy.Spotify) -> None:
    fake.users["ada"].display_name = None  # type: ignore[assignment]  # the spec says string
    api.me()
    assert any("response 200" in v.problem for v in fake.violations)


def test_undeclared_query_parameter_is_caught(fake: FakeSpotify, api: spotipy.Spotify) -> None:
    with pytest.raises(spotipy.SpotifyException):
        api._get("me", surprise="1")
    assert any("'surprise' is not declared" in v.problem for v in fake.violations)


def test_programmed_faults_answer_in_order(fake: FakeSpotify, api: spotipy.Spotify) -> None:
    fake.fail_next("/me", 429, retry_after=42)
    fake.fail_next("/me", 500)
    with pytest.raises(spotipy.SpotifyException) as limited:
        api.me()
    assert limited.value.http_status == 429 and limited.value.headers["Retry-After"] == "42"
    with pytest.raises(spotipy.SpotifyException) as failed:
        api.me()
    assert failed.value.http_status == 500
    assert api.me()["id"] == "ada"
    fake.assert_no_violations()


def test_expired_tokens_get_401_and_other_users_playlists_403(
    fake: FakeSpotify, api: spotipy.Spotify
) -> None:
    fake.add_user("bob", "Bob")
    theirs = fake.playlists
    playlist = api.current_user_playlist_create("Ada's")
    theirs[playlist["id"]].owner_id = "bob"
    track = fake.add_track("Song", "Artist")
    with pytest.raises(spotipy.SpotifyException) as forbidden:
        api._post(f"playlists/{playlist['id']}/items", payload={"uris": [track.uri]})
    assert forbidden.value.http_status == 403
    fake.expire_access_tokens()
    with pytest.raises(spotipy.SpotifyException) as expired:
        api.me()
    assert expired.value.http_status == 401
    fake.assert_no_violations()


def test_search_finds_by_field_filters(fake: FakeSpotify, api: spotipy.Spotify) -> None:
    wanted = fake.add_track("Mr. Blue Sky", "Electric Light Orchestra")
    fake.add_track("Blue Monday", "New Order")
    found = api.search('track:"Mr. Blue Sky" artist:"Electric Light Orchestra"', limit=10)
    assert [t["id"] for t in found["tracks"]["items"]] == [wanted.id]
    assert api.search("track:nothing", limit=5)["tracks"]["items"] == []
    fake.assert_no_violations()
