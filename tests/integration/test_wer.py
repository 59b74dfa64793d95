"""`medlyt transcribe` against plain faster-whisper on real Danish speech, same model, same run."""

import json

from faster_whisper import WhisperModel, decode_audio

from medlyt.cli import main
from models.store import locate
from tests.text import corpus_cer, corpus_wer, read_manifest

# The same decoding settings on both sides (medlyt's TranscribeOptions defaults).
SETTINGS = dict(language="da", beam_size=5, temperature=0.0, word_timestamps=True, vad_filter=False)


def test_medlyt_transcribe_is_no_worse_than_plain_faster_whisper(home_with_model, danish_dir, tmp_path, capsys):
    rows = read_manifest(danish_dir)
    references = [row["transcript"] for row in rows]

    ours = []
    for row in rows:
        out = tmp_path / f"{row['file']}.json"
        assert main(["transcribe", str(danish_dir / row["file"]), "--format", "json", "-o", str(out)]) == 0
        document = json.loads(out.read_text(encoding="utf-8"))
        ours.append(" ".join(s["text"] for s in document["segments"]))

    model = WhisperModel(str(locate(home_with_model).path), device="cpu", compute_type="int8")
    plain = []
    for row in rows:
        segments, _ = model.transcribe(decode_audio(str(danish_dir / row["file"])), **SETTINGS)
        plain.append(" ".join(s.text.strip() for s in segments))

    ours_wer, plain_wer = corpus_wer(references, ours), corpus_wer(references, plain)
    with capsys.disabled():
        print(f"\nWER medlyt {ours_wer:.3f} vs plain faster-whisper {plain_wer:.3f} "
              f"(CER {corpus_cer(references, ours):.3f} vs {corpus_cer(references, plain):.3f}), {len(rows)} files")
    assert ours_wer <= plain_wer + 0.02
    assert plain_wer < 0.8  # base on this data measures ~0.5; far worse means a broken setup
