"""The one configuration of feedback: thresholds, question forms and word lists.

The shipped defaults are `config.toml` beside this module. An organisation's file holds only
what it changes; it is merged over the defaults table by table, and a list replaces the
default list whole. The merged values are what is recorded with each analysed meeting.
"""

import copy
import hashlib
import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

DEFAULT_PATH = Path(__file__).with_name("config.toml")
DEFAULT_SOURCE = "standard"
# Tables an organisation may extend with keys of its own (a new word-list category).
OPEN_TABLES = ("lexicon",)


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message is Danish, for the user."""


@dataclass(frozen=True)
class Thresholds:
    turn_gap_s: float
    dominance_share: float
    dominance_window_s: float
    dominance_window_share: float
    dominance_window_min_speech_s: float
    balance_band: tuple[float, float]
    long_monologue_s: float
    interruption_overlap_s: float
    backchannel_s: float
    closed_question_streak: int
    question_streak_gap_s: float
    raised_voice_db: float
    raised_voice_min_s: float
    raised_voice_min_words: int
    calm_response_within_s: float
    calm_response_max_db: float
    long_silence_s: float
    citizen_story_s: float
    low_confidence: float
    bookmark_lead_s: float
    live_turn_nudge_s: float

    @classmethod
    def from_table(cls, table: dict) -> "Thresholds":
        values = {f.name: table[f.name] for f in fields(cls)}
        values["balance_band"] = tuple(values["balance_band"])
        return cls(**values)

    def __post_init__(self):
        numbers = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "balance_band"}
        negative = [name for name, value in numbers.items() if value < 0]
        if negative:
            raise ConfigError(f"'{negative[0]}' må ikke være negativ.")
        shares = {"dominance_share", "dominance_window_share", "low_confidence"}
        too_big = [name for name in sorted(shares) if numbers[name] > 1]
        if too_big:
            raise ConfigError(f"'{too_big[0]}' er en andel og skal ligge mellem 0 og 1.")
        if numbers["turn_gap_s"] <= 0 or numbers["dominance_window_s"] <= 0:
            raise ConfigError("'turn_gap_s' og 'dominance_window_s' skal være større end 0.")
        low_high = self.balance_band
        if len(low_high) != 2 or not 0 <= low_high[0] <= low_high[1] <= 1:
            raise ConfigError("'balance_band' skal være [nedre, øvre] med 0 ≤ nedre ≤ øvre ≤ 1.")


@dataclass(frozen=True)
class Config:
    values: dict
    source: str = DEFAULT_SOURCE

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds.from_table(self.values["thresholds"])

    @property
    def digest(self) -> str:
        """A short fingerprint of the values, to tell two analyses' settings apart at a glance."""
        text = json.dumps(self.values, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def default_values() -> dict:
    return _read(DEFAULT_PATH)


def load_config(path: Path | None = None) -> Config:
    """The defaults, with the organisation's file (if any) merged over them."""
    defaults = default_values()
    if path is None:
        return Config(defaults)
    return Config(merge(defaults, _read(path), str(path)), str(path))


def replay(values: dict, source: str) -> Config:
    """The settings recorded with an earlier analysis, to recompute it the same way. Keys this
    version no longer knows are dropped, and keys it added since come from the defaults."""
    return Config(_overlay(default_values(), values), source)


def _overlay(defaults: dict, recorded: dict) -> dict:
    merged = copy.deepcopy(defaults)
    for key, value in recorded.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = value if key in OPEN_TABLES else _overlay(merged[key], value)
        elif key in merged:
            merged[key] = value
    return merged


def merge(defaults: dict, override: dict, source: str, where: str = "") -> dict:
    merged = copy.deepcopy(defaults)
    for key, value in override.items():
        name = f"{where}.{key}" if where else key
        if key not in defaults:
            if where.split(".")[0] in OPEN_TABLES and isinstance(value, dict):
                merged[key] = value
                continue
            raise ConfigError(f"Ukendt indstilling '{name}' i {source}.")
        if isinstance(defaults[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"'{name}' i {source} skal være en tabel.")
            merged[key] = merge(defaults[key], value, source, name)
        elif not _same_kind(defaults[key], value):
            raise ConfigError(f"'{name}' i {source} har forkert type: {value!r}.")
        else:
            merged[key] = value
    return merged


def _same_kind(default, value) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(default) is type(value)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return type(default) is type(value)


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"Konfigurationsfilen findes ikke: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Konfigurationsfilen {path} er ikke gyldig TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"Konfigurationsfilen {path} kan ikke læses: {error}") from None
