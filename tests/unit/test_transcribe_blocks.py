"""Joining speech into Whisper blocks and mapping block time back to the meeting clock."""

import numpy as np
import pytest

from capture.vad import SpeechSegment
from transcribe.whisper import TranscriptionError, engine, group_into_blocks
from transcribe.windows import WINDOW_S, BlockClock, quietest_in, trimmed, windows


def test_blocks_hold_at_most_the_limit_unless_one_segment_is_longer():
    speech = [SpeechSegment(0, 100), SpeechSegment(110, 200), SpeechSegment(210, 270), SpeechSegment(300, 700)]
    blocks = list(group_into_blocks(speech, block_s=240))
    assert blocks == [speech[:2], [speech[2]], [speech[3]]]
    assert list(group_into_blocks([], block_s=240)) == []


def test_clock_maps_each_piece_to_its_source_time():
    clock = BlockClock(sources=[5.0, 20.0, 42.0], durations=[3.0, 4.0, 1.0])
    assert clock.to_meeting(0.0) == 5.0
    assert clock.to_meeting(2.5) == 7.5
    assert clock.to_meeting(3.5) == 20.5
    assert clock.to_meeting(7.5) == 42.5
    # At a joint a start belongs to the later piece and an end to the earlier one.
    assert clock.to_meeting(3.0) == 20.0
    assert clock.to_meeting(3.0, is_end=True) == 8.0
    # Whisper may overshoot the block's end by a little; it is clamped to the last piece.
    assert clock.to_meeting(9.0, is_end=True) == 43.0


def test_a_segment_never_spans_audio_that_was_not_heard():
    from types import SimpleNamespace as Raw

    from transcribe.whisper import to_segments

    clock = BlockClock(sources=[5.0, 20.0], durations=[3.0, 4.0])
    words = [Raw(start=1.0, end=1.5, word=" Hej", probability=0.9),
             Raw(start=2.6, end=3.4, word=" med", probability=0.8),  # runs over the joint
             Raw(start=3.5, end=4.0, word=" dig.", probability=0.7)]
    raw = Raw(start=0.8, end=4.0, text=" Hej med dig.", words=words, avg_logprob=-0.3, no_speech_prob=0.01)
    first, second = to_segments(raw, clock)
    assert (first.start, first.end, first.text) == (6.0, 8.0, "Hej med")  # "med" ends where the piece ends
    assert (second.start, second.end, second.text) == (20.5, 21.0, "dig.")


def test_batched_windows_are_cut_between_pieces_of_speech_when_they_are_nearly_full():
    # Pieces of 25 and 10 s: the first window ends between them, 5 s short of 30.
    assert windows([25, 10]) == [(0, 25), (25, 35)]
    # Pieces of 15 and 20 s: ending between them would leave a window half empty (each one costs
    # the encoder a whole 30 s), so the second piece is cut at its quietest moment in the
    # window's last 8 s; with no way to listen, at 30 s.
    pause_at_24_s = lambda from_ms, to_ms: 24_000 if from_ms <= 24_000 < to_ms else to_ms
    assert windows([15, 20], quietest=pause_at_24_s) == [(0, 24), (24, 35)]
    assert windows([15, 20]) == [(0, 30), (30, 35)]
    # Pieces of 5, 10, 20, 3, 70 and 2 s laid end to end (ends at 5, 15, 35, 38, 108, 110).
    assert windows([5, 10, 20, 3, 70, 2]) == [(0, 30), (30, 60), (60, 90), (90, 110)]


def test_a_window_never_holds_more_than_whisper_hears():
    durations = [0.3, 29.9, 0.2, 12.0, 45.5, 0.4, 30.0, 7.1]
    cut = windows(durations)
    assert all(0 < round(end - start, 6) <= WINDOW_S for start, end in cut)
    assert cut[0][0] == 0 and cut[-1][1] == round(sum(durations), 3)
    assert all(a[1] == b[0] for a, b in zip(cut, cut[1:]))  # nothing left out, nothing twice


def test_no_speech_gives_no_window():
    assert windows([]) == []


def test_the_engine_is_the_cpu_unless_a_gpu_is_asked_for_and_there():
    assert engine("cpu", "auto", cuda_devices=2) == ("cpu", "int8")
    assert engine("auto", "auto", cuda_devices=0) == ("cpu", "int8")
    assert engine("auto", "auto", cuda_devices=1) == ("cuda", "int8_float16")
    assert engine("cuda", "float16", cuda_devices=1) == ("cuda", "float16")


def test_a_compute_type_the_device_cannot_run_is_one_danish_line():
    cpu = lambda device: {"int8", "int8_float32", "float32"}  # what CTranslate2 offers on this machine's CPU
    assert engine("cpu", "float32", cuda_devices=0, supported=cpu) == ("cpu", "float32")
    with pytest.raises(TranscriptionError) as refused:
        engine("cpu", "float16", cuda_devices=0, supported=cpu)
    assert "\n" not in str(refused.value) and "MEDLYT_COMPUTE_TYPE=" in str(refused.value)

    def broken(device):  # a GPU whose CUDA runtime does not match its driver
        raise RuntimeError("CUDA driver version is insufficient for CUDA runtime version")
    with pytest.raises(TranscriptionError, match="MEDLYT_DEVICE=cpu"):
        engine("auto", "auto", cuda_devices=1, supported=broken)


