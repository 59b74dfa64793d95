"""`medlyt models convert`: the real CLI and the real converter script, without the network.

What needs torch and the network is not run here by default: the conversion itself. With
MEDLYT_TEST_CONVERTER_PYTHON naming a Python that has ctranslate2, transformers and torch, the last
test converts a small random-weight Whisper made with transformers, end to end through the CLI.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.convert import predicts_timestamps, register_converted
from models.store import locate
from tests.hub_standin import closed_port

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "medlyt" / "demo" / "demo_meeting.flac"
# medlyt's own Python has huggingface_hub but neither torch nor transformers: a converter
# environment that lacks the converter.
NO_CONVERTER = sys.executable
FACTS = {"commit": "0123456789abcdef0123456789abcdef01234567", "ctranslate2": "4.8.5", "transformers": "5.25.0"}


def medlyt(home: Path, *args: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE") and not k.startswith("PIP_")}
    return subprocess.run([sys.executable, "-m", "medlyt.cli", *args], cwd=REPO, text=True, capture_output=True,
                          env={**clean, "MEDLYT_HOME": str(home), "HF_HOME": str(home.parent / "hf"), **env},
                          stdin=subprocess.DEVNULL, timeout=300)


def refused(result: subprocess.CompletedProcess) -> str:
    """Exit 2 and one Danish line, no traceback."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def nothing_left(home: Path) -> None:
    models = home / "models"
    assert not models.exists() or not [p for p in models.iterdir() if p.name != "base" and p.name != "registry.json"]
    registry = models / "registry.json"
    assert not registry.exists() or set(json.loads(registry.read_text())["models"]) <= {"base"}


def hf_model(path: Path, model_type: str) -> Path:
    """A directory in Hugging Face's format, as far as the converter's first look goes."""
    path.mkdir()
    (path / "config.json").write_text(json.dumps({"model_type": model_type}))
    return path


@pytest.mark.parametrize("args, said", [
    (["ikke-et-id"], "hverken et Hugging Face-id"),
    (["danish-foundation-models/edda", "--quantization", "int3"], "Ukendt kvantisering 'int3'"),
    (["danish-foundation-models/edda", "--name", "base"], "Ugyldigt modelnavn 'base'"),
])
def test_bad_arguments_are_one_line(medlyt_home, args, said):
    assert said in refused(medlyt(medlyt_home, "models", "convert", *args, MEDLYT_CONVERTER_PYTHON=NO_CONVERTER))
    nothing_left(medlyt_home)


def test_a_model_that_is_not_whisper_is_refused_before_any_weights_load(medlyt_home, tmp_path):
    bert = hf_model(tmp_path / "bert-da", "bert")
    line = refused(medlyt(medlyt_home, "models", "convert", str(bert), MEDLYT_CONVERTER_PYTHON=NO_CONVERTER))
    assert "ikke en Whisper-model (model_type: bert)" in line
    nothing_left(medlyt_home)


def test_a_converter_environment_without_the_converter_says_so(medlyt_home, tmp_path):
    whisper = hf_model(tmp_path / "whisper-da", "whisper")
    line = refused(medlyt(medlyt_home, "models", "convert", str(whisper), MEDLYT_CONVERTER_PYTHON=NO_CONVERTER))
    assert "Konverteringsværktøjet mangler" in line and "MEDLYT_CONVERTER_PYTHON" in line
    missing = refused(medlyt(medlyt_home, "models", "convert", str(whisper),
                             MEDLYT_CONVERTER_PYTHON=str(tmp_path / "nowhere" / "python")))
    assert "findes ikke" in missing
    nothing_left(medlyt_home)


def test_no_network_to_the_hub_is_one_line_naming_the_way_round(medlyt_home):
    result = medlyt(medlyt_home, "models", "convert", "danish-foundation-models/edda",
                    MEDLYT_CONVERTER_PYTHON=NO_CONVERTER, HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}")
    line = refused(result)
    assert "Ingen forbindelse til Hugging Face" in line and "medlyt models add" in line
    nothing_left(medlyt_home)


def test_no_network_for_the_converter_environment_leaves_nothing(medlyt_home):
    """medlyt's own converter environment is made from PyPI; with the index unreachable that is
    one line, and the half-made environment is gone."""
    port = closed_port()
    result = medlyt(medlyt_home, "models", "convert", "danish-foundation-models/edda",
                    PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=f"http://127.0.0.1:{port}/simple", PIP_RETRIES="0",
                    PIP_DEFAULT_TIMEOUT="2", PIP_FIND_LINKS="", PIP_NO_INPUT="1")
    line = refused(result)
    assert "Ingen forbindelse til PyPI" in line and "medlyt models add" in line
    assert not (medlyt_home / "tools" / "convert").exists()
    nothing_left(medlyt_home)


