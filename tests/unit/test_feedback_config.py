"""Feedback settings: shipped defaults, an organisation's file merged over them, validation with
Danish messages, replaying recorded settings, and where the file is found."""

import copy
from pathlib import Path

import pytest

from feedback.analysis import check_config
from feedback.config import (
    DEFAULT_SOURCE,
    Config,
    ConfigError,
    Thresholds,
    default_values,
    load_config,
    merge,
    replay,
)
from medlyt import settings


def org_file(tmp_path: Path, text: str, name: str = "organisation.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- defaults ---------------------------------------------------------------------------------

def test_defaults_load_with_all_tables_and_valid_thresholds():
    config = load_config()
    assert config.source == DEFAULT_SOURCE == "standard"
    assert {"thresholds", "questions", "lexicon"} <= set(config.values)
    th = config.thresholds
    assert isinstance(th, Thresholds)
    assert th.long_monologue_s == 60.0 and th.closed_question_streak == 3
    assert th.balance_band == (0.35, 0.65)
    assert "hvad" in config.values["questions"]["open_words"]
    assert {"konflikt", "mistrivsel", "rettigheder", "fagsprog", "ressourcer"} <= set(config.values["lexicon"])
    check_config(config)  # the shipped file is usable as it is
    assert load_config(None).values == config.values == default_values()


# ---- an organisation's file -------------------------------------------------------------------

def test_overriding_one_threshold_keeps_every_other_default(tmp_path):
    path = org_file(tmp_path, "[thresholds]\nlong_monologue_s = 20\n")
    config = load_config(path)
    defaults = default_values()
    assert config.source == str(path)
    assert config.thresholds.long_monologue_s == 20
    expected = copy.deepcopy(defaults)
    expected["thresholds"]["long_monologue_s"] = 20
    assert config.values == expected
    check_config(config)


def test_a_list_replaces_the_whole_default_list(tmp_path):
    path = org_file(tmp_path, '[questions]\nopen_words = ["hvad", "hvordan"]\n\n'
                              '[lexicon.konflikt]\nterms = ["vred"]\n')
    config = load_config(path)
    defaults = default_values()
    assert config.values["questions"]["open_words"] == ["hvad", "hvordan"]
    assert config.values["questions"]["closed_verbs"] == defaults["questions"]["closed_verbs"]
    konflikt = config.values["lexicon"]["konflikt"]
    assert konflikt["terms"] == ["vred"]
    assert konflikt["label"] == defaults["lexicon"]["konflikt"]["label"]  # the rest of the table stays
    assert config.values["lexicon"]["mistrivsel"] == defaults["lexicon"]["mistrivsel"]
    check_config(config)


def test_a_new_lexicon_category_is_allowed_and_merged(tmp_path):
    path = org_file(tmp_path, '[lexicon.bolig]\nlabel = "bolig"\ntone = "info"\nspeakers = []\n'
                              'terms = ["husleje", "udsættelse"]\npatterns = [\'boligstøtte\']\n')
    config = load_config(path)
    assert config.values["lexicon"]["bolig"] == {
        "label": "bolig", "tone": "info", "speakers": [], "terms": ["husleje", "udsættelse"],
        "patterns": ["boligstøtte"]}
    assert set(default_values()["lexicon"]) < set(config.values["lexicon"])
    check_config(config)


def test_merge_does_not_change_the_defaults():
    defaults = default_values()
    before = copy.deepcopy(defaults)
    merged = merge(defaults, {"thresholds": {"long_silence_s": 4}, "questions": {"lead_words": []}}, "x")
    assert defaults == before
    assert merged["thresholds"]["long_silence_s"] == 4 and merged["questions"]["lead_words"] == []


# ---- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("[thresholds]\nlong_monolog_s = 20\n", ["Ukendt indstilling", "thresholds.long_monolog_s"]),
    ("[farver]\nfarve = 1\n", ["Ukendt indstilling", "farver"]),
    ('[lexicon.konflikt]\nfarve = "rød"\n', ["Ukendt indstilling", "lexicon.konflikt.farve"]),
    ('[thresholds]\nlong_monologue_s = "lang"\n', ["forkert type", "thresholds.long_monologue_s", "'lang'"]),
    ("[thresholds]\nclosed_question_streak = true\n", ["forkert type", "thresholds.closed_question_streak"]),
    ('[questions]\nopen_words = "hvad"\n', ["forkert type", "questions.open_words"]),
    ("thresholds = 5\n", ["'thresholds'", "skal være en tabel"]),
])
def test_unknown_keys_and_wrong_types_are_refused_on_loading(tmp_path, text, words):
    path = org_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert str(path) in message


@pytest.mark.parametrize("text, words", [
    ("[thresholds]\nlong_monologue_s = -5\n", ["'long_monologue_s'", "må ikke være negativ"]),
    ("[thresholds]\nraised_voice_db = -0.5\n", ["'raised_voice_db'", "må ikke være negativ"]),
    ("[thresholds]\ndominance_share = 1.5\n", ["'dominance_share'", "andel", "mellem 0 og 1"]),
    ("[thresholds]\nlow_confidence = 60\n", ["'low_confidence'", "andel"]),
    ("[thresholds]\nturn_gap_s = 0\n", ["'turn_gap_s'", "større end 0"]),
    ("[thresholds]\nbalance_band = [0.7, 0.3]\n", ["'balance_band'", "nedre", "øvre"]),
    ("[thresholds]\nbalance_band = [0.5]\n", ["'balance_band'"]),
    ("[thresholds]\nbalance_band = [0.2, 1.4]\n", ["'balance_band'"]),
])
def test_bad_threshold_values_are_refused_in_danish(tmp_path, text, words):
    config = load_config(org_file(tmp_path, text))  # the right types: loading merges it
    with pytest.raises(ConfigError) as caught:
        config.thresholds
    for word in words:
        assert word in str(caught.value), str(caught.value)
    with pytest.raises(ConfigError) as checked:  # what `medlyt config check` and processing run
        check_config(config)
    assert "kan ikke bruges" in str(checked.value) and words[0] in str(checked.value)


