"""The live path's pure pieces: the live VAD cut, running voice centroids, the Live page's
status and nudges, and the store's record of a recording in progress."""

import dataclasses
import time
import wave

import numpy as np
import pytest

from capture.live import LIVE_VAD, LiveSegmenter
from capture.vad import VadOptions, speech_segments
from feedback.config import load_config
from feedback.live import clock, live_status, seconds_text, turns
from meetings import audit
from meetings.errors import MeetingWithdrawn
from meetings.records import LiveLine, LiveSession, Participant, Segment, now_iso
from meetings.store import Store
from tests.consented import consented_meeting
from tests.raw_db import raw
from transcribe.live import MIN_VOICE_S, LiveVoices, max_tokens

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL

THRESHOLDS = load_config().thresholds


def int16(path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, wav.getnchannels())


def utterances(samples: np.ndarray, block: int):
    segmenter = LiveSegmenter(16000, samples.shape[1])
    found = []
    for i in range(0, len(samples), block):
        found += list(segmenter.feed(samples[i:i + block]))
    return found + list(segmenter.flush())


# ---- live VAD ----------------------------------------------------------------------------


def test_a_long_stretch_of_speech_is_cut_into_pieces_that_neither_overlap_nor_drop_speech(danish_dir):
    samples = int16(danish_dir / "ap_dan.wav")  # 37 s of one person reading
    found = utterances(samples, 1600)
    assert len(found) >= 3
    assert max(u.end - u.start for u in found) <= 1.5 * LIVE_VAD.max_segment_ms / 1000 + 0.2
    assert all(a.end <= b.start + 1e-9 for a, b in zip(found, found[1:]))
    # Cutting loses nothing: the same VAD without the maximum finds no speech outside the pieces.
    uncut = list(speech_segments((samples[i:i + 1600, 0] / 32768.0 for i in range(0, len(samples), 1600)),
                                 dataclasses.replace(LIVE_VAD, max_segment_ms=None)))
    covered = sum(min(f.end, u.end) - max(f.start, u.start) for f in uncut for u in found if u.end > f.start and u.start < f.end)
    assert covered >= 0.99 * sum(f.end - f.start for f in uncut)
    assert len(uncut) < len(found)


def test_an_utterance_carries_exactly_its_own_audio_and_ends_its_speech_before_its_padding(danish_dir):
    samples = int16(danish_dir / "u0042012.wav")
    for u in utterances(samples, 1600):
        first, last = round(u.start * 16000), round(u.end * 16000)
        assert np.array_equal(u.audio, samples[first:last] / 32768.0)
        assert u.start < u.speech_end <= u.end


def test_the_cut_does_not_depend_on_the_block_size(danish_dir):
    samples = int16(danish_dir / "ap_dan.wav")
    a = [(u.start, u.end) for u in utterances(samples, 1600)]
    b = [(u.start, u.end) for u in utterances(samples, 537)]
    assert a == b


def test_without_a_maximum_the_full_pass_vad_is_unchanged(danish_dir):
    samples = int16(danish_dir / "ap_dan.wav")[:, 0] / 32768.0
    plain = list(speech_segments([samples], VadOptions()))
    unlimited = list(speech_segments([samples], VadOptions(max_segment_ms=None)))
    assert plain == unlimited and max(s.end - s.start for s in plain) > 15


# ---- running voices ----------------------------------------------------------------------


def unit(*values) -> np.ndarray:
    v = np.array(values, float)
    return v / np.linalg.norm(v)


def test_voices_start_while_there_is_room_and_then_go_to_the_nearest():
    voices = LiveVoices(2)
    a, b = unit(1, 0, 0), unit(0, 1, 0)
    assert voices.assign(a, 3.0).label == "Taler 1"
    assert voices.assign(b, 3.0).label == "Taler 2"
    assert voices.assign(unit(0.9, 0.1, 0), 3.0).label == "Taler 1"
    # A third voice has no room in a two-person meeting: it goes to the nearest.
    assert voices.assign(unit(0.1, 0.2, 1), 3.0).label == "Taler 2"
    assert [v.count for v in voices.voices] == [2, 2]


def test_a_short_utterance_never_starts_a_voice_of_its_own():
    voices = LiveVoices(2)
    voices.assign(unit(1, 0, 0), 3.0)
    assert voices.assign(unit(0, 1, 0), MIN_VOICE_S - 0.1).label == "Taler 1"
    assert len(voices.voices) == 1


