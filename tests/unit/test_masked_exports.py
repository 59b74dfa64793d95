"""CPR numbers, phone numbers and e-mail addresses are masked in every export format and in
everything the CLI prints of a transcript, unless `medlyt export --unmasked` asks otherwise,
which the audit log records. Real store, real analysis, the real CLI."""

import json

import pytest

from feedback.analysis import analyser
from meetings import audit
from meetings.records import Consent, Participant, Segment, Speaker, Word, now_iso
from meetings.redaction import CPR_PLACEHOLDER, EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER
from meetings.store import Store
from medlyt.cli import main
from medlyt.cli.processing import EXPORT_FORMATS
from medlyt.cli.transcribe import TRANSCRIBE_FORMATS
from medlyt.export import Transcript, get_writer

CPR, PHONE, EMAIL = "010203-1234", "12 34 56 78", "anne.hansen@kommune.dk"
RAW = (CPR, "010203", PHONE, "56 78", EMAIL, "anne.hansen", "kommune.dk")
PLACEHOLDERS = (CPR_PLACEHOLDER, PHONE_PLACEHOLDER, EMAIL_PLACEHOLDER)
NOTE = f"Borgeren gav sit nummer {PHONE}"  # an observer's bookmark, quoted in its flag's message

LINES = [
    ("S1", 0.5, 3.0, f"Er dit nummer stadig {PHONE}?"),
    ("S2", 3.4, 4.0, "Ja."),
    ("S1", 4.5, 7.0, f"Har du stadig mailen {EMAIL}?"),
    ("S2", 7.3, 8.0, "Ja."),
    ("S1", 8.4, 11.0, f"Kan du bekræfte dit CPR-nummer, {CPR}?"),
    ("S2", 11.4, 12.0, f"Ja, det er {CPR}."),
    ("S2", 12.5, 20.0, f"Skriv til {EMAIL} eller ring på {PHONE}."),
]


def said(start: float, end: float, text: str) -> list[Word]:
    """Whisper-style words: each with its leading space."""
    parts = text.split()
    step = (end - start) / len(parts)
    return [Word(start + i * step, start + (i + 1) * step, " " + w, 0.9) for i, w in enumerate(parts)]


SEGMENTS = [Segment(a, b, text, said(a, b, text), who) for who, a, b, text in LINES]


@pytest.fixture
def meeting_id(medlyt_home) -> str:
    consent = Consent(True, "verbal", now_iso())
    with Store(medlyt_home) as store:
        meeting = store.create_meeting("Opfølgning", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent),
            Participant("borger", "Borger", consent=consent)])
        store.save_transcript(meeting.id, SEGMENTS, "base", [Speaker("S1", "Sagsbehandler", "sagsbehandler"),
                                                             Speaker("S2", "Borger", "borger")], analyser())
        store.add_bookmark(meeting.id, 9.0, by="olga", note=NOTE, analyse=analyser())
    return meeting.id


