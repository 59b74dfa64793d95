"""The transcript: segments with their words, the measured speech (who spoke when, how loud),
the speakers, and the manual corrections that are applied again after every re-processing."""

import dataclasses
import json

from sqlalchemy import Connection, delete, null, select

from meetings.db import schema
from meetings.records import Correction, Segment, Speaker, Speech, Word
from meetings.sealer import Sealer


def segments(conn: Connection, sealer: Sealer, meeting_id: str, with_words: bool = True) -> list[Segment]:
    s = schema.segments
    rows = conn.execute(
        select(s.c.start_s, s.c.end_s, s.c.text, s.c.words if with_words else null(), s.c.speaker,
               s.c.avg_logprob, s.c.no_speech_prob, s.c.loudness_db)
        .where(s.c.meeting_id == meeting_id).order_by(s.c.start_s, s.c.id)).all()
    return [
        Segment(start=start, end=end, text=sealer.open("segments.text", meeting_id, text),
                words=[Word(**w) for w in json.loads(sealer.open("segments.words", meeting_id, words))]
                if with_words else [],
                speaker=speaker, avg_logprob=avg_logprob, no_speech_prob=no_speech_prob, loudness_db=loudness_db)
        for start, end, text, words, speaker, avg_logprob, no_speech_prob, loudness_db in rows
    ]


def speech(conn: Connection, meeting_id: str) -> list[Speech]:
    s = schema.speech
    rows = conn.execute(select(s.c.start_s, s.c.end_s, s.c.speaker, s.c.loudness_db)
                        .where(s.c.meeting_id == meeting_id).order_by(s.c.start_s, s.c.id)).all()
    return [Speech(*row) for row in rows]


def speakers(conn: Connection, sealer: Sealer, meeting_id: str) -> list[Speaker]:
    s = schema.speakers
    rows = conn.execute(select(s.c.id, s.c.label, s.c.role).where(s.c.meeting_id == meeting_id)).all()
    return sorted((Speaker(id_, sealer.open("speakers.label", meeting_id, label), role) for id_, label, role in rows),
                  key=lambda s: (len(s.id), s.id))


def replace(conn: Connection, sealer: Sealer, meeting_id: str, segments: list[Segment],
            speech: list[Speech], speakers: list[Speaker]) -> None:
    """The meeting's segments, speech and speakers become these."""
    for table in (schema.speech, schema.segments, schema.speakers):
        conn.execute(delete(table).where(table.c.meeting_id == meeting_id))
    if speech:
        conn.execute(schema.speech.insert(), [
            dict(meeting_id=meeting_id, start_s=s.start, end_s=s.end, speaker=s.speaker, loudness_db=s.loudness_db)
            for s in speech])
    if segments:
        conn.execute(schema.segments.insert(), [
            dict(meeting_id=meeting_id, start_s=s.start, end_s=s.end, speaker=s.speaker,
                 text=sealer.seal("segments.text", meeting_id, s.text), avg_logprob=s.avg_logprob,
                 no_speech_prob=s.no_speech_prob, loudness_db=s.loudness_db,
                 words=sealer.seal("segments.words", meeting_id,
                                   json.dumps([dataclasses.asdict(w) for w in s.words], ensure_ascii=False)))
            for s in segments])
    if speakers:
        conn.execute(schema.speakers.insert(), [
            dict(meeting_id=meeting_id, id=s.id, label=sealer.seal("speakers.label", meeting_id, s.label),
                 role=s.role)
            for s in speakers])


def corrections(conn: Connection, sealer: Sealer, meeting_id: str) -> list[Correction]:
    c = schema.corrections
    rows = conn.scalars(select(c.c.correction).where(c.c.meeting_id == meeting_id).order_by(c.c.id)).all()
    return [_correction_from_json(sealer.open("corrections.correction", meeting_id, row)) for row in rows]


def add_correction(conn: Connection, sealer: Sealer, meeting_id: str, correction: Correction) -> None:
    conn.execute(schema.corrections.insert().values(
        meeting_id=meeting_id, at=correction.at,
        correction=sealer.seal("corrections.correction", meeting_id, json.dumps(dataclasses.asdict(correction)))))


def _correction_from_json(text: str) -> Correction:
    data = json.loads(text)
    for key in ("anchor", "target"):
        data[key] = tuple(tuple(pair) for pair in data[key])
    return Correction(**data)
