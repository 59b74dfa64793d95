"""The transcript and its manual corrections: the store's methods for them, part of
meetings.store.Store.
"""
import dataclasses

from meetings import audit
from meetings.consent import require_consent
from meetings.corrections import TEXT_KINDS, apply_with_speech, line_at
from meetings.errors import MeetingError
from meetings.records import Correction, Meeting, Segment, Speaker, Speech, now_iso
from meetings.repo import live as live_rows
from meetings.repo import meetings as meeting_rows
from meetings.repo import transcript as transcript_rows
from meetings.store.analysis import Analyse


class TranscriptMixin:
    """Segments, measured speech and speakers; a change recomputes the analysis in its transaction."""

    def save_transcript(self, meeting_id: str, segments: list[Segment], model: str,
                        speakers: list[Speaker] = (), analyse: Analyse | None = None,
                        speech: list[Speech] = (), by: str | None = None, model_sha256: str | None = None,
                        model_revision: str | None = None) -> Meeting:
        """Replace the meeting's transcript, measured speech and speakers in one transaction.
        The manual corrections stored for the meeting are applied again, so they survive
        re-processing, and the analysis is replaced with `analyse`'s (or dropped, rather than
        left stale)."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            require_consent(meeting)  # consent may have changed since the recording
            segments, speech, speakers = apply_with_speech(list(segments), list(speech), list(speakers),
                                                           transcript_rows.corrections(conn, self.sealer, meeting_id))
            transcript_rows.replace(conn, self.sealer, meeting_id, segments, speech, speakers)
            live_rows.clear_lines(conn, meeting_id)  # the full pass replaces them
            now = now_iso()
            meeting_rows.set_processed(conn, meeting_id, model, model_sha256, model_revision, now)
            self._audit(conn, now, audit.TRANSCRIPT_SAVED, meeting_id,
                        f"segments={len(segments)} speakers={len(speakers)} model={model}"
                        + (f" model_sha256={model_sha256}" if model_sha256 else "")
                        + (f" model_revision={model_revision}" if model_revision else ""), by)
            meeting = self._load(conn, meeting_id)
            self._reanalyse(conn, meeting, segments, speech, speakers, analyse, by)
            return meeting

    def speakers(self, meeting_id: str) -> list[Speaker]:
        with self._transaction() as conn:
            self._require(conn, meeting_id)
            return transcript_rows.speakers(conn, self.sealer, meeting_id)

    def correct(self, meeting_id: str, correction: Correction, analyse: Analyse | None = None,
                by: str | None = None) -> None:
        """Store a manual correction and apply it at once (no re-transcription needed); the
        analysis is recomputed with `analyse` in the same transaction (or dropped)."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            before = transcript_rows.segments(conn, self.sealer, meeting_id)
            correction = dataclasses.replace(correction, at=now_iso())
            if correction.kind in TEXT_KINDS:
                found = line_at(before, correction.start, correction.end)
                if found is None:
                    raise MeetingError("Linjen findes ikke længere. Vælg den igen.")
                if correction.kind == "text" and not (correction.text or "").strip():
                    raise MeetingError("En linje skal have tekst. Vil du fjerne den, så sæt den sammen med en anden.")
                correction = dataclasses.replace(correction, original=before[found].text)  # kept for the audit
            segments, speech, speakers = apply_with_speech(
                before, transcript_rows.speech(conn, meeting_id),
                transcript_rows.speakers(conn, self.sealer, meeting_id), [correction])
            transcript_rows.replace(conn, self.sealer, meeting_id, segments, speech, speakers)
            transcript_rows.add_correction(conn, self.sealer, meeting_id, correction)
            action = audit.TEXT_CORRECTED if correction.kind in TEXT_KINDS else audit.SPEAKERS_CORRECTED
            self._audit(conn, correction.at, action, meeting_id, f"kind={correction.kind}", by)
            self._reanalyse(conn, meeting, segments, speech, speakers, analyse, by)

    def corrections(self, meeting_id: str) -> list[Correction]:
        with self._transaction() as conn:
            self._require(conn, meeting_id)
            return transcript_rows.corrections(conn, self.sealer, meeting_id)

    def segments(self, meeting_id: str, words: bool = True) -> list[Segment]:
        """The transcript, ordered by start; `words=False` leaves the words out (empty), which
        saves decrypting and parsing most of what is stored for a page that shows only lines."""
        with self._transaction() as conn:
            self._require(conn, meeting_id)
            return transcript_rows.segments(conn, self.sealer, meeting_id, words)

    def speech(self, meeting_id: str) -> list[Speech]:
        """The measured speech (who spoke when, how loud), ordered by start."""
        with self._transaction() as conn:
            self._require(conn, meeting_id)
            return transcript_rows.speech(conn, meeting_id)
