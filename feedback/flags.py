"""Flagged moments: one small rule per kind, each saying in Danish why it fired, with evidence.

Rules that are about the caseworker's part of the conversation (dominance, monologues,
question style, stories invited) need to know who the caseworker is; while the speakers have no
roles they stay silent rather than guess, since a long turn is a problem for one role and a
strength for the other.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np

from feedback.conversation import Conversation
from feedback.labels import minutes, number, percent
from feedback.lexicon import Lexicon
from feedback.metrics import Interruption, interruptions, silences, window_shares
from feedback.utterances import Utterance, confidence, tokens_of
from meetings.records import Flag

DOMINANCE_STEPS_PER_WINDOW = 10  # windows start every tenth of a window


@dataclass(frozen=True)
class Stretch:
    speaker: str
    start: float
    end: float
    level_db: float
    median_db: float


def confidence_note(value: float | None, low: float) -> str:
    if value is None or value >= low:
        return ""
    return f" Bemærk: transskriptionen er usikker her ({percent(value)} sikker)."


def all_flags(c: Conversation, lexicon: Lexicon) -> list[Flag]:
    raised = raised_stretches(c)
    found = [
        *long_silences(c),
        *dominance(c),
        *long_monologues(c),
        *interruption_flags(c),
        *closed_question_streaks(c),
        *raised_voices(c, raised),
        *calm_responses(c, raised),
        *citizen_stories(c),
        *lexicon_flags(c, lexicon),
        *bookmark_flags(c),
    ]
    # Ties (flags at the same time) are broken on everything else, so input order never shows.
    return sorted(found, key=lambda f: (f.start, f.end, f.kind, f.speaker or "", f.message, str(f.evidence)))


def long_silences(c: Conversation) -> list[Flag]:
    return [
        Flag("long_silence", start, end, None,
             f"Ingen talte i {number(end - start)} s – en pause til eftertanke, eller gik samtalen i stå?",
             {"silence_s": round(end - start, 2), "threshold_s": c.th.long_silence_s}, "info")
        for start, end in silences(c.timing, c.th.long_silence_s)
    ]


def dominance(c: Conversation) -> list[Flag]:
    th = c.th
    total = sum(t.total for t in c.talk.values())
    result = []
    for who in sorted(c.caseworkers & set(c.talk)):
        label = c.label(who)
        share = c.talk[who].total / total if total else 0.0
        if share > th.dominance_share:
            result.append(Flag(
                "caseworker_dominance", c.timing[0].start, max(s.end for s in c.timing), who,
                f"{label} stod for {percent(share)} af taletiden i hele mødet (grænse {percent(th.dominance_share)}).",
                {"share": round(share, 4), "threshold": th.dominance_share, "scope": "møde"}))
        windows = [w for w in window_shares(c.talk, who, c.duration_s, th.dominance_window_s,
                                            th.dominance_window_s / DOMINANCE_STEPS_PER_WINDOW)
                   if w[3] >= th.dominance_window_min_speech_s and w[2] > th.dominance_window_share]
        for start, end, peak in merge_windows(windows):
            result.append(Flag(
                "caseworker_dominance", start, end, who,
                f"{label} stod for op til {percent(peak)} af taletiden i {minutes(th.dominance_window_s)} "
                f"ad gangen (grænse {percent(th.dominance_window_share)}).",
                {"share": round(peak, 4), "threshold": th.dominance_window_share,
                 "window_s": th.dominance_window_s, "scope": "vindue"}))
    return result


def merge_windows(windows: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float]]:
    merged: list[tuple[float, float, float]] = []
    for start, end, share, _talk in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], end, max(merged[-1][2], share))
        else:
            merged.append((start, end, share))
    return merged


def long_monologues(c: Conversation) -> list[Flag]:
    limit = c.th.long_monologue_s
    return [
        Flag("long_monologue", t.start, t.end, t.speaker,
             f"{c.label(t.speaker)} talte {number(t.duration)} s i træk (grænse {number(limit)} s). "
             "Kunne borgeren være blevet inddraget undervejs?",
             {"turn_s": round(t.duration, 2), "threshold_s": limit})
        for t in c.turns if t.speaker in c.caseworkers and t.duration > limit
    ]


def find_interruptions(c: Conversation) -> list[Interruption]:
    return interruptions(c.turns, c.talk, c.th.interruption_overlap_s, c.th.backchannel_s)


def interruption_flags(c: Conversation) -> list[Flag]:
    return [
        Flag("interruption", i.turn.start, i.turn.end, i.turn.speaker,
             f"{c.label(i.turn.speaker)} begyndte at tale, mens {c.label(i.interrupted)} talte "
             f"({number(i.overlap_s, 1)} s samtidig tale).",
             {"overlap_s": i.overlap_s, "interrupted": i.interrupted, "turn_s": round(i.turn.duration, 2),
              "threshold_s": c.th.interruption_overlap_s})
        for i in find_interruptions(c)
    ]


def closed_question_streaks(c: Conversation) -> list[Flag]:
    th = c.th
    asked = [u for u in c.utterances if u.speaker in c.caseworkers and u.question]
    streaks: list[list[Utterance]] = []
    current: list[Utterance] = []
    for u in asked:
        if u.question == "closed" and current and u.start - current[-1].end <= th.question_streak_gap_s:
            current.append(u)
        else:
            if len(current) >= th.closed_question_streak:
                streaks.append(current)
            current = [u] if u.question == "closed" else []
    if len(current) >= th.closed_question_streak:
        streaks.append(current)
    result = []
    for streak in streaks:
        sure = [u.confidence for u in streak if u.confidence is not None]
        mean = round(sum(sure) / len(sure), 3) if sure else None
        result.append(Flag(
            "closed_question_streak", streak[0].start, streak[-1].end, streak[0].speaker,
            f"{len(streak)} lukkede spørgsmål i træk fra {c.label(streak[0].speaker)}. "
            "Et åbent spørgsmål (hvad, hvordan, fortæl …) kunne invitere borgeren til at fortælle mere."
            + confidence_note(mean, th.low_confidence),
            {"questions": [u.text for u in streak], "count": len(streak), "threshold": th.closed_question_streak,
             "confidence": mean}))
    return result


def raised_stretches(c: Conversation) -> list[Stretch]:
    """Runs of one speaker's words all well above their own median level, long enough to hear."""
    th = c.th
    found = []
    for who, sounds in c.sounds.items():
        median = c.median_loudness(who)
        if median is None:
            continue
        loud = np.flatnonzero(sounds.levels_db > median + th.raised_voice_db)
        # A run goes on through a short dip (a breath, a quieter word) as long as the next
        # loud stretch follows within the turn gap.
        breaks = np.flatnonzero(sounds.starts[loud[1:]] - sounds.ends[loud[:-1]] >= th.turn_gap_s)
        for run in np.split(loud, breaks + 1):
            if len(run) and sounds.ends[run[-1]] - sounds.starts[run[0]] >= th.raised_voice_min_s:
                part = slice(int(run[0]), int(run[-1]) + 1)
                found.append(Stretch(who, float(sounds.starts[run[0]]), float(sounds.ends[run[-1]]),
                                     sounds.level_of(part), median))
    return sorted(found, key=lambda s: s.start)


