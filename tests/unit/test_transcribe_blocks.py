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