def test_an_enrolled_voice_print_names_the_caseworker_from_the_first_utterance():
    voices = LiveVoices(2, [("Sagsbehandler", "sagsbehandler", unit(1, 0, 0))])
    first = voices.assign(unit(0.95, 0.05, 0), 2.0)
    other = voices.assign(unit(0, 1, 0), 2.0)
    assert (first.label, first.role) == ("Sagsbehandler", "sagsbehandler")
    assert (other.label, other.role) == ("Taler 1", None)


def test_whisper_may_write_about_twice_the_tokens_danish_speech_needs():
    assert max_tokens(0.5) == 20 and max_tokens(10.0) == 120


# ---- the Live page's status -------------------------------------------------------------


def session(lines, elapsed=121.0, heartbeat=None, status="recording") -> LiveSession:
    return LiveSession("m", True, status, now_iso(), elapsed, heartbeat or time.time(), lines=tuple(lines))


CW, CITIZEN = ("Sagsbehandler", "sagsbehandler"), ("Borger", "borger")


def line(who, start, end, text="tekst") -> LiveLine:
    return LiveLine(start, end, who[0], text, who[1])


def test_the_clock_runs_on_from_the_last_heartbeat_and_says_when_the_recorder_went_quiet():
    now = time.time()
    assert clock(session([], 100.0, now - 1.5), now) == (pytest.approx(101.5), False)
    elapsed, stale = clock(session([], 100.0, now - 30), now)
    assert stale and elapsed == pytest.approx(105.0)  # never runs far ahead of what was recorded
    assert clock(session([], 100.0, now - 30, status="stopped"), now) == (100.0, False)


def test_turns_join_one_speaker_s_lines_across_short_pauses():
    runs = turns([line(CW, 0, 5), line(CW, 5.5, 9), line(CITIZEN, 9.2, 12), line(CW, 14, 15)], gap_s=1.0)
    assert [(t.speaker, t.start, t.end) for t in runs] == [("Sagsbehandler", 0, 9), ("Borger", 9.2, 12),
                                                           ("Sagsbehandler", 14, 15)]


def test_balance_and_the_current_turn():
    now = time.time()
    status = live_status(session([line(CW, 0, 30), line(CITIZEN, 31, 41), line(CW, 42, 58)], 60.0, now), now, THRESHOLDS)
    assert status.talk_s == {"Sagsbehandler": 46, "Borger": 10}
    assert status.shares["Sagsbehandler"] == pytest.approx(46 / 56)
    assert status.current.speaker == "Sagsbehandler" and status.current.start == 42
    # A line that ended long ago is no current turn: the room is quiet.
    assert live_status(session([line(CW, 0, 30)], 60.0, now), now, THRESHOLDS).current is None


def test_the_caseworker_is_nudged_gently_after_a_long_turn_and_a_long_share():
    now = time.time()
    status = live_status(session([line(CITIZEN, 0, 10), line(CW, 10.5, 104)], 105.0, now), now, THRESHOLDS)
    texts = [text for _tone, text in status.nudges]
    assert "Du har talt i 94 sekunder. Måske er det tid til at give ordet til borgeren?" in texts
    # 1:45 into the meeting, a 5-minute window is not full yet: say what it covers (issue 20).
    assert "Du har haft ordet 90 % af tiden siden optagelsen begyndte." in texts
    assert all(tone == "concern" for tone, _text in status.nudges)
    later = live_status(session([line(CITIZEN, 0, 10), line(CITIZEN, 200, 210), line(CW, 210.5, 304)], 305.0, now),
                        now, THRESHOLDS)
    assert "Du har haft ordet 86 % af tiden de sidste 5 minutter." in [text for _tone, text in later.nudges]
    minute = dataclasses.replace(THRESHOLDS, dominance_window_s=60, dominance_window_min_speech_s=30)
    last_minute = live_status(session([line(CITIZEN, 0, 10), line(CW, 250, 304)], 305.0, now), now, minute)
    assert "Du har haft ordet 100 % af tiden det sidste minut." in [text for _tone, text in last_minute.nudges]