def raised_voices(c: Conversation, raised: list[Stretch]) -> list[Flag]:
    return [
        Flag("raised_voice", s.start, s.end, s.speaker,
             f"{c.label(s.speaker)} talte {number(s.level_db - s.median_db)} dB højere end sædvanligt "
             f"i {number(s.end - s.start)} s – en hævet stemme?",
             {"level_db": round(s.level_db, 1), "median_db": round(s.median_db, 1),
              "above_db": round(s.level_db - s.median_db, 1), "duration_s": round(s.end - s.start, 2),
              "threshold_db": c.th.raised_voice_db})
        for s in raised
    ]


def calm_responses(c: Conversation, raised: list[Stretch]) -> list[Flag]:
    """A strength: after a raised voice, someone else answers soon, at their normal level,
    without talking over."""
    th = c.th
    result = []
    for s in raised:
        answer = next((t for t in c.floor if t.speaker != s.speaker and t.start >= s.start
                       and t.start <= s.end + th.calm_response_within_s), None)
        if answer is None or answer.start < s.end - th.interruption_overlap_s:
            continue
        median = c.median_loudness(answer.speaker)
        level = c.loudness_between(answer.speaker, answer.start, answer.end)
        if median is None or level is None or level > median + th.calm_response_max_db:
            continue
        result.append(Flag(
            "calm_response", answer.start, answer.end, answer.speaker,
            f"{c.label(answer.speaker)} svarede roligt på en hævet stemme: efter "
            f"{number(answer.start - s.end, 1)} s og i sit normale toneleje.",
            {"pause_s": round(max(0.0, answer.start - s.end), 2), "level_db": round(level, 1),
             "median_db": round(median, 1), "raised_by": s.speaker, "raised_start": round(s.start, 2)},
            "strength"))
    return result