def test_invalid_toml_and_a_missing_file(tmp_path):
    broken = org_file(tmp_path, "[thresholds\nlong_monologue_s = 20\n")
    with pytest.raises(ConfigError, match="ikke gyldig TOML") as caught:
        load_config(broken)
    assert str(broken) in str(caught.value)
    missing = tmp_path / "findes-ikke.toml"
    with pytest.raises(ConfigError, match="findes ikke") as caught:
        load_config(missing)
    assert str(missing) in str(caught.value)
    not_utf8 = tmp_path / "latin1.toml"
    not_utf8.write_bytes('[lexicon.konflikt]\nlabel = "vrede og ærgrelse"\n'.encode("latin-1"))
    with pytest.raises(ConfigError):
        load_config(not_utf8)


def test_check_config_reports_a_broken_pattern(tmp_path):
    path = org_file(tmp_path, '[lexicon.konflikt]\npatterns = [\'paragraf (\\d+\']\n')
    config = load_config(path)  # well-formed TOML of the right types
    with pytest.raises(ConfigError) as caught:
        check_config(config)
    message = str(caught.value)
    assert "kan ikke bruges" in message and str(path) in message
    assert "lexicon.konflikt.patterns" in message and "ugyldigt regulært udtryk" in message


def test_check_config_reports_a_bad_new_category(tmp_path):
    path = org_file(tmp_path, '[lexicon.bolig]\ntone = "vred"\nterms = ["husleje"]\n')
    with pytest.raises(ConfigError, match="lexicon.bolig.tone"):
        check_config(load_config(path))


# ---- replay and digest ------------------------------------------------------------------------

def test_replay_drops_unknown_keys_and_fills_new_defaults():
    recorded = copy.deepcopy(default_values())
    recorded["thresholds"]["long_monologue_s"] = 20
    del recorded["thresholds"]["long_silence_s"]  # recorded before this setting existed
    recorded["thresholds"]["gammel_grænse"] = 7  # a setting this version no longer knows
    recorded["gammel_tabel"] = {"x": 1}
    del recorded["questions"]["lead_words"]
    recorded["lexicon"]["bolig"] = {"label": "bolig", "tone": "info", "speakers": [], "terms": ["husleje"],
                                    "patterns": []}

    config = replay(recorded, "/srv/medlyt/org.toml")
    defaults = default_values()
    assert config.source == "/srv/medlyt/org.toml"
    assert config.values["thresholds"]["long_monologue_s"] == 20
    assert config.values["thresholds"]["long_silence_s"] == defaults["thresholds"]["long_silence_s"]
    assert "gammel_grænse" not in config.values["thresholds"] and "gammel_tabel" not in config.values
    assert config.values["questions"]["lead_words"] == defaults["questions"]["lead_words"]
    assert config.values["lexicon"]["bolig"]["terms"] == ["husleje"]  # the recorded word lists, whole
    assert set(config.values) == set(defaults)
    assert config.thresholds.long_monologue_s == 20
    check_config(config)
    assert replay(default_values(), "standard").values == defaults


def test_digest_follows_the_values():
    a = load_config()
    b = Config(copy.deepcopy(a.values), "andet navn")
    assert a.digest == b.digest and len(a.digest) == 12
    changed = copy.deepcopy(a.values)
    changed["thresholds"]["long_monologue_s"] = 61.0
    assert Config(changed).digest != a.digest
    term = copy.deepcopy(a.values)
    term["lexicon"]["konflikt"]["terms"].append("gal")
    assert Config(term).digest != a.digest
    reordered = {key: a.values[key] for key in reversed(list(a.values))}
    assert Config(reordered).digest == a.digest


# ---- where the organisation's file is found ---------------------------------------------------

def test_config_path_precedence(tmp_path, monkeypatch):
    home = tmp_path / "data"
    home.mkdir()
    monkeypatch.delenv("MEDLYT_CONFIG", raising=False)
    assert settings.config_path(home) is None  # no file anywhere: the shipped defaults

    in_home = org_file(home, "", settings.CONFIG_NAME)
    assert settings.config_path(home) == in_home

    from_env = org_file(tmp_path, "", "env.toml")
    monkeypatch.setenv("MEDLYT_CONFIG", str(from_env))
    assert settings.config_path(home) == from_env

    explicit = tmp_path / "explicit.toml"
    assert settings.config_path(home, explicit) == explicit
    assert settings.config_path(home, str(explicit)) == explicit

    monkeypatch.setenv("HOME", str(tmp_path))
    assert settings.config_path(home, "~/explicit.toml") == explicit
    monkeypatch.setenv("MEDLYT_CONFIG", "~/env.toml")
    assert settings.config_path(home) == from_env

    monkeypatch.setenv("MEDLYT_CONFIG", "")  # set but empty: not a choice
    assert settings.config_path(home) == in_home
    in_home.unlink()
    (home / settings.CONFIG_NAME).mkdir()  # not a file
    assert settings.config_path(home) is None
