"""Joining speech into Whisper blocks and mapping block time back to the meeting clock."""

from capture.vad import SpeechSegment
from transcribe.whisper import BlockClock, group_into_blocks


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
