"""`medlyt models download NAME`: fetch a ready CTranslate2 Whisper conversion from Hugging Face,
check every file against the hub's own checksums, and register it in the model store as verified.

This is the only code in medlyt that touches the network, and only when the user asks for it.
Files arrive in a hidden staging directory (models/.download-NAME/) that nothing else reads. A
transfer the network cuts off is resumed from there, both inside one run (huggingface_hub's
http_get retries with an HTTP Range request) and by the next run of the same command; a checksum
mismatch, a full disk or any other failure removes it. The model directory appears, by one rename,
only when every file has been checked, so a half-written model can never be loaded.
"""

import errno
import fcntl
import fnmatch
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from models.registry import DOWNLOAD_PATTERNS, DOWNLOADABLE, DownloadableModel
from models.store import CHUNK, ModelError, ModelInfo, check_dir, locate, register_download, registered

STAGING_PREFIX = ".download-"
STATE_FILE = ".medlyt-download.json"  # which repository and commit the staged files belong to
PART = ".part"  # a file still arriving; renamed to its own name once its checksum matched
REQUIRED = ("model.bin", "config.json", "tokenizer.json")
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


@dataclass(frozen=True)
class HubFile:
    name: str
    size: int
    sha256: str | None  # Git LFS files: the hub's sha256 of the content
    git_sha1: str | None  # small files kept in git: the blob id, sha1 of "blob SIZE\0" + content

    @property
    def expected(self) -> str:
        return self.sha256 or self.git_sha1 or ""


class ChecksumMismatch(Exception):
    """A fetched file whose checksum is not the hub's: altered on the way, or by the server."""


def lookup(name: str) -> DownloadableModel:
    model = DOWNLOADABLE.get(name)
    if model is None:
        raise ModelError(
            f"Ukendt model '{name}'. Kan hentes: {', '.join(DOWNLOADABLE)}. "
            "En anden CTranslate2-model: hent mappen selv, og kør: medlyt models add MAPPE --name NAVN"
        )
    return model


def staging_dir(home: Path, name: str) -> Path:
    return Path(home) / "models" / f"{STAGING_PREFIX}{name}"


def download(home: Path, model: DownloadableModel, say: Callable[[str], None] = print) -> tuple[ModelInfo, bool]:
    """Fetch, check and register `model`; returns its info and whether it was already there."""
    home = Path(home)
    models_dir = home / "models"
    existing = registered(home, model.name)
    if existing and existing.get("source") != "hub":
        raise ModelError(
            f"Der findes allerede en model ved navn '{model.name}' ({existing.get('path')}). "
            f"Fjern den fra {models_dir / 'registry.json'}, eller brug den, du har."
        )
    if existing:
        try:
            return locate(home, model.name), True  # re-hashes model.bin: "already there" is checked
        except ModelError:
            pass  # changed or gone since: fetch it again, which replaces it

    from huggingface_hub.utils import logging as hub_logging

    # huggingface_hub warns in English as it retries a cut transfer; medlyt says the outcome in one
    # Danish line instead. (Its progress bar does not depend on this level.)
    hub_logging.set_verbosity_error()
    commit, files = _listing(model)
    models_dir.mkdir(parents=True, exist_ok=True)
    with _one_download_at_a_time(models_dir):
        return _download(home, model, commit, files, say), False


