"""The transcript by speaker (transcribe.speaker_segments.split_segments): a segment whose words
span a speaker change is split at word boundaries, and no segment mixes two speakers."""

import numpy as np

from meetings.records import Segment, Word
from transcribe.speaker_segments import split_segments
from transcribe.speakers import Turn


def words(*items):
    return [Word(s, e, t, 0.9) for s, e, t in items]


def test_split_segments_splits_at_the_speaker_change():
    segment = Segment(
        0.0,
        4.0,
        "Hvordan går det? Fint tak.",
        words((0.0, 0.5, "Hvordan"), (0.5, 0.8, "går"), (0.8, 1.4, "det?"), (2.1, 2.5, "Fint"), (2.5, 3.9, "tak.")),
        avg_logprob=-0.3,
        no_speech_prob=0.01,
    )
    turns = [Turn(0.0, 2.0, 0), Turn(2.0, 4.0, 1)]
    out = split_segments([segment], turns, ["Taler 1", "Taler 2"])
    assert [(s.speaker, s.text, s.start, s.end) for s in out] == [
        ("Taler 1", "Hvordan går det?", 0.0, 1.4),
        ("Taler 2", "Fint tak.", 2.1, 3.9),
    ]
    assert [w for s in out for w in s.words] == segment.words  # every word kept, in order
    assert all(s.avg_logprob == -0.3 and s.no_speech_prob == 0.01 for s in out)
    assert segment.speaker is None  # the input is not modified


def test_split_segments_word_goes_to_the_speaker_it_overlaps_most_or_nearest():
    segment = Segment(0.0, 6.0, "a b c", words((0.0, 1.0, "a"), (1.6, 2.6, "b"), (5.0, 6.0, "c")))
    turns = [Turn(0.0, 2.0, 0), Turn(2.0, 4.0, 1)]
    out = split_segments([segment], turns, ["S1", "S2"])
    # "b" overlaps speaker 0 for 0.4 s, speaker 1 for 0.6 s; "c" overlaps nobody: nearest turn.
    assert [(s.speaker, s.text) for s in out] == [("S1", "a"), ("S2", "b c")]


def test_split_segments_keeps_one_speaker_segments_and_labels_wordless_ones():
    one = Segment(0.0, 1.0, "Hej med dig", words((0.0, 0.3, "Hej"), (0.3, 0.6, "med"), (0.6, 1.0, "dig")))
    bare = Segment(2.5, 3.8, "mm")
    turns = [Turn(0.0, 2.0, 0), Turn(2.0, 3.0, 1), Turn(3.0, 4.0, 0)]
    out = split_segments([one, bare], turns, ["S1", "S2"])
    assert out[0].text == "Hej med dig" and out[0].speaker == "S1" and out[0].words == one.words
    assert out[1].speaker == "S1" and out[1].text == "mm"  # 0.8 s with S1 vs 0.5 s with S2
    assert split_segments([one], [], ["S1"])[0].speaker is None


def test_split_segments_never_mixes_speakers():
    rng = np.random.default_rng(3)
    turns, t = [], 0.0
    while t < 60:
        length = float(rng.uniform(0.5, 6))
        turns.append(Turn(round(t, 2), round(t + length, 2), len(turns) % 2))
        t += length
    ws = [(round(i * 0.4, 2), round(i * 0.4 + 0.35, 2), f"w{i}") for i in range(150)]
    segments = [
        Segment(ws[i][0], ws[i + 9][1], " ".join(w[2] for w in ws[i : i + 10]), words(*ws[i : i + 10]))
        for i in range(0, 150, 10)
    ]
    out = split_segments(segments, turns, ["A", "B"])
    assert [w for s in out for w in s.words] == [w for s in segments for w in s.words]

    def most_overlap(word):
        overlap = [0.0, 0.0]
        for t in turns:
            overlap[t.speaker] += max(0.0, min(word.end, t.end) - max(word.start, t.start))
        return "AB"[int(np.argmax(overlap))]

    for segment in out:
        assert {most_overlap(w) for w in segment.words} == {segment.speaker}
        assert segment.text == " ".join(w.text for w in segment.words)
    # Pieces of one original segment alternate speakers: a split only at a speaker change.
    for a, b in zip(out, out[1:]):
        same_origin = any(a.words[-1] in s.words and b.words[0] in s.words for s in segments)
        assert not (same_origin and a.speaker == b.speaker)

