"""CSV import through a column mapping: scales, derived ids, and every row problem reported by line
while the good rows still import."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.csv_source import ColumnMapping, CsvMappingError, load_csv_songs

MAPPING = ColumnMapping.parse(
    ["track_id=id,name=title,artist=who,valence=val,arousal=energy"],
    ["valence=0:1", "arousal=0:10"],
)


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "songs.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_good_rows_are_scaled_to_the_unit_range(tmp_path: Path) -> None:
    path = _write(tmp_path, "id,title,who,val,energy\na,Song A,X,0,10\nb,Song B,Y,0.75,5\n")
    load = load_csv_songs(path, MAPPING)
    assert load.skipped == [] and load.warnings == []
    a, b = load.songs
    assert (a.track_id, a.name, a.artist, a.valence, a.arousal) == ("a", "Song A", "X", -1.0, 1.0)
    assert (b.valence, b.arousal) == pytest.approx((0.5, 0.0))
    assert a.mood_source == "csv" and a.mood_confidence == 1.0


def test_row_problems_are_reported_by_line_and_good_rows_import(tmp_path: Path) -> None:
    text = (
        "id,title,who,val,energy\n"
        "a,Fine,X,0.5,5\n"
        "b,Too happy,X,1.7,5\n"  # line 3: outside 0:1
        "c,Word,X,high,5\n"  # line 4: not a number
        "d,,X,0.5,5\n"  # line 5: blank title
        "a,Again,X,0.5,5\n"  # line 6: repeated id
        "e,Also fine,Y,1,0\n"
    )
    load = load_csv_songs(_write(tmp_path, text), MAPPING)
    assert [s.track_id for s in load.songs] == ["a", "e"]
    lines = dict(load.skipped)
    assert set(lines) == {3, 4, 5, 6}
    assert "outside 0:1" in lines[3] and "not a number" in lines[4]
    assert "blank" in lines[5] and "line 2" in lines[6]


def test_a_misnamed_column_fails_early_listing_the_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "id,title,artist_name,val,energy\na,A,X,0.5,5\n")
    with pytest.raises(CsvMappingError, match=r"artist=who.*id, title, artist_name, val, energy"):
        load_csv_songs(path, MAPPING)


@pytest.mark.parametrize(
    ("maps", "scales", "message"),
    [
        (["name=title"], [], "artist"),
        (["name=t,artist=a,valence=v"], [], "together"),
        (["name=t,artist=a,mood=m"], [], "unknown song field"),
        (["name=t,artist=a,valence=v,arousal=e"], ["valence=1:0"], "LOW < HIGH"),
        (["name=t,artist"], [], "FIELD=VALUE"),
    ],
)
def test_bad_mappings_say_what_to_fix(maps: list[str], scales: list[str], message: str) -> None:
    with pytest.raises(CsvMappingError, match=message):
        ColumnMapping.parse(maps, scales)


def test_latin1_text_is_read_and_reported(tmp_path: Path) -> None:
    raw = "id,title,who,val,energy\na,Caf\u00e9,Beyonc\u00e9,0.5,5\nb,Plain,X,0.5,5\n".encode(
        "latin-1"
    )
    load = load_csv_songs(_write(tmp_path, raw), MAPPING)
    assert [s.name for s in load.songs] == ["Café", "Plain"]
    assert load.songs[0].artist == "Beyoncé"
    assert load.warnings and load.warnings[0][0] == 2 and "Latin-1" in load.warnings[0][1]


def test_without_moods_or_ids_songs_get_unknown_mood_and_stable_ids(tmp_path: Path) -> None:
    mapping = ColumnMapping.parse(["name=title,artist=who,genres=tags,explicit=x,feature.bpm=bpm"])
    path = _write(tmp_path, "title,who,tags,x,bpm\nA,X,rock|pop,true,120\nB,Y,,0,90\n")
    first = load_csv_songs(path, mapping).songs
    again = load_csv_songs(path, mapping).songs
    assert [s.track_id for s in first] == [s.track_id for s in again]
    assert first[0].track_id.startswith("csv:") and first[0].mood_confidence == 0.0
    assert first[0].genres == ("pop", "rock") and first[0].explicit and not first[1].explicit
    assert first[0].features["bpm"] == 120.0


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CsvMappingError, match="empty"):
        load_csv_songs(_write(tmp_path, ""), MAPPING)


def test_a_video_column_gives_each_song_its_own_video_and_bad_links_skip_the_row(
    tmp_path: Path,
) -> None:
    mapping = ColumnMapping.parse(["name=title,artist=who,video_url=clip"])
    path = _write(
        tmp_path,
        "title,who,clip\n"
        "A,X,https://www.youtube.com/watch?v=dQw4w9WgXcQ\n"
        "B,Y,dQw4w9WgXcQ\n"
        "C,Z,\n"
        "D,W,javascript:alert(1)\n",
    )
    load = load_csv_songs(path, mapping)
    a, b, c = load.songs
    assert a.video_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert b.video_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"  # a bare video id
    assert c.video_url is None
    assert len(load.skipped) == 1 and "video_url" in str(load.skipped[0])
