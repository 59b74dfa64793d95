"""The whole analysis of a meeting: balance, metrics and flags from its transcript and speakers.

Pure: no audio, no model, no store. It runs again in well under a second after a speaker
correction, so nothing here may depend on re-transcribing.
"""

import dataclasses
import re

from feedback.config import Config, ConfigError, load_config, replay
from feedback.conversation import Conversation
from feedback.flags import all_flags, find_interruptions
from feedback.lexicon import Lexicon
from feedback.metrics import (
    balance,
    longest,
    median_or_none,
    response_pauses,
    silences,
    speaker_changes,
    speaker_order,
)
from feedback.questions import QuestionRules
from feedback.utterances import tokens_of
from meetings.intervals import union
from meetings.records import Analysis, Bookmark, Meeting, Segment, Speaker, Speech, named_voices, now_iso


def analyse(segments: list[Segment], speakers: list[Speaker], duration_s: float, config: Config,
            speech: list[Speech] = (), bookmarks: list[Bookmark] = ()) -> Analysis:
    """`speech` is who spoke when as measured in the audio; timing rests on it where given,
    on the transcript's own times otherwise."""
    c = Conversation(list(segments), list(speakers), duration_s, config.thresholds,
                     QuestionRules.from_config(config.values["questions"]), list(speech), list(bookmarks))
    lexicon = Lexicon.from_config(config.values["lexicon"])
    return Analysis(
        balance=balance(c.timing, c.th.turn_gap_s),
        metrics=metrics(c),
        flags=all_flags(c, lexicon),
        config=config.values,
        config_source=config.source,
        computed_at=now_iso(),
    )


def analyser(config: Config | None = None):
    """The hook the store calls to recompute a meeting's analysis (meetings.store.analysis.Analyse).
    With `config`: those settings. Without: the settings recorded with the analysis being
    replaced, so a speaker correction changes nothing else."""
    def run(meeting: Meeting, segments: list[Segment], speech: list[Speech], speakers: list[Speaker],
            previous: Analysis | None) -> Analysis:
        in_force = config or (replay(previous.config, previous.config_source) if previous else load_config())
        # Where one voice holds several people's talk, no figure or flag may rest on whose it is
        # (the caseworker "at 100 %", her "monologue" of the whole meeting, "Sagsbehandler sagde"
        # for the citizen's words): the analysis reads such voices without names or roles.
        voices = len({s.speaker for s in speech or segments if s.speaker and s.end > s.start})
        speakers = named_voices(meeting, speakers, voices)
        result = analyse(segments, speakers, meeting.audio.duration_s if meeting.audio else 0.0, in_force, speech,
                         meeting.bookmarks)
        if meeting.too_few_voices(voices):
            # Speaker changes and interruptions are counted between voices: with several people
            # on one voice there is no count to give (not 0).
            result = dataclasses.replace(result, metrics={**result.metrics, "interactivity_per_min": None,
                                                          "interruptions": None})
        return result
    return run


def check_config(config: Config) -> None:
    """Build everything the analysis needs from the settings, so a bad file is reported before
    a meeting is processed rather than after."""
    try:
        config.thresholds
        QuestionRules.from_config(config.values["questions"])
        Lexicon.from_config(config.values["lexicon"])
    except ConfigError as error:
        raise ConfigError(f"Konfigurationen i {config.source} kan ikke bruges: {error}") from None
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as error:
        raise ConfigError(f"Konfigurationen i {config.source} kan ikke bruges: {type(error).__name__}: {error}") from None


def metrics(c: Conversation) -> dict:
    minutes = c.duration_s / 60
    found = find_interruptions(c)
    return {
        "duration_s": round(c.duration_s, 2),
        "speech_s": round(sum(e - s for s, e in _speech(c)), 2),
        "interactivity_per_min": round(speaker_changes(c.floor) / minutes, 2) if minutes else 0.0,
        "response_pause_s": median_or_none(response_pauses(c.floor, c.citizens, c.caseworkers)),
        "longest_monologue_s": longest(c.turns, c.caseworkers),
        "longest_citizen_story_s": longest(c.turns, c.citizens),
        "longest_silence_s": round(max((e - s for s, e in silences(c.timing, 0.0)), default=0.0), 2),
        "interruptions": len(found),
        "roles_known": bool(c.caseworkers and c.citizens),
        "speakers": {who: speaker_metrics(c, who, found) for who in sorted(c.talk, key=speaker_order)},
    }


def speaker_metrics(c: Conversation, who: str, found) -> dict:
    asked = [u.question for u in c.utterances if u.speaker == who and u.question]
    open_count, closed_count = asked.count("open"), asked.count("closed")
    talk_min = c.talk[who].total / 60
    words = sum(len(tokens_of(s)) for s in c.segments if s.speaker == who)
    median = c.median_loudness(who)
    return {
        "questions_open": open_count,
        "questions_closed": closed_count,
        "open_question_share": round(open_count / len(asked), 3) if asked else None,
        "interruptions": sum(1 for i in found if i.turn.speaker == who),
        "interrupted": sum(1 for i in found if i.interrupted == who),
        "words_per_min": round(words / talk_min, 1) if talk_min else None,
        "loudness_db": round(median, 1) if median is not None else None,
    }


def _speech(c: Conversation) -> list[tuple[float, float]]:
    return union([(s.start, s.end) for s in c.timing])