def test_a_citizen_telling_at_length_is_a_strength_and_no_nudge_is_given_below_the_thresholds():
    now = time.time()
    status = live_status(session([line(CW, 0, 10), line(CITIZEN, 10.5, 48)], 49.0, now), now, THRESHOLDS)
    assert status.nudges == [("strength", "Borgeren fortæller. Godt lyttet.")]
    quiet = live_status(session([line(CW, 0, 40), line(CITIZEN, 40.5, 60)], 61.0, now), now, THRESHOLDS)
    assert quiet.nudges == []


def test_without_roles_there_are_no_personal_nudges():
    now = time.time()
    unknown = [LiveLine(0, 200, "Taler 1", "tekst")]
    assert live_status(session(unknown, 201.0, now), now, THRESHOLDS).nudges == []


def test_seconds_are_said_as_people_count_them():
    assert seconds_text(45) == "45 sekunder" and seconds_text(90) == "90 sekunder"
    assert seconds_text(150) == "2 min 30 s" and seconds_text(180) == "3 min"
    assert seconds_text(1) == "1 sekund" and seconds_text(1.7) == "1 sekund"  # not "1 sekunder"


# ---- the store's record of a recording in progress ---------------------------------------


def test_a_recording_in_progress_is_seen_by_another_connection_and_stops_on_request(medlyt_home):
    with Store(medlyt_home) as recorder, Store(medlyt_home) as dashboard:
        meeting_id = consented_meeting(recorder, "Live").id
        recorder.start_live(meeting_id, live=True)
        assert dashboard.recording_now() == [meeting_id]
        recorder.add_live_line(meeting_id, LiveLine(0.5, 3.0, "Taler 1", "Hej med dig", None, 1.2))
        assert recorder.live_heartbeat(meeting_id, 3.5) is False
        seen = dashboard.live_session(meeting_id)
        assert seen.elapsed_s == 3.5 and seen.lines[0].text == "Hej med dig" and seen.lines[0].delay_s == 1.2
        dashboard.request_stop(meeting_id, by="olga")
        assert recorder.live_heartbeat(meeting_id, 4.0) is True
        recorder.end_live(meeting_id)
        assert dashboard.recording_now() == [] and dashboard.live_session(meeting_id).status == "stopped"
        actions = [e.action for e in dashboard.audit_entries(meeting_id)]
        assert audit.RECORDING_STARTED in actions and audit.STOP_REQUESTED in actions


def test_the_latest_lines_come_in_time_order(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Live").id
        store.start_live(meeting_id, live=True)
        for i in range(12):
            store.add_live_line(meeting_id, LiveLine(i * 2.0, i * 2.0 + 1, "Taler 1", f"linje {i}"))
        assert [l.text for l in store.live_session(meeting_id, last_lines=3).lines] == ["linje 9", "linje 10", "linje 11"]


def test_the_full_pass_replaces_the_live_lines(medlyt_home, danish_dir):
    from capture.source import import_audio

    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Live").id
        store.start_live(meeting_id, live=True)
        store.add_live_line(meeting_id, LiveLine(0.5, 3.0, "Taler 1", "foreløbig"))
        store.end_live(meeting_id)
        store.attach_audio(meeting_id, lambda dest: import_audio(danish_dir / "u0042012.wav", dest))
        store.save_transcript(meeting_id, [Segment(0.5, 3.0, "endelig", speaker="S1")], "base")
        assert store.live_session(meeting_id).lines == ()


def test_withdrawal_takes_the_live_state_and_lines_and_stops_the_recorder(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Live").id
        store.start_live(meeting_id, live=True)
        store.add_live_line(meeting_id, LiveLine(0.5, 3.0, "Taler 1", "noget personligt"))
        store.withdraw(meeting_id)
        assert store.live_heartbeat(meeting_id, 5.0) is True  # the recorder stops at its next heartbeat
        store.add_live_line(meeting_id, LiveLine(3.5, 5.0, "Taler 1", "for sent"))  # keeps nothing
        assert store.recording_now() == []
        with pytest.raises(MeetingWithdrawn):
            store.live_session(meeting_id)
        assert raw(medlyt_home).execute("SELECT count(*) FROM live_lines").fetchone()[0] == 0


def test_no_recording_is_started_without_consent(medlyt_home):
    from meetings.errors import ConsentError

    with Store(medlyt_home) as store:
        meeting_id = store.create_meeting("Uden samtykke", [Participant("sagsbehandler", "Sagsbehandler"),
                                                             Participant("borger", "Borger")]).id
        with pytest.raises(ConsentError):
            store.start_live(meeting_id, live=True)
        assert store.recording_now() == []
