"""Bad input: one clear line, a non-zero exit, no traceback, and the store exactly as before."""

import shutil
import sqlite3
import wave
from pathlib import Path

import pytest

from medlyt.cli import main
from medlyt.cli.serve import DEMO_AUDIO

DEMO = DEMO_AUDIO


def snapshot(home: Path) -> tuple:
    """Everything the store holds: every row, and every file outside the model store."""
    db = home / "medlyt.sqlite3"
    rows = list(sqlite3.connect(db).iterdump()) if db.exists() else []
    files = sorted(str(p.relative_to(home)) for p in home.rglob("*")
                   if p.is_file() and "models" not in p.relative_to(home).parts and not p.name.endswith(("-wal", "-shm")))
    return rows, files


def consented_meeting(capsys) -> str:
    assert main(["meeting", "new", "--title", "T", "--participants", "sagsbehandler,borger", "--consent-all"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def expect_clean_failure(capsys, home: Path, args: list[str], code: int = 2) -> str:
    before = snapshot(home)
    assert main(args) == code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("medlyt: fejl: "), err
    assert "Traceback" not in err
    assert snapshot(home) == before
    return lines[0]


def write_wav(path: Path, frames: bytes, declared_frames: int | None = None) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(frames)
    if declared_frames is not None:  # rewrite the header's sizes to lie about the length
        data = bytearray(path.read_bytes())
        data[4:8] = (36 + declared_frames * 2).to_bytes(4, "little")
        data[40:44] = (declared_frames * 2).to_bytes(4, "little")
        path.write_bytes(bytes(data))
    return path


def bad_files(tmp_path: Path, danish_dir: Path) -> dict[str, Path]:
    real = (danish_dir / "u0042008.wav").read_bytes()
    empty = tmp_path / "tom.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notat.wav"
    text.write_text("Dette er ikke lyd, men et notat.\n" * 50, encoding="utf-8")
    cut = tmp_path / "afkortet.wav"
    cut.write_bytes(real[: len(real) // 3])  # header promises the whole clip, a third arrived
    unknown = tmp_path / "referat.docx"
    unknown.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    folder = tmp_path / "mappe.wav"
    folder.mkdir()
    return {
        "empty": empty,
        "zero_length": write_wav(tmp_path / "nul.wav", b""),
        "header_only": write_wav(tmp_path / "kun-header.wav", b"", declared_frames=160000),
        "truncated": cut,
        "text_as_wav": text,
        "unknown_extension": unknown,
        "directory": folder,
        "missing": tmp_path / "findes-ikke.wav",
    }


@pytest.mark.parametrize("kind", ["empty", "zero_length", "header_only", "truncated", "text_as_wav",
                                  "unknown_extension", "directory", "missing"])
def test_bad_audio_file_is_refused_cleanly(kind, medlyt_home, danish_dir, tmp_path, capsys):
    meeting_id = consented_meeting(capsys)
    source = bad_files(tmp_path, danish_dir)[kind]
    line = expect_clean_failure(capsys, medlyt_home, ["import", meeting_id, str(source)])
    assert source.name in line
    # The stateless path refuses it the same way.
    expect_clean_failure(capsys, medlyt_home, ["transcribe", str(source)])


def test_file_that_disappears_mid_import(medlyt_home, danish_dir, tmp_path, capsys, monkeypatch):
    meeting_id = consented_meeting(capsys)
    source = tmp_path / "forsvinder.wav"
    shutil.copy(danish_dir / "ap_dan.wav", source)
    from medlyt.cli import processing  # where medlyt import takes its progress bar from

    real_bar = processing.progress_bar

    def vanishing_bar(total, description):
        update, close = real_bar(total, description)

        def update_and_vanish(done):
            if source.exists():
                with open(source, "r+b") as f:  # the disk copy is cut short, then removed
                    f.truncate(10_000)
                source.unlink()
            update(done)

        return update_and_vanish, close

    monkeypatch.setattr(processing, "progress_bar", vanishing_bar)
    expect_clean_failure(capsys, medlyt_home, ["import", meeting_id, str(source)])


@pytest.mark.parametrize("command", [["import", "finnesikke", str(DEMO)], ["process", "finnesikke"],
                                     ["export", "finnesikke", "--format", "json"], ["withdraw", "finnesikke", "--yes"],
                                     ["consent", "finnesikke", "--participant", "borger", "--given"]])
def test_unknown_meeting_id(command, medlyt_home, capsys):
    consented_meeting(capsys)
    line = expect_clean_failure(capsys, medlyt_home, command)
    assert "finnesikke" in line


def test_missing_model(medlyt_home, capsys):
    meeting_id = consented_meeting(capsys)
    assert main(["import", meeting_id, str(DEMO)]) == 0
    capsys.readouterr()
    line = expect_clean_failure(capsys, medlyt_home, ["process", meeting_id])
    assert "medlyt models install base" in line


def test_corrupt_model(home_with_model, capsys):
    meeting_id = consented_meeting(capsys)
    assert main(["import", meeting_id, str(DEMO)]) == 0
    capsys.readouterr()
    model_bin = home_with_model / "models" / "base" / "model.bin"
    data = model_bin.read_bytes()
    model_bin.unlink()  # break the hard link to the shared copy before damaging it
    model_bin.write_bytes(data[: len(data) // 2])
    line = expect_clean_failure(capsys, home_with_model, ["process", meeting_id])
    assert "medlyt models install base" in line
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0xFF
    model_bin.write_bytes(bytes(tampered))
    expect_clean_failure(capsys, home_with_model, ["process", meeting_id])


@pytest.mark.parametrize("setting, value, said", [("MEDLYT_DEVICE", "cuda", "ingen CUDA-GPU"),
                                                   ("MEDLYT_DEVICE", "tpu", "Ukendt enhed 'tpu'"),
                                                   ("MEDLYT_BATCH_SIZE", "0", "MEDLYT_BATCH_SIZE='0'"),
                                                   ("MEDLYT_COMPUTE_TYPE", "float16",
                                                    "Beregningstypen 'float16' kan ikke bruges på cpu"),
                                                   ("MEDLYT_COMPUTE_TYPE", "int4", "Beregningstypen 'int4'")])
def test_an_engine_setting_this_machine_cannot_honour(home_with_model, capsys, monkeypatch, setting, value, said):
    """No GPU here (CI has none): asking for one is one line before any work, for a meeting and
    for a file; the meeting stays as it was."""
    meeting_id = consented_meeting(capsys)
    assert main(["import", meeting_id, str(DEMO)]) == 0
    capsys.readouterr()
    monkeypatch.setenv(setting, value)
    assert said in expect_clean_failure(capsys, home_with_model, ["process", meeting_id])
    assert said in expect_clean_failure(capsys, home_with_model, ["transcribe", str(DEMO)])


def test_the_organisations_model_setting_names_a_model_that_is_not_there(home_with_model, capsys, monkeypatch):
    meeting_id = consented_meeting(capsys)
    assert main(["import", meeting_id, str(DEMO)]) == 0
    capsys.readouterr()
    monkeypatch.setenv("MEDLYT_MODEL", "roest-v3")  # one medlyt can fetch, not fetched here
    line = expect_clean_failure(capsys, home_with_model, ["process", meeting_id])
    assert "'roest-v3' er ikke hentet endnu" in line and "medlyt models download roest-v3" in line
    monkeypatch.setenv("MEDLYT_MODEL", "vores-egen")  # one nobody knows
    line = expect_clean_failure(capsys, home_with_model, ["process", meeting_id])
    assert "Ukendt model 'vores-egen'" in line and "medlyt models add" in line


def test_debug_shows_the_traceback(medlyt_home, capsys):
    with pytest.raises(Exception):
        main(["--debug", "process", "finnesikke"])
