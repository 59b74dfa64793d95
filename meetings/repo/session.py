"""The feedback session: reviews of flagged moments, the participants' notes, the agreed
development points, and the observer's bookmarks."""

from sqlalchemy import Connection, delete, func, select

from meetings.db import schema, upsert
from meetings.records import DevelopmentPoint, FlagReview, SessionNote
from meetings.sealer import Sealer

reviews_table = schema.flag_reviews
notes_table = schema.session_notes
points_table = schema.development_points


def save_review(conn: Connection, sealer: Sealer, meeting_id: str, kind: str, start_ms: int, status: str,
                note: str, by: str | None, at: str) -> None:
    upsert.replace(conn, reviews_table, ("meeting_id", "kind", "start_ms"), meeting_id=meeting_id, kind=kind,
                   start_ms=start_ms, status=status, note=sealer.seal("flag_reviews.note", meeting_id, note),
                   by_user=by, at=at)


def clear_review(conn: Connection, meeting_id: str, kind: str, start_ms: int) -> bool:
    r = reviews_table
    return conn.execute(delete(r).where(r.c.meeting_id == meeting_id, r.c.kind == kind,
                                        r.c.start_ms == start_ms)).rowcount > 0


def reviews(conn: Connection, sealer: Sealer, meeting_id: str) -> dict[tuple[str, int], FlagReview]:
    r = reviews_table
    rows = conn.execute(select(r.c.kind, r.c.start_ms, r.c.status, r.c.note, r.c.by_user, r.c.at)
                        .where(r.c.meeting_id == meeting_id)).all()
    return {(kind, start_ms): FlagReview(status, sealer.open("flag_reviews.note", meeting_id, note), by, at)
            for kind, start_ms, status, note, by, at in rows}


def replace_note(conn: Connection, sealer: Sealer, meeting_id: str, kind: str | None, start_ms: int | None,
                 author: str, text: str, by: str | None, at: str) -> None:
    """The author's note at the moment becomes `text` (none when it is empty)."""
    n = notes_table
    conn.execute(delete(n).where(n.c.meeting_id == meeting_id, n.c.kind.is_not_distinct_from(kind),
                                 n.c.start_ms.is_not_distinct_from(start_ms), n.c.author == author))
    if text:
        conn.execute(n.insert().values(meeting_id=meeting_id, kind=kind, start_ms=start_ms, author=author,
                                       text=sealer.seal("session_notes.text", meeting_id, text), by_user=by, at=at))


def notes(conn: Connection, sealer: Sealer, meeting_id: str) -> dict[tuple[tuple[str, int] | None, str], SessionNote]:
    n = notes_table
    # NULLs (notes on the whole session) first, as SQLite orders them; PostgreSQL would put them last.
    rows = conn.execute(select(n.c.kind, n.c.start_ms, n.c.author, n.c.text, n.c.by_user, n.c.at)
                        .where(n.c.meeting_id == meeting_id)
                        .order_by(n.c.start_ms.asc().nulls_first(), n.c.kind.asc().nulls_first(), n.c.author)).all()
    found = {}
    for kind, start_ms, author, text, by, at in rows:
        moment = (kind, start_ms) if kind is not None else None
        found[(moment, author)] = SessionNote(moment, author, sealer.open("session_notes.text", meeting_id, text), by, at)
    return found


def add_point(conn: Connection, sealer: Sealer, meeting_id: str, text: str, by: str | None,
              at: str) -> DevelopmentPoint:
    p = points_table
    position = conn.execute(select(func.coalesce(func.max(p.c.position), 0) + 1)
                            .where(p.c.meeting_id == meeting_id)).scalar()
    result = conn.execute(p.insert().values(meeting_id=meeting_id, position=position,
                                            text=sealer.seal("development_points.text", meeting_id, text),
                                            by_user=by, at=at))
    return DevelopmentPoint(result.inserted_primary_key[0], position, text, by, at)


def remove_point(conn: Connection, meeting_id: str, point_id: int) -> int | None:
    """The removed point's position, or None when the meeting has no such point."""
    p = points_table
    return conn.execute(delete(p).where(p.c.meeting_id == meeting_id, p.c.id == point_id)
                        .returning(p.c.position)).scalar()


def points(conn: Connection, sealer: Sealer, meeting_id: str) -> list[DevelopmentPoint]:
    p = points_table
    rows = conn.execute(select(p.c.id, p.c.position, p.c.text, p.c.by_user, p.c.at)
                        .where(p.c.meeting_id == meeting_id).order_by(p.c.position, p.c.id)).all()
    return [DevelopmentPoint(id_, position, sealer.open("development_points.text", meeting_id, text), by, at)
            for id_, position, text, by, at in rows]


def add_bookmark(conn: Connection, sealer: Sealer, meeting_id: str, at_s: float, by: str | None, note: str,
                 at: str) -> None:
    conn.execute(schema.bookmarks.insert().values(meeting_id=meeting_id, at_s=round(at_s, 2), by_user=by,
                                                  note=sealer.seal("bookmarks.note", meeting_id, note), created_at=at))
