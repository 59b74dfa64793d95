"""Where medlyt keeps its data, and the process-wide offline switch."""

import os
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