def citizen_stories(c: Conversation) -> list[Flag]:
    """Strengths: long citizen turns, and the caseworker's open question that invited one."""
    th = c.th
    result = []
    for before, story in zip([None] + c.floor, c.floor):
        if story.speaker not in c.citizens or story.duration < th.citizen_story_s:
            continue
        result.append(Flag(
            "citizen_story", story.start, story.end, story.speaker,
            f"{c.label(story.speaker)} fortalte i {number(story.duration)} s i træk – plads til borgerens egen historie.",
            {"turn_s": round(story.duration, 2), "threshold_s": th.citizen_story_s}, "strength"))
        if before is None or before.speaker not in c.caseworkers:
            continue
        asked = [u for u in c.utterances if u.speaker == before.speaker
                 and before.start <= u.start and u.end <= before.end + th.turn_gap_s]
        if asked and asked[-1].question == "open":
            question = asked[-1]
            result.append(Flag(
                "open_question", question.start, question.end, question.speaker,
                f"Et åbent spørgsmål fra {c.label(question.speaker)} fik borgeren til at fortælle i "
                f"{number(story.duration)} s." + confidence_note(question.confidence, th.low_confidence),
                {"question": question.text, "story_s": round(story.duration, 2), "confidence": question.confidence},
                "strength"))
    return result


# A word from a list said right after one of these ("Jeg er ikke særlig interesseret i") means
# the opposite of what the list looks for, so it is no match. The negation counts within
# NEGATION_REACH words before the match, and not across the end of a clause.
NEGATIONS = frozenset(("ikke", "aldrig", "ingen", "intet", "ingenting", "hverken", "næppe", "ikk"))
NEGATION_REACH = 3
CLAUSE_END = frozenset(".,;:!?")


def negated(texts: list[str], first: int) -> bool:
    """True when a negation stands within NEGATION_REACH words before token `first`, with no
    clause ending between them."""
    for i in range(first - 1, max(first - NEGATION_REACH, 0) - 1, -1):
        word = texts[i].strip()
        if word and word[-1] in CLAUSE_END:
            return False
        if word.lower().strip(".,;:!?\"'«»") in NEGATIONS:
            return True
    return False


def lexicon_flags(c: Conversation, lexicon: Lexicon) -> list[Flag]:
    """Words from the organisation's lists: one flag per category per segment; a word said
    negated ("ikke motiveret") is not counted (`negated`)."""
    labels = {category.name: category for category in lexicon.categories}
    result = []
    for segment in c.segments:
        words = tokens_of(segment)
        texts = [w.text for w in words]
        by_category: dict[str, list] = {}
        for match in lexicon.find(texts, c.role(segment.speaker)):
            if negated(texts, match.first):
                continue
            by_category.setdefault(match.category, []).append(match)
        for name, matches in by_category.items():
            category = labels[name]
            spoken = [words[i] for m in matches for i in range(m.first, m.end)]
            sure = confidence(spoken)
            said = ", ".join(f"«{word}»" + (f" {n} gange" if n > 1 else "")
                             for word, n in Counter(m.matched.lower() for m in matches).items())
            result.append(Flag(
                "lexicon", spoken[0].start, spoken[-1].end, segment.speaker,
                f"{c.label(segment.speaker)} sagde {said} ({category.label})."
                + confidence_note(sure, c.th.low_confidence),
                {"category": name, "category_label": category.label, "words": [m.matched for m in matches],
                 "terms": [m.term for m in matches], "confidence": sure},
                category.tone))
    return result


def bookmark_flags(c: Conversation) -> list[Flag]:
    """The observer's bookmarks, kept as flagged moments through every recomputation."""
    return [
        Flag("bookmark", max(0.0, b.at_s - c.th.bookmark_lead_s), b.at_s, None,
             "Observatøren satte et bogmærke her" + (f": {b.note}" if b.note else "."),
             {"at_s": b.at_s, "by": b.by, "note": b.note}, "info")
        for b in sorted(c.bookmarks, key=lambda b: b.at_s)
    ]
