"""A meeting's stored analysis: balance, metrics and flags with the settings that made them."""

import json
import sqlite3

from meetings.records import Analysis, Flag
from meetings.sealer import Sealer


def read(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> Analysis | None:
    row = conn.execute("SELECT computed_at, config, config_source, balance, metrics FROM analyses"
                       " WHERE meeting_id = ?", (meeting_id,)).fetchone()
    if row is None:
        return None
    computed_at, config, source, balance, metrics = row
    flags = [
        Flag(kind, start, end, speaker, sealer.open("flags.message", meeting_id, message),
             json.loads(sealer.open("flags.evidence", meeting_id, evidence)), tone)
        for kind, start, end, speaker, tone, message, evidence in conn.execute(
            "SELECT kind, start_s, end_s, speaker, tone, message, evidence FROM flags"
            " WHERE meeting_id = ? ORDER BY start_s, id", (meeting_id,))
    ]
    return Analysis(json.loads(sealer.open("analyses.balance", meeting_id, balance)),
                    json.loads(sealer.open("analyses.metrics", meeting_id, metrics)), flags,
                    json.loads(sealer.open("analyses.config", meeting_id, config)),
                    source, computed_at)


def delete(conn: sqlite3.Connection, meeting_id: str) -> None:
    conn.execute("DELETE FROM analyses WHERE meeting_id = ?", (meeting_id,))
    conn.execute("DELETE FROM flags WHERE meeting_id = ?", (meeting_id,))


def insert(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, result: Analysis, computed_at: str) -> None:
    conn.execute(
        "INSERT INTO analyses (meeting_id, computed_at, config, config_source, balance, metrics)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (meeting_id, computed_at,
         sealer.seal("analyses.config", meeting_id, json.dumps(result.config, ensure_ascii=False)),
         result.config_source, sealer.seal("analyses.balance", meeting_id, json.dumps(result.balance)),
         sealer.seal("analyses.metrics", meeting_id, json.dumps(result.metrics))),
    )
    conn.executemany(
        "INSERT INTO flags (meeting_id, kind, start_s, end_s, speaker, tone, message, evidence)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(meeting_id, f.kind, f.start, f.end, f.speaker, f.tone, sealer.seal("flags.message", meeting_id, f.message),
          sealer.seal("flags.evidence", meeting_id, json.dumps(f.evidence, ensure_ascii=False))) for f in result.flags],
    )
