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


def medlyt_transcribe(recordings, tmp_path) -> list[str]:
    texts = []
    for path, _reference in recordings:
        out = tmp_path / f"{path.stem}.json"
        out.unlink(missing_ok=True)
        assert main(["transcribe", str(path), "--format", "json", "-o", str(out)]) == 0
        texts.append(" ".join(s["text"] for s in json.loads(out.read_text(encoding="utf-8"))["segments"]))
    return texts


def scored(recordings, story: str, a: list[str], b: list[str]):
    clips = combined(*(paired_units(ref, x, y) for (_, ref), x, y in zip(recordings[:-1], a, b)))
    long = paired_units(old_spelling(story), old_spelling(a[-1]), old_spelling(b[-1]), UNIT_WORDS)
    return clips, long, combined(clips, long)


def test_medlyt_transcribe_is_no_worse_than_plain_faster_whisper(home_with_model, danish_dir, tmp_path, capsys,
                                                                  monkeypatch):
    """medlyt as shipped (windows decoded in batches) against plain faster-whisper, and against
    medlyt decoding one window after the other (MEDLYT_BATCH_SIZE=1)."""
    recordings = [(danish_dir / row["file"], row["transcript"]) for row in read_manifest(danish_dir)]
    story = DANISH_LONG_STORY.with_suffix(".txt").read_text(encoding="utf-8")
    recordings.append((DANISH_LONG_STORY, story))

    ours = medlyt_transcribe(recordings, tmp_path)
    monkeypatch.setenv("MEDLYT_BATCH_SIZE", "1")
    one_by_one = medlyt_transcribe(recordings, tmp_path)

    model = WhisperModel(str(locate(home_with_model).path), device="cpu", compute_type="int8")
    plain = []
    for path, _reference in recordings:
        segments, _ = model.transcribe(decode_audio(str(path)), **SETTINGS)
        plain.append(" ".join(s.text.strip() for s in segments))

    clips, long, both = scored(recordings, story, ours, plain)
    *_, against_one_by_one = scored(recordings, story, ours, one_by_one)
    with capsys.disabled():
        for name, score, peer in (("14 clips", clips, "plain faster-whisper"), ("story", long, "plain faster-whisper"),
                                  ("together", both, "plain faster-whisper"),
                                  ("together", against_one_by_one, "medlyt window by window")):
            low, high = score.difference_interval()
            print(f"\n{name}: WER medlyt {score.wer_a:.3f} vs {peer} {score.wer_b:.3f}, "
                  f"difference {score.wer_a - score.wer_b:+.3f} (95 % interval {low:+.3f} .. {high:+.3f}), "
                  f"{sum(score.words)} words in {len(score.words)} units")

    assert both.wer_a <= both.wer_b + 0.02
    # Not worse beyond doubt either: an interval wholly above zero means medlyt loses words.
    assert both.difference_interval()[0] < 0
    assert both.wer_b < 0.8  # base on this data measures ~0.45; far worse means a broken setup
    assert against_one_by_one.wer_a <= against_one_by_one.wer_b + 0.02
