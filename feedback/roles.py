"""Who is who, suggested from evidence in the meeting: a voice that introduces itself ("jeg er
din sagsbehandler"), or, with one caseworker and one citizen, the voice that asks most of the
questions. A suggestion is never applied by itself: the page shows it with why, and a person
decides (dashboard/pages/speakers.py)."""

import re
from dataclasses import dataclass

from feedback.questions import QuestionRules, classify_text
from meetings.records import Segment, Speaker

# What a participant says about themself, lower case. Danish as spoken in a jobcentre.
INTRODUCTIONS = {
    "sagsbehandler": (
        r"\bjeg er (?:din|jeres|den nye|også din) (?:sagsbehandler|jobkonsulent|rådgiver|virksomhedskonsulent)\b",
        r"\bjeg er sagsbehandler\b",
        r"\bjeg (?:skal|kommer til at) være (?:din|jeres) (?:sagsbehandler|jobkonsulent|rådgiver)\b",
    ),
    "bisidder": (
        r"\bjeg er (?:med som |hans |hendes |din |jeres )?bisidder\b",
    ),
}
QUESTION_LEAD = 2.0  # one voice asks at least this many times as many questions as the other
MIN_QUESTIONS = 3  # fewer questions in all say nothing about who asks


@dataclass(frozen=True)
class Suggestion:
    role: str
    why: str  # Danish, shown beside the suggestion; may quote what the voice said


def introduction(text: str) -> str | None:
    lowered = " ".join(text.lower().split())
    return next((role for role, patterns in INTRODUCTIONS.items() if any(re.search(p, lowered) for p in patterns)),
                None)


def suggest_roles(segments: list[Segment], speakers: list[Speaker], roles: set[str],
                  rules: QuestionRules) -> dict[str, Suggestion]:
    """A suggestion for each voice without a role where the meeting gives evidence; `roles` are
    the meeting's participants' roles."""
    open_ids = [s.id for s in speakers if s.role is None]
    taken = {s.role for s in speakers if s.role}
    found: dict[str, Suggestion] = {}
    for segment in segments:
        if segment.speaker not in open_ids or segment.speaker in found:
            continue
        role = introduction(segment.text)
        if role and role in roles and role not in taken:
            found[segment.speaker] = Suggestion(role, f"siger selv: »{segment.text.strip()[:100]}«")
            taken.add(role)
    left = [sid for sid in open_ids if sid not in found]
    if len(left) == 2 and {"sagsbehandler", "borger"} <= roles and not {"sagsbehandler", "borger"} & taken:
        asked = {sid: sum(1 for s in segments if s.speaker == sid and classify_text(s.text, rules)) for sid in left}
        (most, most_n), (other, other_n) = sorted(asked.items(), key=lambda item: -item[1])
        if most_n + other_n >= MIN_QUESTIONS and most_n >= QUESTION_LEAD * max(other_n, 0.5):
            found[most] = Suggestion("sagsbehandler", f"stiller {most_n} af mødets {most_n + other_n} spørgsmål")
            found[other] = Suggestion("borger", f"stiller {other_n} af mødets {most_n + other_n} spørgsmål")
    elif len(left) == 1 and len(open_ids) == 1 and len(roles - taken) == 1:
        (role,) = roles - taken
        found[left[0]] = Suggestion(role, f"er den eneste uden rolle, og {role} er den eneste rolle, der er tilbage")
    return found
