"""The headline of many meetings at once (the Møder page): latest job, whether there is an
analysis, its roles and shares and the number of flags, in a handful of queries however many
meetings there are. Flags are counted, not opened."""

import json

from sqlalchemy import Connection, func, select

from meetings.db import schema
from meetings.records import Glance, Job, voices_heard
from meetings.repo import jobs as job_rows
from meetings.repo.meetings import chunks
from meetings.sealer import Sealer


def glances(conn: Connection, sealer: Sealer, meeting_ids: list[str]) -> dict[str, Glance]:
    jobs, analyses, flags, speakers = schema.jobs, schema.analyses, schema.flags, schema.speakers
    latest: dict[str, Job] = {}
    figures: dict[str, tuple[dict, dict]] = {}
    counted: dict[str, int] = {}
    roles: dict[str, dict[str, str]] = {}
    for ids in chunks(meeting_ids):
        for row in conn.execute(select(*job_rows.COLUMNS).where(jobs.c.meeting_id.in_(ids)).order_by(jobs.c.id)):
            latest[row.meeting_id] = Job(*row)  # oldest first: the newest stays
        for meeting_id, balance, metrics in conn.execute(
                select(analyses.c.meeting_id, analyses.c.balance, analyses.c.metrics)
                .where(analyses.c.meeting_id.in_(ids))):
            figures[meeting_id] = (json.loads(sealer.open("analyses.balance", meeting_id, balance)),
                                   json.loads(sealer.open("analyses.metrics", meeting_id, metrics)))
        counted.update(conn.execute(select(flags.c.meeting_id, func.count()).where(flags.c.meeting_id.in_(ids))
                                    .group_by(flags.c.meeting_id)).all())
        for meeting_id, speaker_id, role in conn.execute(
                select(speakers.c.meeting_id, speakers.c.id, speakers.c.role).where(speakers.c.meeting_id.in_(ids))):
            if role:
                roles.setdefault(meeting_id, {})[speaker_id] = role
    found = {}
    for meeting_id in meeting_ids:
        balance, metrics = figures.get(meeting_id, ({}, {}))
        named = roles.get(meeting_id, {})
        found[meeting_id] = Glance(
            job=latest.get(meeting_id), has_analysis=meeting_id in figures,
            roles_known=bool(metrics.get("roles_known")), flags=counted.get(meeting_id, 0),
            shares={named[who]: b["share"] for who, b in balance.items() if who in named},
            voices=voices_heard(balance))
    return found
