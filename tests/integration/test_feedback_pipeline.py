"""Feedback end to end: a synthetic Danish meeting with scripted events at known times, spoken
by two espeak-ng voices, through `medlyt process` with the real model, then `show`, `export`,
speaker corrections and organisation settings.

The events (tests/synth.py): a citizen story after an open question, an interruption with 2 s of
overlapping speech, a 75 s caseworker monologue, a raised voice answered calmly, and a 14 s
silence. Every event must be flagged within ±2 s, and no flag of these kinds may appear where
nothing happened. The flags that rest on Whisper's text (questions, word lists) are not judged
here: base Whisper makes little sense of espeak-ng's Danish; they are tested on real text in
tests/unit (test_flags_questions, test_flags_lexicon, test_question_accuracy, test_lexicon).
"""

import contextlib
import io
import json
import os
import shutil
import tomllib

import pytest

from feedback.labels import INTERRUPTIONS_NOTE, ONE_MICROPHONE_NOTE
from medlyt import pipeline
from medlyt.cli import main
from tests.synth import build_meeting

TOLERANCE_S = 2.0
# Kinds decided by timing and loudness: each must match a scripted event.
TIMING_KINDS = {"long_monologue", "interruption", "raised_voice", "calm_response", "long_silence",
                "citizen_story", "caseworker_dominance"}
