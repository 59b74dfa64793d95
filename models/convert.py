"""`medlyt models convert HF_ID`: turn a Danish Whisper fine-tune that has no ready CTranslate2
conversion (danish-foundation-models' Edda, say) into one, and register it as verified.

The conversion needs torch and transformers, which medlyt itself never loads: they live only in
a converter environment of their own (home/tools/convert), made on first use from PyPI with the
versions pinned below, like `models download` an explicit command that uses the network. An
operator who already has such an environment points MEDLYT_CONVERTER_PYTHON at its Python.
The converter runs as a child process (models/convert_worker.py) into a hidden staging
directory; the model directory appears by one rename only when the result loads and its weights
are hashed, so a half-converted model can never be used.

A fine-tune trained only on text without timestamp tokens never predicts one; asked to, it
writes on to the end of the window or invents text. After the conversion the model is asked for
its first token on a few seconds of the bundled Danish demo: a timestamp token or not. The
answer is registered, and transcription then decodes that model without timestamp tokens
everywhere (the word times come from the alignment either way).
"""

import json
import os
import re
import shutil
import subprocess
import venv
from collections.abc import Callable
from pathlib import Path

from models.store import ModelError, ModelInfo, check_dir, register_conversion, registered

# What the converter environment is made of, pinned when this was written (Dec 2026). ctranslate2
# is the version medlyt itself runs, so the converted model is in the format it reads.
CONVERTER_REQUIREMENTS = ("ctranslate2==4.8.5", "transformers==5.25.0", "torch==2.15.0")
CONVERTER_PYTHON = "MEDLYT_CONVERTER_PYTHON"
STAGING_PREFIX = ".convert-"
QUANTIZATIONS = ("int8", "int8_float16", "float16", "float32")
HF_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
WORKER = Path(__file__).with_name("convert_worker.py")
EXIT_NOT_WHISPER, EXIT_NO_NETWORK, EXIT_NO_CONVERTER, EXIT_NOT_FOUND = 3, 4, 5, 6
ELSEWHERE = ("Konvertér på en maskine med net (se README, 'Danske modeller'), kopiér mappen hertil, "
             "og kør: medlyt models add MAPPE --name NAVN")
DEMO = Path(__file__).resolve().parents[1] / "medlyt" / "demo" / "demo_meeting.flac"


def check_source(source: str) -> str:
    """A Hugging Face id (owner/name) or a local directory in Hugging Face's format."""
    source = source.strip()
    if Path(source).expanduser().is_dir():
        return str(Path(source).expanduser().resolve())
    if not HF_ID.match(source):
        raise ModelError(f"'{source}' er hverken et Hugging Face-id (fx danish-foundation-models/edda) "
                         "eller en mappe med en Hugging Face-model.")
    return source


def default_name(source: str) -> str:
    return Path(source).name.lower()


def converter_python(home: Path, say: Callable[[str], None] = print) -> Path:
    """The Python to convert with: MEDLYT_CONVERTER_PYTHON, else medlyt's own converter
    environment, made (from PyPI, pinned) when it is missing or its pins have changed."""
    configured = os.environ.get(CONVERTER_PYTHON, "").strip()
    if configured:
        python = Path(configured).expanduser()
        if not python.is_file():
            raise ModelError(f"{CONVERTER_PYTHON}={configured} findes ikke. Ret stien, eller fjern indstillingen, "
                             "så medlyt laver sit eget konverteringsmiljø.")
        return python
    env = Path(home) / "tools" / "convert"
    python, stamp = env / "bin" / "python", env / ".medlyt-requirements"
    wanted = "\n".join(CONVERTER_REQUIREMENTS)
    if python.is_file() and stamp.is_file() and stamp.read_text() == wanted:
        return python
    say(f"Laver konverteringsmiljøet i {env} ({', '.join(CONVERTER_REQUIREMENTS)}; flere GB, kun første gang) ...")
    shutil.rmtree(env, ignore_errors=True)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(env)
        result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                 *CONVERTER_REQUIREMENTS], capture_output=True, text=True)
    except (OSError, subprocess.SubprocessError) as error:
        shutil.rmtree(env, ignore_errors=True)
        raise ModelError(f"Konverteringsmiljøet kunne ikke laves i {env} ({error}).") from None
    if result.returncode != 0:
        shutil.rmtree(env, ignore_errors=True)
        if offline(result.stderr):
            raise ModelError(f"Ingen forbindelse til PyPI, så konverteringsmiljøet kan ikke installeres. {ELSEWHERE}")
        raise ModelError(f"Konverteringsmiljøet kunne ikke installeres: {last_line(result.stderr)}")
    stamp.write_text(wanted)
    return python


