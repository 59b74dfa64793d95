"""`medlyt transcribe` against plain faster-whisper on real Danish speech, same model, same run.

The 14 read clips alone (113 s, 283 words) cannot tell the two apart to 0.02: their paired
bootstrap interval of the difference is about 0.065 wide, and trimming a clip's trailing
silence (our VAD does, plain Whisper does not) moves base's guesses on it by a word or two
either way. So the 6-minute story in danish_long joins them, scored in stretches of 25 reference
words: 1,142 words in 49 units, an interval about 0.035 wide.
"""

import json

from faster_whisper import WhisperModel, decode_audio

from medlyt.cli import main
from models.store import locate
from tests.conftest import DANISH_LONG_STORY
from tests.text import combined, normalise, paired_units, read_manifest

# The same decoding settings on both sides (medlyt's TranscribeOptions defaults); plain keeps
# faster-whisper's own condition_on_previous_text, as a user of it would.
SETTINGS = dict(language="da", beam_size=5, temperature=0.0, word_timestamps=True, vad_filter=False)
UNIT_WORDS = 25


def old_spelling(text: str) -> str:
    """The story's 1840s text writes "aa" for "å" (danish_long's README): score both sides alike."""
    return normalise(text).replace("aa", "å")


def test_medlyt_transcribe_is_no_worse_than_plain_faster_whisper(home_with_model, danish_dir, tmp_path, capsys):
    recordings = [(danish_dir / row["file"], row["transcript"]) for row in read_manifest(danish_dir)]
    story = DANISH_LONG_STORY.with_suffix(".txt").read_text(encoding="utf-8")
    recordings.append((DANISH_LONG_STORY, story))

    ours = []
    for path, _reference in recordings:
        out = tmp_path / f"{path.stem}.json"
        assert main(["transcribe", str(path), "--format", "json", "-o", str(out)]) == 0
        ours.append(" ".join(s["text"] for s in json.loads(out.read_text(encoding="utf-8"))["segments"]))

    model = WhisperModel(str(locate(home_with_model).path), device="cpu", compute_type="int8")
    plain = []
    for path, _reference in recordings:
        segments, _ = model.transcribe(decode_audio(str(path)), **SETTINGS)
        plain.append(" ".join(s.text.strip() for s in segments))

    clips = combined(*(paired_units(ref, a, b) for (_, ref), a, b in zip(recordings[:-1], ours, plain)))
    long = paired_units(old_spelling(story), old_spelling(ours[-1]), old_spelling(plain[-1]), UNIT_WORDS)
    both = combined(clips, long)
    with capsys.disabled():
        for name, score in (("14 clips", clips), ("story", long), ("together", both)):
            low, high = score.difference_interval()
            print(f"\n{name}: WER medlyt {score.wer_a:.3f} vs plain faster-whisper {score.wer_b:.3f}, "
                  f"difference {score.wer_a - score.wer_b:+.3f} (95 % interval {low:+.3f} .. {high:+.3f}), "
                  f"{sum(score.words)} words in {len(score.words)} units")

    assert both.wer_a <= both.wer_b + 0.02
    # Not worse beyond doubt either: an interval wholly above zero means medlyt loses words.
    assert both.difference_interval()[0] < 0
    assert both.wer_b < 0.8  # base on this data measures ~0.45; far worse means a broken setup
