"""Correcting what was said: a line's words, splitting a line, joining two; kept sealed with the
words they replace, audited, applied again after re-processing, and the analysis follows."""

import pytest

from feedback.analysis import analyser
from meetings import audit
from meetings.corrections import apply_to_text
from meetings.errors import MeetingError
from meetings.records import Consent, Correction, Participant, Segment, Speaker, Speech, Word, now_iso
from meetings.store import Store
from tests.raw_db import stored_bytes

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL


def words(start: float, end: float, text: str) -> list[Word]:
    parts = text.split()
    step = (end - start) / len(parts)
    return [Word(start + i * step, start + (i + 1) * step, (" " if i else "") + w, 0.5) for i, w in enumerate(parts)]


LINES = [Segment(0.0, 2.0, "Har du søgt jobbet?", words(0.0, 2.0, "Har du søgt jobbet?"), "S1"),
         Segment(2.5, 4.0, "Nej græderne.", words(2.5, 4.0, "Nej græderne."), "S2"),
         Segment(4.5, 8.5, "Okay så tager vi det næste gang", words(4.5, 8.5, "Okay så tager vi det næste gang"), "S1")]


def test_a_line_gets_the_words_a_person_wrote_spread_over_its_time():
    (_, fixed, _) = apply_to_text(LINES, Correction("text", start=2.5, end=4.0, text="Nej, desværre."))
    assert fixed.text == "Nej, desværre." and [w.text for w in fixed.words] == ["Nej,", " desværre."]
    assert (fixed.words[0].start, fixed.words[-1].end, fixed.words[0].probability) == (2.5, 4.0, 1.0)
    assert (fixed.start, fixed.end, fixed.speaker) == (2.5, 4.0, "S2")


def test_a_line_is_split_where_its_word_begins_and_two_are_joined():
    split = apply_to_text(LINES, Correction("split", start=4.5, end=8.5, at_word=2))
    assert [(round(s.start, 3), round(s.end, 3), s.text) for s in split[2:]] == [
        (4.5, 5.643, "Okay så"), (5.643, 8.5, "tager vi det næste gang")]
    joined = apply_to_text(LINES, Correction("join", start=0.0, end=2.0))
    assert [(s.start, s.end, s.text) for s in joined] == [(0.0, 4.0, "Har du søgt jobbet? Nej græderne."),
                                                          (4.5, 8.5, "Okay så tager vi det næste gang")]


def test_a_line_that_is_not_there_any_more_changes_nothing():
    assert apply_to_text(LINES, Correction("text", start=20.0, end=22.0, text="x")) == LINES


@pytest.fixture
def processed(medlyt_home):
    consent = Consent(True, "verbal", now_iso())
    with Store(medlyt_home) as store:
        meeting = store.create_meeting("Rettelser", [Participant("sagsbehandler", "S", consent=consent),
                                                     Participant("borger", "B", consent=consent)])
        speakers = [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger")]
        speech = [Speech(s.start, s.end, s.speaker) for s in LINES]
        store.save_transcript(meeting.id, LINES, "base", speakers, analyser(), speech)
    return medlyt_home, meeting.id


def test_a_text_correction_is_sealed_with_the_original_audited_and_survives_reprocessing(processed):
    home, meeting_id = processed
    with Store(home) as store:
        store.correct(meeting_id, Correction("text", start=2.5, end=4.0, text="Nej, desværre."), analyser(), by="anne")
        (kept,) = store.corrections(meeting_id)
        assert (kept.original, kept.text) == ("Nej græderne.", "Nej, desværre.")
        assert store.segments(meeting_id)[1].text == "Nej, desværre."
        last = store.audit_entries(meeting_id)[-2]  # the analysis follows it
        assert (last.action, last.detail, last.user) == (audit.TEXT_CORRECTED, "kind=text", "anne")
        # Processed again (same lines, as a re-run gives them): the correction is applied again.
        store.save_transcript(meeting_id, LINES, "base", store.speakers(meeting_id), analyser(),
                              [Speech(s.start, s.end, s.speaker) for s in LINES])
        assert store.segments(meeting_id)[1].text == "Nej, desværre."
        from medlyt.export import Transcript, get_writer

        exported = get_writer("txt")(Transcript.of_meeting(store.get_meeting(meeting_id), store.segments(meeting_id),
                                                           store.speakers(meeting_id)))
        assert "Nej, desværre." in exported and "græderne" not in exported
    assert b"desv" not in stored_bytes(home)  # sealed at rest, original and new alike


def test_the_questions_are_counted_again_when_the_words_change(processed):
    home, meeting_id = processed
    with Store(home) as store:
        asked = lambda: store.analysis(meeting_id).metrics["speakers"]["S1"]["questions_open"]  # noqa: E731
        before = asked()
        store.correct(meeting_id, Correction("text", start=4.5, end=8.5, text="Hvad tænker du om det næste gang?"),
                      analyser(), by="anne")
        assert asked() == before + 1
        store.correct(meeting_id, Correction("split", start=4.5, end=8.5, at_word=3), analyser(), by="anne")
        assert [s.text for s in store.segments(meeting_id)][2:] == ["Hvad tænker du", "om det næste gang?"]


def test_an_empty_line_or_a_line_that_is_gone_is_refused(processed):
    home, meeting_id = processed
    with Store(home) as store:
        with pytest.raises(MeetingError, match="skal have tekst"):
            store.correct(meeting_id, Correction("text", start=2.5, end=4.0, text="  "), analyser())
        with pytest.raises(MeetingError, match="findes ikke længere"):
            store.correct(meeting_id, Correction("text", start=30.0, end=31.0, text="x"), analyser())
        assert store.corrections(meeting_id) == []
