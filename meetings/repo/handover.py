"""A meeting's rows as stored, to hand a meeting from one database to another (`medlyt push`:
a laptop's SQLite to the centre's PostgreSQL). Sealed values travel sealed: a seal binds a value
to its field and meeting, not to a row id or a database, so the rows get new ids on arrival and
still open there with the organisation's key."""

from sqlalchemy import Connection, Integer, func, select

from meetings.db import schema
from meetings.repo.meetings import MEETING_TABLES

# The laptop's jobs stay behind: they are its local queue's (the centre queues its own). A live
# session goes, ended (a meeting still being recorded is not handed over): it shows the live lines.
NOT_HANDED_OVER = ("jobs",)
HANDED_OVER = ("meetings", "participants", "consents",
               *(name for name in MEETING_TABLES if name not in NOT_HANDED_OVER))

Rows = dict[str, list[dict]]  # table name -> its rows of the meeting, as stored


def _query(name: str, meeting_id: str):
    table = schema.metadata.tables[name]
    if name == "meetings":
        return select(table).where(table.c.id == meeting_id)
    if name == "consents":
        people = select(schema.participants.c.id).where(schema.participants.c.meeting_id == meeting_id)
        return select(table).where(table.c.participant_id.in_(people)).order_by(table.c.id)
    # In stored order: the newest consent, the tie-break between bookmarks at one moment, follow the ids.
    return select(table).where(table.c.meeting_id == meeting_id).order_by(*table.primary_key.columns)


def read(conn: Connection, meeting_id: str) -> Rows:
    return {name: [dict(row) for row in conn.execute(_query(name, meeting_id)).mappings()] for name in HANDED_OVER}


def counts(conn: Connection, meeting_id: str) -> dict[str, int]:
    return {name: conn.execute(select(func.count()).select_from(_query(name, meeting_id).subquery())).scalar()
            for name in HANDED_OVER}


def insert(conn: Connection, rows: Rows) -> None:
    """The meeting's rows under new ids (the target's own numbering), consents following their
    participants; the meeting last in the target's insertion order."""
    meetings = schema.meetings
    meeting = {**rows["meetings"][0], "seq": select(func.coalesce(func.max(meetings.c.seq), 0) + 1).scalar_subquery()}
    conn.execute(meetings.insert().values(**meeting))
    new_ids = {}
    for person in rows["participants"]:
        values = {key: value for key, value in person.items() if key != "id"}
        new_ids[person["id"]] = conn.execute(schema.participants.insert().values(**values)).inserted_primary_key[0]
    consents = [{**_numbered_anew(schema.consents, row), "participant_id": new_ids[row["participant_id"]]}
                for row in rows["consents"]]
    if consents:
        conn.execute(schema.consents.insert(), consents)
    for name in HANDED_OVER[3:]:
        table = schema.metadata.tables[name]
        if rows[name]:
            conn.execute(table.insert(), [_numbered_anew(table, row) for row in rows[name]])


def _numbered_anew(table, row: dict) -> dict:
    """Without its serial id, which the target's sequence gives anew (another database's ids collide)."""
    serial = "id" in table.c and table.c.id.primary_key and isinstance(table.c.id.type, Integer)
    return {key: value for key, value in row.items() if not (serial and key == "id")}