NETWORK_SIGNS = ("NewConnectionError", "Failed to establish", "Temporary failure in name resolution",
                 "Name or service not known", "Network is unreachable", "Connection refused", "ConnectTimeout",
                 "Read timed out", "No matching distribution found", "Could not find a version")


def offline(pip_output: str) -> bool:
    """pip could not reach its index (it then reports no matching version: it saw none)."""
    return any(sign in pip_output for sign in NETWORK_SIGNS)


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "ukendt fejl"


def convert(home: Path, source: str, name: str | None = None, quantization: str = "int8",
            say: Callable[[str], None] = print) -> ModelInfo:
    """Convert `source` (a Hugging Face id or directory), check it, and register it as `name`."""
    home = Path(home)
    source = check_source(source)
    name = (name or default_name(source)).strip()
    if quantization not in QUANTIZATIONS:
        raise ModelError(f"Ukendt kvantisering '{quantization}'. Brug: {', '.join(QUANTIZATIONS)}.")
    if not name or name in (".", "..") or "/" in name or name.lower() == "base":
        raise ModelError(f"Ugyldigt modelnavn '{name}'. Vælg et andet med --name NAVN.")
    if registered(home, name):
        raise ModelError(f"Der findes allerede en model ved navn '{name}'. Vælg et andet med --name NAVN.")
    models_dir = home / "models"
    target, staging = models_dir / name, models_dir / f"{STAGING_PREFIX}{name}"
    if target.exists():
        raise ModelError(f"{target} findes allerede. Flyt eller slet den, eller vælg et andet navn med --name NAVN.")
    python = converter_python(home, say)
    models_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)  # an earlier run cut short: never in use
    say(f"Konverterer {source} til CTranslate2 ({quantization}) ...")
    try:
        facts = run_worker(python, source, staging, quantization)
        info = register_converted(home, name, staging, target, source, facts, quantization)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return info


def run_worker(python: Path, source: str, output: Path, quantization: str) -> dict:
    """The conversion in the converter's environment; its exit status becomes one Danish line."""
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0", "HF_HUB_DISABLE_TELEMETRY": "1"}
    result = subprocess.run([str(python), str(WORKER), source, str(output), quantization],
                            capture_output=True, text=True, env=env)
    detail = last_line(result.stderr)
    if result.returncode == EXIT_NOT_WHISPER:
        raise ModelError(f"{source} er ikke en Whisper-model (model_type: {detail}); kun Whisper-modeller kan "
                         "konverteres til medlyt.")
    if result.returncode == EXIT_NO_NETWORK:
        raise ModelError(f"Ingen forbindelse til Hugging Face, så {source} kan ikke hentes. {ELSEWHERE}")
    if result.returncode == EXIT_NO_CONVERTER:
        raise ModelError(f"Konverteringsværktøjet mangler i {python} ({detail}). Fjern {CONVERTER_PYTHON}, så "
                         "medlyt laver sit eget miljø, eller installér ctranslate2, transformers og torch dér.")
    if result.returncode == EXIT_NOT_FOUND:
        raise ModelError(f"{source} findes ikke på Hugging Face eller kræver adgang, du ikke har. Ret id'et.")
    if result.returncode != 0:
        raise ModelError(f"Konverteringen af {source} mislykkedes: {detail}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def register_converted(home: Path, name: str, staging: Path, target: Path, source: str, facts: dict,
                       quantization: str) -> ModelInfo:
    """A finished conversion into place and into the registry, with where it came from and
    whether it predicts timestamps."""
    check_dir(staging)
    timestamps = predicts_timestamps(staging)
    os.replace(staging, target)
    return register_conversion(home, name, target, repo_id=source, commit=facts.get("commit") or "lokal mappe",
                               converter=f"ctranslate2 {facts.get('ctranslate2')}, transformers {facts.get('transformers')}",
                               quantization=quantization, timestamps=timestamps)


PROBE_S = 8.0


def predicts_timestamps(model_dir: Path, audio_path: Path = DEMO) -> bool:
    """Whether the model begins its transcript of Danish speech with a timestamp token when it
    is allowed one, as Whisper trained with timestamps always does."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel, decode_audio
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer

    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", local_files_only=True)
    audio = decode_audio(str(audio_path))[: int(PROBE_S * 16000)]
    features = pad_or_trim(model.feature_extractor(audio))
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="da")
    prompt = list(tokenizer.sot_sequence)
    result = model.model.generate(model.encode(features), [prompt], beam_size=1, max_length=len(prompt) + 3)
    tokens = result[0].sequences_ids[0]
    return bool(tokens) and tokens[0] >= tokenizer.timestamp_begin