@contextmanager
def _one_download_at_a_time(models_dir: Path) -> Iterator[None]:
    """Two runs appending to the same .part file would spoil it, so a second run stops and says so.
    The lock is on the models directory itself, so no lock file is left behind."""
    fd = os.open(models_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ModelError("En anden medlyt-proces henter allerede en model. Vent, til den er færdig, "
                             "og kør så kommandoen igen.") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _download(home: Path, model: DownloadableModel, commit: str, files: list[HubFile],
              say: Callable[[str], None]) -> ModelInfo:
    models_dir = home / "models"
    target = models_dir / model.name
    staging = staging_dir(home, model.name)
    _prepare_staging(staging, model.repo_id, commit)
    total = sum(f.size for f in files)
    _check_space(models_dir, staging, files, model.name, total)
    say(f"Henter {model.name}: {model.repo_id} @ {commit[:12]} ({_size(total)}, licens: {model.licence})")

    current = files[0]
    try:
        for current in files:
            _fetch(model.repo_id, commit, current, staging)
        check_dir(staging)
    except KeyboardInterrupt:
        raise  # what arrived stays staged; the next run continues from there
    except Exception as error:
        _fail(error, staging, models_dir, model, current, total)
    (staging / STATE_FILE).unlink()
    _move_into_place(staging, target)
    model_bin_sha256 = next(f.sha256 for f in files if f.name == "model.bin")
    return register_download(home, model.name, target, model_bin_sha256, model.repo_id, commit, model.licence)


def _listing(model: DownloadableModel) -> tuple[str, list[HubFile]]:
    """The commit `model.revision` points at, and the files faster-whisper needs with the hub's checksums."""
    import httpx2
    from huggingface_hub import HfApi, constants
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    elsewhere = (f"Hent {model.repo_id} (revision {model.revision}) på en maskine med net, fx med "
                 f"'hf download {model.repo_id} --revision {model.revision} --local-dir {model.name}', "
                 f"kopiér mappen hertil, og kør: medlyt models add MAPPE --name {model.name}")
    if constants.HF_HUB_OFFLINE:
        raise ModelError(f"HF_HUB_OFFLINE er sat, så medlyt må ikke hente noget. Fjern den for denne kommando. Uden net: {elsewhere}")
    try:
        info = HfApi().model_info(model.repo_id, revision=model.revision, files_metadata=True)
    except (httpx2.TransportError, OfflineModeIsEnabled):
        raise ModelError(f"Kan ikke nå Hugging Face ({constants.ENDPOINT}). {elsewhere}") from None
    except GatedRepoError:
        raise ModelError(f"{model.repo_id} kræver, at du accepterer vilkårene på hubben og logger ind (hf auth login). "
                         f"Ellers: {elsewhere}") from None
    except RevisionNotFoundError:
        raise ModelError(f"Revisionen {model.revision} af {model.repo_id} findes ikke på Hugging Face. "
                         "Opdatér medlyt, eller hent modellen selv og brug medlyt models add MAPPE") from None
    except RepositoryNotFoundError:
        raise ModelError(f"{model.repo_id} findes ikke (længere) på Hugging Face. "
                         "Opdatér medlyt, eller hent modellen selv og brug medlyt models add MAPPE") from None
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise ModelError(f"Hugging Face svarede {status} om {model.repo_id}. Prøv igen senere. {elsewhere}") from None
    except ValueError:  # not JSON: a proxy or captive portal answered, not the hub
        raise ModelError(f"Svaret fra {constants.ENDPOINT} var ikke fra Hugging Face. {elsewhere}") from None

    files = []
    for sibling in info.siblings or []:
        name = sibling.rfilename
        if "/" in name or not any(fnmatch.fnmatch(name, p) for p in DOWNLOAD_PATTERNS):
            continue
        sha256 = sibling.lfs.sha256 if sibling.lfs else None
        if sibling.size is None or not (sha256 or sibling.blob_id):
            raise ModelError(f"Hugging Face oplyser ingen størrelse eller kontrolsum for {name} i {model.repo_id}; "
                             "uden den kan filen ikke kontrolleres. Hent modellen selv og brug medlyt models add MAPPE")
        files.append(HubFile(name, sibling.size, sha256, None if sha256 else sibling.blob_id))
    names = {f.name for f in files}
    missing = [n for n in REQUIRED if n not in names]
    if not any(n.startswith("vocabulary.") for n in names):
        missing.append("vocabulary.*")
    if "model.bin" in names and not any(f.name == "model.bin" and f.sha256 for f in files):
        missing.append("model.bin's sha256")
    if missing or not info.sha:
        raise ModelError(f"{model.repo_id} @ {model.revision} er ikke en komplet CTranslate2 Whisper-model "
                         f"(mangler {', '.join(missing) or 'commit'}). Opdatér medlyt, eller brug medlyt models add MAPPE")
    # model.bin last: the small files show at once whether the repository is what we expect.
    files.sort(key=lambda f: (f.name == "model.bin", f.name))
    return info.sha, files


def _prepare_staging(staging: Path, repo_id: str, commit: str) -> None:
    """Keep what an earlier run fetched from the same commit; anything else starts afresh."""
    state = {"repo_id": repo_id, "commit": commit}
    try:
        same = json.loads((staging / STATE_FILE).read_text(encoding="utf-8")) == state
    except (OSError, ValueError):
        same = False
    if not same:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        (staging / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")


def _arrived(staging: Path, f: HubFile) -> int:
    for path in (staging / f.name, staging / (f.name + PART)):
        if path.is_file():
            return min(path.stat().st_size, f.size)
    return 0


def _check_space(models_dir: Path, staging: Path, files: list[HubFile], name: str, total: int) -> None:
    """Refuse before the first byte when the rest cannot fit; the staged files are renamed, not copied."""
    needed = sum(f.size - _arrived(staging, f) for f in files)
    free = shutil.disk_usage(models_dir).free
    if needed > free:
        if needed == total:  # nothing staged yet: leave no empty directory behind
            shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"Der er ikke plads til {name}: der mangler {_size(needed)}, men kun {_size(free)} er fri "
                         f"på disken med {models_dir}. Frigør plads, eller sæt MEDLYT_HOME til en disk med plads.")


def _fetch(repo_id: str, commit: str, f: HubFile, staging: Path) -> None:
    """One file: resume or start it, then compare it with the hub's checksum before giving it its name."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    final = staging / f.name
    if final.is_file() and final.stat().st_size == f.size:
        return  # fetched and checked by an earlier run
    part = staging / (f.name + PART)
    resume = part.stat().st_size if part.is_file() else 0
    if resume > f.size:
        part.unlink()
        resume = 0
    # By commit, not branch: every file comes from the same version even if the branch moves meanwhile.
    url = hf_hub_url(repo_id, f.name, revision=commit)
    with open(part, "ab") as out:
        http_get(url, out, resume_size=resume, headers=build_hf_headers(), expected_size=f.size,
                 displayed_filename=f.name)
        out.flush()
        os.fsync(out.fileno())
    got = _digest(part, f)
    if got != f.expected:
        part.unlink()
        kind = "sha256" if f.sha256 else "git-id"
        raise ChecksumMismatch(f"{f.name} passer ikke med hubbens {kind} (forventet {f.expected[:12]}…, fik {got[:12]}…)")
    os.replace(part, final)


def _digest(path: Path, f: HubFile) -> str:
    if f.sha256:
        h = hashlib.sha256()
    else:
        h = hashlib.sha1()
        h.update(f"blob {path.stat().st_size}\0".encode())  # git's blob id, as the hub reports it
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _fail(error: Exception, staging: Path, models_dir: Path, model: DownloadableModel, f: HubFile, total: int):
    """Say in one line what went wrong; keep the staged files only where running again can continue."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    again = (f"Kør samme kommando igen for at fortsætte, hvor den slap "
             f"(det hentede ligger i {staging}; slet mappen, hvis du ikke vil fortsætte).")
    if isinstance(error, httpx2.TransportError) or (
        isinstance(error, HfHubHTTPError) and error.response is not None
        and (error.response.status_code >= 500 or error.response.status_code == 429)
    ) or (type(error) is OSError and error.errno is None):  # http_get: fewer bytes arrived than announced
        done = sum(p.stat().st_size for p in staging.iterdir() if p.name != STATE_FILE)
        raise ModelError(f"Forbindelsen til Hugging Face blev afbrudt under {f.name} ({_size(done)} af "
                         f"{_size(total)} hentet). {again}") from None
    shutil.rmtree(staging, ignore_errors=True)
    if isinstance(error, ChecksumMismatch):
        raise ModelError(f"{error}; intet er gemt. Prøv igen senere, eller hent modellen et andet sted og kør: "
                         f"medlyt models add MAPPE --name {model.name}") from None
    if isinstance(error, HfHubHTTPError):
        status = error.response.status_code if error.response is not None else "?"
        raise ModelError(f"Hugging Face svarede {status} for {f.name} i {model.repo_id}; intet er gemt. "
                         "Opdatér medlyt, eller hent modellen selv og brug medlyt models add MAPPE") from None
    if isinstance(error, OSError) and error.errno in DISK_FULL:
        raise ModelError(f"Disken blev fuld under {f.name} ({error.strerror}); intet er gemt. Frigør mindst "
                         f"{_size(total)} på disken med {models_dir}, og prøv igen.") from None
    if isinstance(error, OSError):
        raise ModelError(f"Kunne ikke skrive {f.name} i {models_dir} ({error.strerror}); intet er gemt.") from None
    raise error


def _move_into_place(staging: Path, target: Path) -> None:
    """One rename makes the model appear; a leftover directory of the same name (never registered,
    so never loaded) is moved aside first, because a directory cannot replace a non-empty one."""
    if target.exists():
        old = target.with_name(f"{STAGING_PREFIX}old-{target.name}-{os.getpid()}")
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB".replace(".", ",") if n >= 1e9 else f"{n / 1e6:.0f} MB"
