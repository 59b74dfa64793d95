"""What the Live page shows while a meeting is recorded: pure functions from the live lines.

The live lines are a first guess (the full pass replaces them), and each arrives a second or two
after it was said, so everything here is rounded and gentle: a running balance, who has the word
and for how long, and for the caseworker's private view a few nudges, strengths included.
"""

from dataclasses import dataclass, field

from feedback.config import Thresholds
from feedback.labels import count, minutes
from meetings.records import LiveLine, LiveSession

# The recorder reports twice a second; silence for longer than this means it has stopped or died.
STALE_AFTER_S = 5.0
# A line reaches the store a second or two after the words; a turn counts as still going if its
# last line ended less than this before the recorder's clock.
TURN_OPEN_S = 5.0


@dataclass(frozen=True)
class Turn:
    speaker: str
    role: str | None
    start: float
    end: float


@dataclass(frozen=True)
class LiveStatus:
    elapsed_s: float  # the recording's clock now
    recording: bool
    stale: bool  # recording, but the recorder has not been heard from for STALE_AFTER_S
    talk_s: dict[str, float]  # speaker -> seconds of talk so far
    roles: dict[str, str | None]
    current: Turn | None  # the turn going on now, if any
    nudges: list[tuple[str, str]] = field(default_factory=list)  # (tone, Danish text) for the caseworker

    @property
    def shares(self) -> dict[str, float]:
        total = sum(self.talk_s.values())
        return {speaker: seconds / total for speaker, seconds in self.talk_s.items()} if total else {}


def clock(session: LiveSession, now: float) -> tuple[float, bool]:
    """The recording's clock at Unix time `now`, and whether the recorder has gone quiet."""
    if session.status != "recording":
        return session.elapsed_s, False
    since = max(0.0, now - session.heartbeat)
    return session.elapsed_s + min(since, STALE_AFTER_S), since > STALE_AFTER_S


def turns(lines: tuple[LiveLine, ...] | list[LiveLine], gap_s: float) -> list[Turn]:
    """Runs of one speaker's lines; a pause shorter than gap_s stays inside the turn."""
    result: list[Turn] = []
    for line in lines:
        last = result[-1] if result else None
        if last and last.speaker == line.speaker and line.start - last.end < gap_s:
            result[-1] = Turn(last.speaker, last.role, last.start, max(last.end, line.end))
        else:
            result.append(Turn(line.speaker, line.role, line.start, line.end))
    return result


def live_status(session: LiveSession, now: float, thresholds: Thresholds) -> LiveStatus:
    elapsed, stale = clock(session, now)
    talk: dict[str, float] = {}
    roles: dict[str, str | None] = {}
    for line in session.lines:
        talk[line.speaker] = talk.get(line.speaker, 0.0) + (line.end - line.start)
        roles[line.speaker] = line.role
    runs = turns(session.lines, thresholds.turn_gap_s)
    current = runs[-1] if runs and session.status == "recording" and elapsed - runs[-1].end < TURN_OPEN_S else None
    status = LiveStatus(elapsed, session.status == "recording", stale, talk, roles, current)
    status.nudges.extend(nudges(session.lines, current, elapsed, thresholds))
    return status


def nudges(lines, current: Turn | None, elapsed: float, thresholds: Thresholds) -> list[tuple[str, str]]:
    """Gentle, private hints for the caseworker; they need the caseworker's voice to be known."""
    found = []
    if current and current.role == "sagsbehandler" and elapsed - current.start >= thresholds.live_turn_nudge_s:
        found.append(("concern", f"Du har talt i {seconds_text(elapsed - current.start)}. "
                                 "Måske er det tid til at give ordet til borgeren?"))
    window_start = elapsed - thresholds.dominance_window_s
    recent = [(line.role, min(line.end, elapsed) - max(line.start, window_start))
              for line in lines if line.end > window_start]
    total = sum(seconds for _role, seconds in recent)
    mine = sum(seconds for role, seconds in recent if role == "sagsbehandler")
    if total >= thresholds.dominance_window_min_speech_s and mine / total >= thresholds.dominance_window_share:
        # Before the window has filled, "the last 5 minutes" would claim more than was heard.
        window = thresholds.dominance_window_s
        since = ("siden optagelsen begyndte" if elapsed < window
                 else "det sidste minut" if window == 60 else f"de sidste {minutes(window)}")
        found.append(("concern", f"Du har haft ordet {round(100 * mine / total)} % af tiden {since}."))
    if current and current.role == "borger" and elapsed - current.start >= thresholds.citizen_story_s:
        found.append(("strength", "Borgeren fortæller. Godt lyttet."))
    return found


def seconds_text(seconds: float) -> str:
    """'90 sekunder', '2 min 30 s': seconds while they are easy to picture."""
    seconds = int(seconds)
    if seconds < 120:
        return count(seconds, "sekund", "sekunder")
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