ROLE_KINDS = {"long_monologue", "citizen_story", "caseworker_dominance", "open_question", "closed_question_streak"}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return build_meeting(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="module")
def home(model_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("feedback-home")
    shutil.copytree(model_home / "models", home / "models", copy_function=os.link)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDLYT_HOME", str(home))
        mp.delenv("MEDLYT_CONFIG", raising=False)
        yield home


def run(capsys, *args) -> str:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def quiet(*args) -> str:
    """A command's stdout, for module fixtures (which cannot use capsys)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    assert code == 0, err.getvalue()
    return out.getvalue()


def processed_meeting(audio, *extra) -> str:
    meeting = quiet("meeting", "new", "--title", "Syntetisk samtale", "--participants",
                    "sagsbehandler,borger", "--consent-all", *extra).strip().splitlines()[-1]
    quiet("import", meeting, audio)
    quiet("process", meeting)
    return meeting


@pytest.fixture(scope="module")
def stereo(synthetic, home) -> str:
    """The meeting recorded with one microphone each (caseworker left, citizen right)."""
    return processed_meeting(synthetic.stereo, "--channels", "sagsbehandler=1,borger=2")


def exported(capsys, meeting) -> dict:
    return json.loads(run(capsys, "export", meeting, "--format", "json"))


def matches(flag: dict, event) -> bool:
    return (flag["kind"] == event.kind and abs(flag["start"] - event.start) <= TOLERANCE_S
            and abs(flag["end"] - event.end) <= TOLERANCE_S)


def check_flags(flags: list[dict], events, kinds: set[str]) -> None:
    expected = [e for e in events if e.kind in kinds]
    for event in expected:
        assert any(matches(f, event) for f in flags), f"not flagged: {event}; flags: {summary(flags)}"
    for flag in flags:
        if flag["kind"] in kinds:
            assert any(matches(flag, e) for e in expected), f"flagged where nothing happened: {flag}"


def summary(flags):
    return [(f["kind"], round(f["start"], 1), round(f["end"], 1)) for f in flags]


def test_one_microphone_each_flags_every_event_and_nothing_else(synthetic, stereo, capsys):
    meeting = stereo
    document = exported(capsys, meeting)
    flags = document["flags"]
    check_flags(flags, synthetic.events, TIMING_KINDS)
    assert all(f["message"] and f["tone"] in ("concern", "strength", "info") for f in flags)
    strengths = {f["kind"] for f in flags if f["tone"] == "strength"}
    assert {"citizen_story", "calm_response"} <= strengths

    caseworker = document["balance"]["S1"]
    assert abs(caseworker["share"] - synthetic.caseworker_share) < 0.05
    metrics = document["metrics"]
    assert metrics["roles_known"] and metrics["interruptions"] == 1
    assert metrics["longest_monologue_s"] == pytest.approx(75.6, abs=TOLERANCE_S)
    assert metrics["longest_citizen_story_s"] == pytest.approx(39.0, abs=TOLERANCE_S)
    assert metrics["longest_silence_s"] == pytest.approx(14.0, abs=TOLERANCE_S)
    assert document["analysis"]["config_source"] == "standard"
    assert document["analysis"]["config"]["thresholds"]["long_monologue_s"] == 60.0

    shown = run(capsys, "show", meeting)
    for heading in ("Taletid", "Nøgletal", "Markeringer:", "Lang monolog", "Rolig respons", "Afbrydelse"):
        assert heading in shown
    assert ONE_MICROPHONE_NOTE not in shown  # a microphone each: overlap is measured
    assert INTERRUPTIONS_NOTE not in shown


def test_one_microphone_for_all_then_roles_by_hand_without_transcribing_again(synthetic, home, capsys, monkeypatch):
    meeting = processed_meeting(synthetic.mono)
    document = exported(capsys, meeting)
    assert not document["metrics"]["roles_known"]
    # Without roles nothing is said about the caseworker or the citizen; what needs no roles is.
    assert not [f for f in document["flags"] if f["kind"] in ROLE_KINDS]
    # The interruption needs no roles: the resegmentation hears two voices at once near the change
    # (issue 21), so one microphone finds it too, and nowhere else.
    check_flags(document["flags"], synthetic.events, {"raised_voice", "long_silence", "calm_response", "interruption"})
    shown = run(capsys, "show", meeting)
    assert "Giv dem roller" in shown
    assert ONE_MICROPHONE_NOTE in shown  # the balance says how far to trust it
    assert INTERRUPTIONS_NOTE in shown  # ... and so does the interruption count

    monologue = synthetic.events_of("long_monologue")[0]
    inside = [s["speaker"] for s in document["segments"] if monologue.start <= s["start"] <= monologue.end]
    caseworker = max(set(inside), key=inside.count)
    citizen = next(s["id"] for s in document["speakers"] if s["id"] != caseworker)

    def no_transcription(*args, **kwargs):
        raise AssertionError("a speaker correction must not run Whisper again")

    monkeypatch.setattr(pipeline, "load_whisper", no_transcription)
    run(capsys, "speaker", "rename", meeting, caseworker, "--role", "sagsbehandler")
    run(capsys, "speaker", "rename", meeting, citizen, "--role", "borger")
    corrected = exported(capsys, meeting)
    assert corrected["metrics"]["roles_known"]
    check_flags(corrected["flags"], synthetic.events, {"long_monologue", "citizen_story", "raised_voice",
                                                       "long_silence", "calm_response", "interruption"})
    assert {s["role"] for s in corrected["speakers"]} == {"sagsbehandler", "borger"}
    assert [s["text"] for s in corrected["segments"]] == [s["text"] for s in document["segments"]]


@pytest.mark.parametrize("microphones", ["stereo", "mono"])
def test_batched_and_window_by_window_decoding_give_the_same_speakers_and_flags(synthetic, stereo, home, capsys,
                                                                                 monkeypatch, microphones):
    """The shipped path decodes Whisper windows in batches; one window after the other
    (MEDLYT_BATCH_SIZE=1, as before) must find the same speakers, balance and timing flags."""
    batched = stereo if microphones == "stereo" else processed_meeting(synthetic.mono)
    monkeypatch.setenv("MEDLYT_BATCH_SIZE", "1")
    extra = ("--channels", "sagsbehandler=1,borger=2") if microphones == "stereo" else ()
    one_by_one = processed_meeting(getattr(synthetic, microphones), *extra)
    a, b = exported(capsys, batched), exported(capsys, one_by_one)
    assert [(s["id"], s["label"], s["role"]) for s in a["speakers"]] == [(s["id"], s["label"], s["role"]) for s in b["speakers"]]
    for speaker, share in a["balance"].items():
        assert share["share"] == pytest.approx(b["balance"][speaker]["share"], abs=0.02)
    timing = lambda flags: [f for f in flags if f["kind"] in TIMING_KINDS]  # noqa: E731
    assert [f["kind"] for f in timing(a["flags"])] == [f["kind"] for f in timing(b["flags"])]
    for fa, fb in zip(timing(a["flags"]), timing(b["flags"])):
        assert abs(fa["start"] - fb["start"]) <= TOLERANCE_S and abs(fa["end"] - fb["end"]) <= TOLERANCE_S


def test_a_mistyped_batch_size_is_one_danish_line(synthetic, home, capsys, monkeypatch):
    meeting = quiet("meeting", "new", "--title", "Forkert indstilling", "--participants", "sagsbehandler,borger",
                    "--consent-all").strip().splitlines()[-1]
    quiet("import", meeting, synthetic.mono)
    monkeypatch.setenv("MEDLYT_BATCH_SIZE", "otte")
    assert main(["process", meeting]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "MEDLYT_BATCH_SIZE='otte' er ikke et helt tal på mindst 1. Ret eller fjern indstillingen.")


def test_an_organisations_settings_are_used_and_recorded(stereo, capsys, tmp_path):
    meeting = stereo
    settings = tmp_path / "kommune.toml"
    settings.write_text("[thresholds]\nlong_monologue_s = 5.0\nlong_silence_s = 20.0\n", encoding="utf-8")
    assert "er gyldig" in run(capsys, "config", "check", settings)
    out = run(capsys, "analyse", meeting, "--config", settings)
    assert str(settings) in out
    document = exported(capsys, meeting)
    assert document["analysis"]["config_source"] == str(settings)
    assert document["analysis"]["config"]["thresholds"]["long_monologue_s"] == 5.0
    kinds = [f["kind"] for f in document["flags"]]
    assert "long_silence" not in kinds  # 14 s is no longer long
    monologues = [f for f in document["flags"] if f["kind"] == "long_monologue"]
    assert len(monologues) >= 2 and all(f["end"] - f["start"] > 5.0 for f in monologues)
    # The shipped defaults parse as TOML and say the same as the values recorded by default.
    defaults = tomllib.loads(run(capsys, "config", "default"))
    assert defaults["thresholds"]["long_monologue_s"] == 60.0


def test_bad_settings_are_refused_before_any_work(home, capsys, tmp_path):
    broken = tmp_path / "forkert.toml"
    broken.write_text("[thresholds]\nlong_monolog_s = 20\n", encoding="utf-8")
    assert main(["config", "check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "long_monolog_s" in err
    assert main(["process", "ukendt", "--config", str(tmp_path / "mangler.toml")]) == 2
    assert "findes ikke" in capsys.readouterr().err
