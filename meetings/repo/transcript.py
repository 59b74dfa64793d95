"""The transcript: segments with their words, the measured speech (who spoke when, how loud),
the speakers, and the manual corrections that are applied again after every re-processing."""

import dataclasses
import json
import sqlite3

from meetings.records import Correction, Segment, Speaker, Speech, Word
from meetings.sealer import Sealer


def segments(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, with_words: bool = True) -> list[Segment]:
    rows = conn.execute(
        f"SELECT start_s, end_s, text, {'words' if with_words else 'NULL'}, speaker, avg_logprob,"
        " no_speech_prob, loudness_db FROM segments WHERE meeting_id = ? ORDER BY start_s, id",
        (meeting_id,),
    ).fetchall()
    return [
        Segment(start=start, end=end, text=sealer.open("segments.text", meeting_id, text),
                words=[Word(**w) for w in json.loads(sealer.open("segments.words", meeting_id, words))]
                if with_words else [],
                speaker=speaker, avg_logprob=avg_logprob, no_speech_prob=no_speech_prob, loudness_db=loudness_db)
        for start, end, text, words, speaker, avg_logprob, no_speech_prob, loudness_db in rows
    ]


def speech(conn: sqlite3.Connection, meeting_id: str) -> list[Speech]:
    rows = conn.execute("SELECT start_s, end_s, speaker, loudness_db FROM speech WHERE meeting_id = ?"
                        " ORDER BY start_s, rowid", (meeting_id,)).fetchall()
    return [Speech(*row) for row in rows]


def speakers(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> list[Speaker]:
    rows = conn.execute("SELECT id, label, role FROM speakers WHERE meeting_id = ?", (meeting_id,)).fetchall()
    return sorted((Speaker(id_, sealer.open("speakers.label", meeting_id, label), role) for id_, label, role in rows),
                  key=lambda s: (len(s.id), s.id))


def replace(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, segments: list[Segment],
            speech: list[Speech], speakers: list[Speaker]) -> None:
    """The meeting's segments, speech and speakers become these."""
    conn.execute("DELETE FROM speech WHERE meeting_id = ?", (meeting_id,))
    conn.executemany("INSERT INTO speech (meeting_id, start_s, end_s, speaker, loudness_db) VALUES (?, ?, ?, ?, ?)",
                     [(meeting_id, s.start, s.end, s.speaker, s.loudness_db) for s in speech])
    conn.execute("DELETE FROM segments WHERE meeting_id = ?", (meeting_id,))
    conn.executemany(
        "INSERT INTO segments (meeting_id, start_s, end_s, speaker, text, avg_logprob,"
        " no_speech_prob, loudness_db, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (meeting_id, s.start, s.end, s.speaker, sealer.seal("segments.text", meeting_id, s.text), s.avg_logprob,
             s.no_speech_prob, s.loudness_db,
             sealer.seal("segments.words", meeting_id,
                         json.dumps([dataclasses.asdict(w) for w in s.words], ensure_ascii=False)))
            for s in segments
        ],
    )
    conn.execute("DELETE FROM speakers WHERE meeting_id = ?", (meeting_id,))
    conn.executemany("INSERT INTO speakers (meeting_id, id, label, role) VALUES (?, ?, ?, ?)",
                     [(meeting_id, s.id, sealer.seal("speakers.label", meeting_id, s.label), s.role) for s in speakers])


def corrections(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> list[Correction]:
    rows = conn.execute("SELECT correction FROM corrections WHERE meeting_id = ? ORDER BY id", (meeting_id,)).fetchall()
    return [_correction_from_json(sealer.open("corrections.correction", meeting_id, row[0])) for row in rows]


def add_correction(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, correction: Correction) -> None:
    conn.execute("INSERT INTO corrections (meeting_id, at, correction) VALUES (?, ?, ?)",
                 (meeting_id, correction.at,
                  sealer.seal("corrections.correction", meeting_id, json.dumps(dataclasses.asdict(correction)))))


def _correction_from_json(text: str) -> Correction:
    data = json.loads(text)
    for key in ("anchor", "target"):
        data[key] = tuple(tuple(pair) for pair in data[key])
    return Correction(**data)
