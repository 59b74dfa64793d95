"""A meeting's stored analysis: balance, metrics and flags with the settings that made them."""

import json

from sqlalchemy import Connection, delete as delete_rows, select

from meetings.db import schema
from meetings.records import Analysis, Flag
from meetings.sealer import Sealer


def read(conn: Connection, sealer: Sealer, meeting_id: str) -> Analysis | None:
    a, f = schema.analyses, schema.flags
    row = conn.execute(select(a.c.computed_at, a.c.config, a.c.config_source, a.c.balance, a.c.metrics)
                       .where(a.c.meeting_id == meeting_id)).first()
    if row is None:
        return None
    computed_at, config, source, balance, metrics = row
    flags = [
        Flag(kind, start, end, speaker, sealer.open("flags.message", meeting_id, message),
             json.loads(sealer.open("flags.evidence", meeting_id, evidence)), tone)
        for kind, start, end, speaker, tone, message, evidence in conn.execute(
            select(f.c.kind, f.c.start_s, f.c.end_s, f.c.speaker, f.c.tone, f.c.message, f.c.evidence)
            .where(f.c.meeting_id == meeting_id).order_by(f.c.start_s, f.c.id))
    ]
    return Analysis(json.loads(sealer.open("analyses.balance", meeting_id, balance)),
                    json.loads(sealer.open("analyses.metrics", meeting_id, metrics)), flags,
                    json.loads(sealer.open("analyses.config", meeting_id, config)),
                    source, computed_at)


def delete(conn: Connection, meeting_id: str) -> None:
    for table in (schema.analyses, schema.flags):
        conn.execute(delete_rows(table).where(table.c.meeting_id == meeting_id))


def insert(conn: Connection, sealer: Sealer, meeting_id: str, result: Analysis, computed_at: str) -> None:
    conn.execute(schema.analyses.insert().values(
        meeting_id=meeting_id, computed_at=computed_at,
        config=sealer.seal("analyses.config", meeting_id, json.dumps(result.config, ensure_ascii=False)),
        config_source=result.config_source,
        balance=sealer.seal("analyses.balance", meeting_id, json.dumps(result.balance)),
        metrics=sealer.seal("analyses.metrics", meeting_id, json.dumps(result.metrics))))
    if result.flags:
        conn.execute(schema.flags.insert(), [
            dict(meeting_id=meeting_id, kind=f.kind, start_s=f.start, end_s=f.end, speaker=f.speaker, tone=f.tone,
                 message=sealer.seal("flags.message", meeting_id, f.message),
                 evidence=sealer.seal("flags.evidence", meeting_id, json.dumps(f.evidence, ensure_ascii=False)))
            for f in result.flags])