def export(capsys, meeting_id: str, fmt: str, *extra: str) -> str:
    assert main(["export", meeting_id, "--format", fmt, *extra]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def assert_masked(text: str) -> None:
    leaked = [raw for raw in RAW if raw in text]
    assert not leaked, leaked


def exports_logged(home, meeting_id: str) -> list[str]:
    with Store(home) as store:
        return [e.detail for e in store.audit_entries(meeting_id) if e.action == audit.EXPORTED]


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_export_format_is_masked_by_default(medlyt_home, meeting_id, capsys, tmp_path, fmt):
    out = export(capsys, meeting_id, fmt)
    assert_masked(out)
    target = tmp_path / f"møde.{fmt}"
    export(capsys, meeting_id, fmt, "-o", str(target))
    assert target.read_bytes().decode("utf-8") == out  # byte for byte (CSV ends its rows with CRLF)
    assert oct(target.stat().st_mode & 0o777) == "0o600"  # what the citizen said, for its owner only
    if fmt == "rttm":  # who spoke when, no text: masking changes nothing in it
        assert out == export(capsys, meeting_id, fmt, "--unmasked")
    else:
        assert all(p in out for p in PLACEHOLDERS), out
    assert exports_logged(medlyt_home, meeting_id)[:2] == [f"format={fmt}", f"format={fmt}"]


def test_the_text_formats_read_as_said_with_placeholders(meeting_id, capsys):
    txt = export(capsys, meeting_id, "txt").splitlines()
    assert txt[0] == f"[00:00:00] Sagsbehandler: Er dit nummer stadig {PHONE_PLACEHOLDER}?"
    assert txt[4] == f"[00:00:08] Sagsbehandler: Kan du bekræfte dit CPR-nummer, {CPR_PLACEHOLDER}?"
    assert txt[6] == f"[00:00:12] Borger: Skriv til {EMAIL_PLACEHOLDER} eller ring på {PHONE_PLACEHOLDER}."
    assert f"<v Borger>Ja, det er {CPR_PLACEHOLDER}.\n" in export(capsys, meeting_id, "vtt")
    assert f"00:00:11,400 --> 00:00:12,000\nBorger: Ja, det er {CPR_PLACEHOLDER}.\n" in export(capsys, meeting_id, "srt")


def test_json_masks_text_words_and_flags_and_keeps_every_number(meeting_id, capsys):
    masked = json.loads(export(capsys, meeting_id, "json"))
    unmasked = json.loads(export(capsys, meeting_id, "json", "--unmasked"))
    assert masked["segments"][0]["text"] == f"Er dit nummer stadig {PHONE_PLACEHOLDER}?"
    # The words inside the number are left empty, with their times: everything aligned on
    # the words (loudness, flags, RTTM) still lines up.
    assert [w["word"] for w in masked["segments"][0]["words"]] == \
        [" Er", " dit", " nummer", " stadig", f" {PHONE_PLACEHOLDER}", "", "", " ?"]
    for m, u in zip(masked["segments"], unmasked["segments"]):
        assert (m["start"], m["end"], m["speaker"]) == (u["start"], u["end"], u["speaker"])
        assert [(w["start"], w["end"], w["probability"]) for w in m["words"]] == \
            [(w["start"], w["end"], w["probability"]) for w in u["words"]]
    # The analysis is the one made from what was said; masking touches only the text it quotes.
    assert masked["balance"] == unmasked["balance"] and masked["metrics"] == unmasked["metrics"]
    assert masked["metrics"]["speakers"]["S1"]["questions_closed"] == 3
    strip = lambda flags: [(f["kind"], f["start"], f["end"], f["speaker"], f["tone"]) for f in flags]
    assert strip(masked["flags"]) == strip(unmasked["flags"])
    streak = next(f for f in masked["flags"] if f["kind"] == "closed_question_streak")
    assert streak["evidence"]["questions"] == [f"Er dit nummer stadig {PHONE_PLACEHOLDER}?",
                                               f"Har du stadig mailen {EMAIL_PLACEHOLDER}?",
                                               f"Kan du bekræfte dit CPR-nummer, {CPR_PLACEHOLDER}?"]
    bookmark = next(f for f in masked["flags"] if f["kind"] == "bookmark")
    assert bookmark["message"].endswith(PHONE_PLACEHOLDER) and bookmark["evidence"]["note"].endswith(PHONE_PLACEHOLDER)
    assert_masked(json.dumps(masked, ensure_ascii=False))


@pytest.mark.parametrize("fmt", [f for f in EXPORT_FORMATS if f != "rttm"])
def test_unmasked_export_shows_the_values_and_is_logged(medlyt_home, meeting_id, capsys, fmt):
    out = export(capsys, meeting_id, fmt, "--unmasked")
    assert CPR in out and EMAIL in out and not any(p in out for p in PLACEHOLDERS)
    assert PHONE in out
    with Store(medlyt_home) as store:
        entry = [e for e in store.audit_entries(meeting_id) if e.action == audit.EXPORTED][-1]
    assert entry.detail == f"format={fmt} unmasked=1" and entry.user.startswith("cli")
    export(capsys, meeting_id, fmt)
    assert exports_logged(medlyt_home, meeting_id)[-1] == f"format={fmt}"


def test_the_opt_out_is_explained_in_danish(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--unmasked" in help_text
    assert "CPR-numre, telefonnumre og e-mailadresser umaskerede" in help_text and "auditloggen" in help_text


def test_show_masks_what_a_flag_quotes(meeting_id, capsys):
    assert main(["show", meeting_id]) == 0
    out = capsys.readouterr().out
    assert_masked(out)
    assert f"Observatøren satte et bogmærke her: Borgeren gav sit nummer {PHONE_PLACEHOLDER}" in out


@pytest.mark.parametrize("fmt", TRANSCRIBE_FORMATS)
def test_transcribe_prints_and_writes_masked_text(medlyt_home, danish_dir, monkeypatch, capsys, tmp_path, fmt):
    """`medlyt transcribe` stores nothing, and has no opt-out. Whisper is replaced by a
    transcript that says the numbers (the real model cannot be made to say them on cue);
    decoding the file and writing the output are the real ones."""
    from medlyt import pipeline

    monkeypatch.setattr(pipeline, "transcribe_file",
                        lambda home, src, model, on_progress: Transcript(list(SEGMENTS), title=src.name))
    audio = danish_dir / "ap_dan.wav"
    assert main(["transcribe", str(audio), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert_masked(out)
    assert all(p in out for p in PLACEHOLDERS)
    target = tmp_path / f"tekst.{fmt}"
    assert main(["transcribe", str(audio), "--format", fmt, "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == out


def test_get_writer_masks_unless_told_not_to():
    transcript = Transcript(list(SEGMENTS), flags=[{"kind": "bookmark", "message": NOTE, "evidence": {"note": NOTE}}])
    for fmt in ("json", "srt", "vtt", "txt"):
        assert_masked(get_writer(fmt)(transcript))
        assert CPR in get_writer(fmt, unmasked=True)(transcript)
    assert transcript.segments[0].text == LINES[0][3]  # the transcript handed in is not changed
    assert transcript.flags[0]["message"] == NOTE


@pytest.mark.parametrize("planted", ["file", "link"])
def test_an_export_never_writes_through_what_was_left_at_its_partial_name(meeting_id, capsys, tmp_path, planted):
    """Another user may have put a readable file, or a link to their own file, where an older
    medlyt wrote its half-finished export (.NAME.partial): neither is used."""
    target, partial, elsewhere = tmp_path / "møde.json", tmp_path / ".møde.json.partial", tmp_path / "andens.txt"
    elsewhere.write_text("andens fil")
    if planted == "file":
        partial.write_text("gammel")
        partial.chmod(0o666)
    else:
        partial.symlink_to(elsewhere)
    export(capsys, meeting_id, "json", "-o", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["meeting"]["id"] == meeting_id
    assert oct(target.stat().st_mode & 0o777) == "0o600" and not target.is_symlink()
    assert elsewhere.read_text() == "andens fil"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial") and p != partial]  # none of ours left
