"""One writer per export format, behind `get_writer(format)` (as openai/whisper does it).

Exports are masked by default: `get_writer` gives a writer that first replaces CPR numbers,
phone numbers and e-mail addresses in the transcript and in the flags' messages and evidence
by placeholders (meetings.redaction). Only `get_writer(format, unmasked=True)` writes them as
said; the `write_*` functions themselves write whatever they are given.
"""

import csv
import dataclasses
import io
import json
from dataclasses import dataclass, field

from feedback.metrics import turns
from meetings.records import Analysis, Meeting, Segment, Speaker, Speech, named_voices, voices_found
from meetings.redaction import redact, redact_segments, redact_value


@dataclass
class Transcript:
    """What every writer needs: the meeting's headline facts and its segments."""

    segments: list[Segment]
    id: str | None = None
    title: str = ""
    duration_s: float = 0.0
    model: str | None = None
    model_sha256: str | None = None
    model_revision: str | None = None
    speakers: list[dict] = field(default_factory=list)
    balance: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    flags: list[dict] = field(default_factory=list)
    analysis: dict = field(default_factory=dict)  # when and with which settings it was computed
    # Who spoke when as measured in the audio (meetings.records.Speech): the turns the balance,
    # the timeline and every timing metric rest on, and so the RTTM too. Empty for a transcript
    # without attribution (medlyt transcribe, or one stored before speech was measured).
    speech: list[Speech] = field(default_factory=list)

    @classmethod
    def of_meeting(cls, meeting: Meeting, segments: list[Segment], speakers: list[Speaker],
                   analysis: Analysis | None = None, speech: list[Speech] = ()) -> "Transcript":
        # Named as the pages name them: voices that could not be told apart go by "Taler N".
        speakers = named_voices(meeting, speakers, voices_found(analysis, segments))
        return cls(
            segments=segments,
            speech=list(speech),
            id=meeting.id,
            title=meeting.title,
            duration_s=meeting.audio.duration_s if meeting.audio else 0.0,
            model=meeting.model,
            model_sha256=meeting.model_sha256,
            model_revision=meeting.model_revision,
            speakers=[{"id": s.id, "label": s.label, "role": s.role} for s in speakers],
            balance=analysis.balance if analysis else {},
            metrics=analysis.metrics if analysis else {},
            flags=[dataclasses.asdict(f) for f in analysis.flags] if analysis else [],
            analysis={"computed_at": analysis.computed_at, "config_source": analysis.config_source,
                      "config": analysis.config} if analysis else {},
        )

    def redacted(self) -> "Transcript":
        """A copy with personal data masked in the segments (text and words; every time and
        the number of words kept), in the flags' messages and evidence, and in what people typed
        (the title, the speakers' names)."""
        return dataclasses.replace(self, segments=redact_segments(self.segments), flags=redact_value(self.flags),
                                   title=redact(self.title), speakers=redact_value(self.speakers))

    def label(self, speaker_id: str | None) -> str:
        return next((s["label"] for s in self.speakers if s["id"] == speaker_id), speaker_id or "")


def timestamp(seconds: float, decimal: str = ".", always_hours: bool = True) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    head = f"{hours:02d}:" if always_hours or hours else ""
    return f"{head}{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def spoken(t: Transcript, segment: Segment) -> str:
    """The line as shown to people: with the speaker's label in front when known."""
    return f"{t.label(segment.speaker)}: {segment.text}" if segment.speaker else segment.text


def write_txt(t: Transcript) -> str:
    return "".join(f"[{timestamp(s.start)[:8]}] {spoken(t, s)}\n" for s in t.segments)


def write_srt(t: Transcript) -> str:
    blocks = [
        f"{i}\n{timestamp(s.start, ',')} --> {timestamp(s.end, ',')}\n{spoken(t, s)}\n"
        for i, s in enumerate(t.segments, start=1)
    ]
    return "\n".join(blocks)


def write_vtt(t: Transcript) -> str:
    cues = [
        f"{timestamp(s.start)} --> {timestamp(s.end)}\n" + (f"<v {t.label(s.speaker)}>" if s.speaker else "") + f"{s.text}\n"
        for s in t.segments
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def write_json(t: Transcript) -> str:
    document = {
        "meeting": {"id": t.id, "title": t.title, "duration_s": round(t.duration_s, 3), "model": t.model,
                    "model_sha256": t.model_sha256, "model_revision": t.model_revision},
        "speakers": t.speakers,
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "speaker": s.speaker,
                "text": s.text,
                "avg_logprob": s.avg_logprob,
                "loudness_db": s.loudness_db,
                "words": [
                    {"start": w.start, "end": w.end, "word": w.text, "probability": w.probability,
                     "loudness_db": w.loudness_db, "speaker": s.speaker}
                    for w in s.words
                ],
            }
            for s in t.segments
        ],
        "balance": t.balance,
        "metrics": t.metrics,
        "flags": t.flags,
        "analysis": t.analysis,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


RTTM_GAP_S = 0.5  # without measured speech: pauses shorter than this between words are not cut out


def write_rttm(t: Transcript) -> str:
    """Standard RTTM, one line per stretch of one speaker's speech; the file id is the meeting id.

    Built from the measured speech when there is some, joined only where it touches: then each
    speaker's seconds in the file are exactly the talk time of the balance. Otherwise from word
    times (a Whisper segment also spans its pauses), else from the segments."""
    if t.speech:
        pieces, gap_s = t.speech, 0.0
    else:
        pieces = [Segment(w.start, w.end, "", speaker=s.speaker) for s in t.segments for w in s.words] or t.segments
        gap_s = RTTM_GAP_S
    uri = t.id or "medlyt"
    return "".join(
        f"SPEAKER {uri} 1 {turn.start:.3f} {turn.duration:.3f} <NA> <NA> {turn.speaker} <NA> <NA>\n"
        for turn in turns(pieces, gap_s)
    )


# A spreadsheet runs a cell that starts like a formula (=HYPERLINK(...), +, -, @, or a tab or
# carriage return before one); a leading apostrophe makes it text (OWASP's advice for CSV).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ("Start", "Slut", "Taler", "Rolle", "Tekst")


def spreadsheet_safe(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def write_csv(t: Transcript) -> str:
    """One row per line, for a spreadsheet: semicolons and a byte-order mark, as Danish Excel
    reads them; every cell that could start a formula made plain text."""
    roles = {s["id"]: s.get("role") or "" for s in t.speakers}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for s in t.segments:
        row = (timestamp(s.start)[:8], timestamp(s.end)[:8], t.label(s.speaker) if s.speaker else "",
               roles.get(s.speaker, ""), s.text)
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()


WRITERS = {"json": write_json, "srt": write_srt, "vtt": write_vtt, "txt": write_txt, "rttm": write_rttm,
           "csv": write_csv}


def get_writer(fmt: str, unmasked: bool = False):
    """The writer for a format. It masks personal data (see the module) unless `unmasked`."""
    write = WRITERS[fmt]
    if unmasked:
        return write
    return lambda t: write(t.redacted())