@pytest.mark.parametrize("device", ["cuda", "gpu"])
def test_a_gpu_that_is_not_there_is_one_danish_line(device):
    with pytest.raises(TranscriptionError) as refused:
        engine(device, "auto", cuda_devices=0)
    assert "\n" not in str(refused.value) and ("CUDA-GPU" in str(refused.value) or "Ukendt enhed" in str(refused.value))


def test_a_long_stretch_of_speech_is_cut_at_its_quietest_moment():
    rate = 16000
    rng = np.random.default_rng(3)
    audio = rng.normal(0, 0.1, 70 * rate).astype(np.float32)  # 70 s of one piece, no pause...
    audio[int(26.0 * rate):int(26.2 * rate)] *= 0.01  # ...but a short breath at 26 s
    audio[int(51.5 * rate):int(51.7 * rate)] *= 0.01  # and another at 51.5 s (25.5 s later)
    (a, b), (b2, c), (c2, d) = windows([70.0], quietest=quietest_in(audio))
    assert a == 0 and 26.0 <= b < 26.2 and b2 == b and 51.5 <= c < 51.7 and c2 == c and d == 70.0
    assert windows([70.0]) == [(0.0, 30.0), (30.0, 60.0), (60.0, 70.0)]  # without a way to listen


def test_whisper_hears_a_piece_from_a_margin_before_its_first_sound_to_a_margin_after_its_last():
    """The VAD pads each piece and hears room tone as speech at its edges; Whisper's windows
    fill up with it. Frames 6 dB above the room's floor are sound; 0.2 s either side is kept."""
    floor, sound = 1e-6, 1e-2
    room = np.full(100, floor)
    edges = np.concatenate([np.full(50, floor), np.full(100, sound), np.full(50, floor)])  # 1 s, 2 s, 1 s
    faint = np.concatenate([np.full(20, floor * 3.5), np.full(10, floor * 5), np.full(20, floor * 3.5)])
    loud_throughout = np.full(150, sound)
    speech = [SpeechSegment(0.0, 2.0), SpeechSegment(10.0, 14.0), SpeechSegment(20.0, 21.0),
              SpeechSegment(30.0, 33.0)]
    assert trimmed(speech, [room, edges, faint, loud_throughout]) == [
        SpeechSegment(0.0, 2.0),  # nothing above the floor: kept whole, never dropped
        SpeechSegment(10.8, 13.2),  # 1 s of room tone either side, less the margin
        SpeechSegment(20.2, 20.8),  # 5 dB above the floor is still the room; 7 dB is sound
        SpeechSegment(30.0, 33.0),  # sound to the edges: the margin never reaches outside the piece
    ]
    assert trimmed([], []) == []


def test_windows_planned_over_a_whole_meeting_are_read_back_batch_by_batch(tmp_path):
    """JoinedSpeech plans the windows from the pieces' lengths and energies alone, and reads
    each batch's audio back: the same samples as joining all the speech at once, and a clock
    that puts every instant back where it was said."""
    import wave

    from capture.vad import SpeechSegment
    from transcribe.windows import JoinedSpeech

    rate = 16000
    rng = np.random.default_rng(5)
    samples = (rng.normal(0, 3000, 200 * rate)).astype(np.int16)
    path = tmp_path / "meeting.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
        out.writeframes(samples.tobytes())
    speech = [SpeechSegment(1.0, 12.5), SpeechSegment(14.0, 40.25), SpeechSegment(41.0, 118.0),
              SpeechSegment(120.0, 121.3), SpeechSegment(150.0, 171.0)]
    joined = JoinedSpeech(path, speech)
    everything = np.concatenate([joined.read(s) for s in speech])
    assert joined.lengths == [round((s.end - s.start) * rate) for s in speech]
    assert joined.windows() == windows([n / rate for n in joined.lengths], quietest=quietest_in(everything))
    planned = joined.windows()
    for i in range(0, len(planned), 3):  # batches of 3 windows
        batch = planned[i:i + 3]
        audio, clock = joined.audio(batch[0][0], batch[-1][1])
        start = round(batch[0][0] * rate)
        assert np.array_equal(audio, everything[start:start + len(audio)])
        assert len(audio) == round(batch[-1][1] * rate) - start
        # An instant 2 s into the batch is where the joined speech says it is in the meeting.
        t = batch[0][0] + 2.0
        offset, piece = 0.0, 0
        while offset + joined.lengths[piece] / rate <= t:
            offset += joined.lengths[piece] / rate
            piece += 1
        assert clock.to_meeting(2.0) == pytest.approx(speech[piece].start + t - offset, abs=1e-3)


def test_a_window_whose_words_stop_long_before_its_speech_is_decoded_again_from_there():
    """Without timestamp tokens Whisper now and then ends a window's text early; the windows hold
    only speech, so 5 s or more after the last word is speech it skipped."""
    from types import SimpleNamespace

    from transcribe.whisper import unheard_tails

    def raw(*times):
        return SimpleNamespace(words=[SimpleNamespace(start=a, end=b) for a, b in times])

    clips = [(0.0, 29.5), (29.5, 58.0), (58.0, 82.0), (82.0, 100.0)]
    raws = [raw((0.2, 1.0), (1.1, 29.2)),  # written to the end
            raw((29.6, 30.4), (30.5, 31.88)),  # 6 words and then nothing for 26 s
            raw((58.3, 77.5)),  # 4.5 s short of the end: a pause, not a skip
            SimpleNamespace(words=None)]  # no words at all: the same audio would give the same
    assert unheard_tails(raws, clips) == [(31.88, 58.0)]
    assert unheard_tails([], clips) == []
