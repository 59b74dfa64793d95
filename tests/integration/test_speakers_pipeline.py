"""Who spoke when, through the CLI: voices, channels, voice prints, corrections, bad input."""

import json
from pathlib import Path

import jiwer
import numpy as np

from medlyt.cli import main
from tests.audio_files import write_wav
from tests.conftest import DIARIZATION, REPO
from tests.diarization_eval import read_rttm, share_error_points
from tests.text import normalise

DIALOGUES = REPO / "tests" / "fixtures" / "dialogues"
# What the two channels of stereo_diarization.wav say (../shared/data/README.md).
STEREO_LEFT = "He began a confused complaint against the wizard, who had vanished behind the curtain on the left."
STEREO_RIGHT = "The horizon seems extremely distant."


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def processed(capsys, audio: Path, participants="sagsbehandler,borger", *extra, process=()) -> tuple[str, str]:
    meeting = run(capsys, "meeting", "new", "--title", "Samtale", "--participants", participants, "--consent-all",
                  *extra).strip().splitlines()[-1]
    run(capsys, "import", meeting, audio)
    return meeting, run(capsys, "process", meeting, *process)


def exported(capsys, meeting: str, fmt: str = "json"):
    out = run(capsys, "export", meeting, "--format", fmt)
    return json.loads(out) if fmt == "json" else out


def hypothesis(rttm_text: str) -> list[tuple[float, float, str]]:
    rows = [line.split() for line in rttm_text.splitlines()]
    return [(float(r[3]), float(r[3]) + float(r[4]), r[7]) for r in rows]


def test_two_voices_are_told_apart(home_with_model, capsys):
    meeting, out = processed(capsys, DIALOGUES / "dialog1.flac")
    assert "Talere (efter stemme): S1 Taler 1, S2 Taler 2" in out
    document = exported(capsys, meeting)
    assert [s["id"] for s in document["speakers"]] == ["S1", "S2"]
    assert all(s["speaker"] in ("S1", "S2") for s in document["segments"])
    assert all(w["speaker"] == s["speaker"] for s in document["segments"] for w in s["words"])
    balance = document["balance"]
    assert set(balance) == {"S1", "S2"} and abs(sum(b["share"] for b in balance.values()) - 1) < 1e-3
    assert all(b["turns"] >= 3 and b["longest_turn_s"] > 2 for b in balance.values())
    reference = read_rttm(DIALOGUES / "dialog1.rttm")["dialog1"]
    rttm = hypothesis(exported(capsys, meeting, "rttm"))
    assert share_error_points(reference, rttm) < 5
    # One attribution: the RTTM's seconds per speaker are the balance's talk time.
    seconds = {}
    for start, end, speaker in rttm:
        seconds[speaker] = seconds.get(speaker, 0.0) + end - start
    assert {k: round(v, 1) for k, v in seconds.items()} == {k: round(b["talk_s"], 1) for k, b in balance.items()}


def test_one_microphone_each_decides_by_channel(home_with_model, capsys):
    meeting, out = processed(capsys, DIALOGUES / "dialog1_stereo.flac", "sagsbehandler,borger",
                             "--channels", "sagsbehandler=1,borger=2")
    assert "Talere (efter mikrofonkanal): S1 Sagsbehandler, S2 Borger" in out
    document = exported(capsys, meeting)
    assert document["speakers"][0] == {"id": "S1", "label": "Sagsbehandler", "role": "sagsbehandler"}
    script = json.loads((DIALOGUES / "dialog1_stereo.json").read_text(encoding="utf-8"))
    first_role = script["turns"][0]["role"] if "turns" in script else None
    if first_role:
        assert document["segments"][0]["speaker"] == {"sagsbehandler": "S1", "borger": "S2"}[first_role]
    reference = read_rttm(DIALOGUES / "dialog1_stereo.rttm")["dialog1_stereo"]
    assert share_error_points(reference, hypothesis(exported(capsys, meeting, "rttm"))) < 3


def test_stereo_file_with_a_speaker_per_channel(home_with_model, capsys):
    meeting, out = processed(capsys, DIARIZATION / "stereo_diarization.wav", "sagsbehandler,borger",
                             "--channels", "sagsbehandler=1,borger=2")
    document = exported(capsys, meeting)
    text = {s["speaker"]: " ".join(x["text"] for x in document["segments"] if x["speaker"] == s["speaker"])
            for s in document["segments"]}
    # Each channel is transcribed on its own, so both lines are heard although they overlap, and
    # neither leaks into the other speaker's. The words are English heard as Danish ("Hvis det ser
    # extremt distemt."), spelt differently by each decoder release: judge by which line each
    # speaker's text is closer to, character by character.
    left, right = normalise(STEREO_LEFT), normalise(STEREO_RIGHT)
    heard = {speaker: normalise(said) for speaker, said in text.items()}
    assert jiwer.cer(left, heard["S1"]) < jiwer.cer(right, heard["S1"]), heard
    assert jiwer.cer(right, heard["S2"]) < jiwer.cer(left, heard["S2"]), heard
    # A leak would add the other line's characters: each text is no longer than its own line allows.
    assert len(heard["S1"]) < 1.3 * len(left) and len(heard["S2"]) < 1.3 * len(right), heard