def converted_copy(model_home: Path, staging: Path, without_timestamps: bool = False) -> Path:
    """What the converter leaves in its staging directory, here the real base model's files. A
    model trained without timestamp tokens never begins with one: as a stand-in, base with the
    timestamp tokens forbidden at the first step (CTranslate2 reads that from config.json)."""
    shutil.copytree(model_home / "models" / "base", staging)
    if without_timestamps:
        config = json.loads((staging / "config.json").read_text())
        config["suppress_ids_begin"] += list(range(50364, 50364 + 1501))
        (staging / "config.json").write_text(json.dumps(config))
    return staging


def test_a_converted_model_is_registered_verified_with_its_provenance(model_home, medlyt_home):
    models = medlyt_home / "models"
    staging = converted_copy(model_home, models / ".convert-edda")
    info = register_converted(medlyt_home, "edda", staging, models / "edda", "danish-foundation-models/edda", FACTS,
                              "int8")
    assert (info.name, info.source, info.verified, info.revision, info.timestamps) == (
        "edda", "converted", True, FACTS["commit"], True)
    assert not staging.exists() and (models / "edda" / "model.bin").is_file()
    entry = json.loads((models / "registry.json").read_text())["models"]["edda"]
    assert entry["repo_id"] == "danish-foundation-models/edda" and entry["quantization"] == "int8"
    assert entry["converter"] == "ctranslate2 4.8.5, transformers 5.25.0" and entry["timestamps"] is True
    assert locate(medlyt_home, "edda").sha256 == info.sha256
    listed = medlyt(medlyt_home, "models", "list")
    assert listed.returncode == 0 and "edda" in listed.stdout and "verificeret" in listed.stdout
    assert medlyt(medlyt_home, "models", "verify").returncode == 0
    # Changed afterwards: the way back is converting it again.
    with open(models / "edda" / "model.bin", "r+b") as weights:
        weights.seek(1000)
        weights.write(b"\0" * 16)
    line = refused(medlyt(medlyt_home, "transcribe", str(DEMO), "--model", "edda"))
    assert "medlyt models convert danish-foundation-models/edda --name edda" in line


def test_a_model_without_timestamp_tokens_is_found_and_decoded_without_them(model_home, medlyt_home):
    assert predicts_timestamps(model_home / "models" / "base")
    models = medlyt_home / "models"
    staging = converted_copy(model_home, models / ".convert-uden-tid", without_timestamps=True)
    info = register_converted(medlyt_home, "uden-tid", staging, models / "uden-tid", "org/uden-tid", FACTS, "int8")
    assert info.timestamps is False and locate(medlyt_home, "uden-tid").timestamps is False
    # Window after window (the path that would ask for timestamps): lines with word times.
    result = medlyt(medlyt_home, "transcribe", str(DEMO), "--model", "uden-tid", MEDLYT_BATCH_SIZE="1")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(lines) >= 5 and sum(len(line.split()) for line in lines) > 50


CONVERTER = os.environ.get("MEDLYT_TEST_CONVERTER_PYTHON")


@pytest.mark.skipif(not CONVERTER, reason="needs a Python with torch, transformers and ctranslate2 "
                                          "(MEDLYT_TEST_CONVERTER_PYTHON); medlyt's own environment has no torch")
def test_a_real_conversion_of_a_small_whisper_end_to_end(model_home, medlyt_home, tmp_path):
    source = tmp_path / "tiny-whisper-da"
    made = subprocess.run([CONVERTER, str(REPO / "tests" / "tools" / "tiny_whisper.py"), str(source),
                           str(model_home / "models" / "base" / "tokenizer.json")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    result = medlyt(medlyt_home, "models", "convert", str(source), "--name", "lille",
                    MEDLYT_CONVERTER_PYTHON=CONVERTER)
    assert result.returncode == 0, result.stderr
    entry = json.loads((medlyt_home / "models" / "registry.json").read_text())["models"]["lille"]
    assert entry["source"] == "converted" and entry["verified"] and entry["quantization"] == "int8"
    assert entry["converter"].startswith("ctranslate2 ") and "transformers " in entry["converter"]
    assert not list((medlyt_home / "models").glob(".convert-*"))
    # Random weights say nothing worth reading, but the model loads and runs in medlyt.
    run = medlyt(medlyt_home, "transcribe", str(DEMO), "--model", "lille")
    assert run.returncode == 0, run.stderr
