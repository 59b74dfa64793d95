"""Where medlyt keeps its data, and the process-wide offline switch."""

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "medlyt"


def data_home() -> Path:
    """The one data directory: MEDLYT_HOME if set, else the platform's user data dir."""
    configured = os.environ.get("MEDLYT_HOME")
    home = Path(configured).expanduser() if configured else Path(platformdirs.user_data_dir(APP_NAME))
    home.mkdir(parents=True, exist_ok=True, mode=0o700)  # the data is about citizens
    return home


def force_offline() -> None:
    """Nothing may download at run time: make every Hugging Face client refuse the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"


CONFIG_NAME = "config.toml"


def config_path(home: Path, explicit: str | Path | None = None) -> Path | None:
    """The organisation's feedback settings: --config, else MEDLYT_CONFIG, else config.toml in
    the data directory if there is one; None means the shipped defaults."""
    if explicit:
        return Path(explicit).expanduser()
    configured = os.environ.get("MEDLYT_CONFIG")
    if configured:
        return Path(configured).expanduser()
    in_home = home / CONFIG_NAME
    return in_home if in_home.is_file() else None


# A dashboard login ends after this long without use, and after this long in any case: a shared
# PC in a meeting room must not stay logged in to citizens' conversations.
SESSION_IDLE_MINUTES = 30.0
SESSION_HOURS = 10.0


@dataclass(frozen=True)
class SessionLimits:
    idle_s: float
    lifetime_s: float


def session_limits() -> SessionLimits:
    """MEDLYT_SESSION_IDLE_MINUTES and MEDLYT_SESSION_HOURS, else the defaults above."""
    def read(name: str, default: float) -> float:
        raw = os.environ.get(name, "").strip()
        try:
            value = float(raw) if raw else default
        except ValueError:
            value = -1.0
        if not value > 0:
            raise ValueError(f"{name}={raw!r} er ikke et positivt tal. Ret eller fjern indstillingen.")
        return value

    return SessionLimits(read("MEDLYT_SESSION_IDLE_MINUTES", SESSION_IDLE_MINUTES) * 60,
                         read("MEDLYT_SESSION_HOURS", SESSION_HOURS) * 3600)


# Whisper windows decoded side by side (transcribe.whisper); 1 decodes one after the other.
WHISPER_BATCH_SIZE = 6  # why 6: transcribe.whisper.TranscribeOptions


def whisper_batch_size() -> int:
    """MEDLYT_BATCH_SIZE, else the default above."""
    raw = os.environ.get("MEDLYT_BATCH_SIZE", "").strip()
    if not raw:
        return WHISPER_BATCH_SIZE
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"MEDLYT_BATCH_SIZE={raw!r} er ikke et helt tal på mindst 1. Ret eller fjern indstillingen.")
    return int(raw)


WHISPER_DEVICE = "cpu"  # the default: the same transcript on every machine, GPU or not


def whisper_device() -> str:
    """MEDLYT_DEVICE: cpu, cuda or auto (checked where the model is loaded)."""
    return os.environ.get("MEDLYT_DEVICE", "").strip().lower() or WHISPER_DEVICE


COMPUTE_TYPE = "auto"  # int8 on the CPU, int8_float16 on a GPU (transcribe.whisper.COMPUTE_TYPES)


def whisper_compute_type() -> str:
    """MEDLYT_COMPUTE_TYPE: auto, or a CTranslate2 compute type such as int8, float16 or
    int8_float16 (checked where the model is loaded, against what the device supports)."""
    return os.environ.get("MEDLYT_COMPUTE_TYPE", "").strip().lower() or COMPUTE_TYPE


def default_model(queue: str | None = None) -> str:
    """The organisation's model for processing (MEDLYT_MODEL: a name from `medlyt models list`
    or a path), else base, the one a package registry ships. Central mode's queues may each have
    their own (MEDLYT_MODEL_GPU for the GPU workers' queue, MEDLYT_MODEL_CPU), so a meeting sent
    to a GPU machine gets the large Danish model and the CPU machines keep a smaller one."""
    from models.registry import DEFAULT_MODEL

    per_queue = os.environ.get(f"MEDLYT_MODEL_{queue.upper()}", "").strip() if queue else ""
    return per_queue or os.environ.get("MEDLYT_MODEL", "").strip() or DEFAULT_MODEL


@dataclass(frozen=True)
class Organisation:
    name: str
    contact: str  # where a participant turns to withdraw consent


def organisation() -> Organisation:
    """MEDLYT_ORG_NAME and MEDLYT_ORG_CONTACT, for the consent declaration; plain words where unset."""
    return Organisation(
        name=os.environ.get("MEDLYT_ORG_NAME", "").strip() or "Jobcentret",
        contact=os.environ.get("MEDLYT_ORG_CONTACT", "").strip() or "din sagsbehandler",
    )


UPLOAD_MAX_MB = 2048  # a 2-hour meeting is about 230 MB as 16 kHz WAV, far less compressed


def upload_max_bytes() -> int:
    """MEDLYT_UPLOAD_MAX_MB: the largest recording the dashboard takes in."""
    raw = os.environ.get("MEDLYT_UPLOAD_MAX_MB", "").strip()
    try:
        megabytes = float(raw) if raw else UPLOAD_MAX_MB
    except ValueError:
        raise ValueError(f"MEDLYT_UPLOAD_MAX_MB skal være et tal (megabyte), ikke '{raw}'.") from None
    return int(megabytes * 1024 * 1024)