def test_enrolled_voice_names_the_caseworker(home_with_model, capsys):
    out = run(capsys, "voice", "enroll", "anne", DIALOGUES / "enrol_sagsbehandler.flac", "--consent-method", "written")
    assert "Stemmeprøve gemt for anne" in out
    meeting, out = processed(capsys, DIALOGUES / "dialog1.flac", "sagsbehandler,borger", "--caseworker", "anne")
    speakers = {s["role"]: s["id"] for s in exported(capsys, meeting)["speakers"]}
    assert set(speakers) == {"sagsbehandler", "borger"}
    reference = read_rttm(DIALOGUES / "dialog1.rttm")["dialog1"]
    caseworker_ref = [t for t in reference if t[2] == reference[0][2]]  # the caseworker opens
    hyp = hypothesis(exported(capsys, meeting, "rttm"))
    overlap = lambda who: sum(max(0.0, min(e, re) - max(s, rs)) for s, e, w in hyp if w == who for rs, re, _ in caseworker_ref)
    assert overlap(speakers["sagsbehandler"]) > 3 * overlap(speakers["borger"])

    run(capsys, "voice", "delete", "anne")
    assert run(capsys, "voice", "list").strip() == "Ingen stemmeprøver."


def test_corrections_survive_reprocessing(home_with_model, capsys):
    meeting, _ = processed(capsys, DIALOGUES / "dialog1.flac")
    run(capsys, "speaker", "rename", meeting, "S2", "--role", "borger")
    before = exported(capsys, meeting)
    assert before["speakers"][1] == {"id": "S2", "label": "Borger", "role": "borger"}
    moved_at = next(s for s in before["segments"] if s["speaker"] == "S1")
    run(capsys, "speaker", "move", meeting, "--at", (moved_at["start"] + moved_at["end"]) / 2, "--to", "S2")
    assert exported(capsys, meeting)["balance"]["S2"]["talk_s"] > before["balance"]["S2"]["talk_s"]

    run(capsys, "process", meeting)
    after = exported(capsys, meeting)
    assert after["speakers"][1]["label"] == "Borger"
    assert next(s for s in after["segments"] if s["start"] == moved_at["start"])["speaker"] == "S2"

    run(capsys, "speaker", "merge", meeting, "S2", "--into", "S1")
    merged = exported(capsys, meeting)
    assert [s["id"] for s in merged["speakers"]] == ["S1"] and merged["balance"]["S1"]["share"] == 1.0


def test_silence_only(home_with_model, capsys, tmp_path):
    quiet = np.random.default_rng(0).normal(0, 1e-4, 16000 * 20)
    meeting, out = processed(capsys, write_wav(tmp_path / "stille.wav", quiet * 32767))
    assert "Ingen tale fundet" in out
    assert exported(capsys, meeting)["segments"] == []


def test_one_short_utterance_goes_to_one_speaker(home_with_model, capsys, danish_dir):
    meeting, out = processed(capsys, danish_dir / "u0042018.wav")  # 3 s of speech
    assert "For lidt tale" in out
    assert {s["speaker"] for s in exported(capsys, meeting)["segments"]} == {"S1"}


def test_channel_map_that_does_not_fit_falls_back_to_voices(home_with_model, capsys, danish_dir):
    # Any mono speech shows the fallback; a 3 s clip keeps the test short. It is said on import
    # already, before the long work, and again by process.
    meeting = run(capsys, "meeting", "new", "--title", "Samtale", "--participants", "sagsbehandler,borger",
                  "--consent-all", "--channels", "sagsbehandler=1,borger=2").strip().splitlines()[-1]
    imported = run(capsys, "import", meeting, danish_dir / "u0042018.wav")
    assert ("Bemærk: Optagelsen har 1 kanal, men mødet er sat op med en mikrofon til hver, der taler (2 kanaler). "
            "Talerne skelnes derfor på stemmerne") in imported
    out = run(capsys, "process", meeting)
    assert "passer ikke til optagelsen med 1 kanal" in out and "efter stemme" in out
    # A channel for some of those who speak only could never be used: refused, and no meeting made.
    listed = run(capsys, "meeting", "list")
    assert main(["meeting", "new", "--title", "Halvt", "--participants", "sagsbehandler,borger", "--consent-all",
                 "--channels", "sagsbehandler=1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "medlyt: fejl: Med en mikrofon til hver skal alle, der taler, have en kanal: borger mangler.")
    assert run(capsys, "meeting", "list") == listed


def test_speaker_count_override_and_its_limits(home_with_model, capsys, danish_dir):
    meeting, out = processed(capsys, DIALOGUES / "dialog1.flac", process=["--speakers", "3"])
    assert len(exported(capsys, meeting)["speakers"]) == 3
    assert main(["process", meeting, "--speakers", "0"]) == 2
    assert "mindst 1" in capsys.readouterr().err
