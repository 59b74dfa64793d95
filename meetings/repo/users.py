"""The dashboard's users, their logins, the leaders a meeting is shared with, and the voice
prints caseworkers enrolled."""

from sqlalchemy import Connection, delete as delete_rows, literal, select, update

from meetings import audit
from meetings.db import schema, upsert
from meetings.records import User, WebSession
from meetings.sealer import Sealer

users = schema.users
web_sessions = schema.web_sessions
PUBLIC = (users.c.name, users.c.role, users.c.created_at)


def exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(literal(1)).where(users.c.name == name)).first() is not None


def insert(conn: Connection, name: str, role: str, password_hash: str, created_at: str) -> None:
    conn.execute(users.insert().values(name=name, role=role, password_hash=password_hash, created_at=created_at))


def delete(conn: Connection, name: str) -> bool:
    """Remove the user with their shares and logins; False when there was none."""
    if conn.execute(delete_rows(users).where(users.c.name == name)).rowcount == 0:
        return False
    conn.execute(delete_rows(schema.shares).where(schema.shares.c.leader == name))
    end_logins(conn, name)
    return True


def set_password_hash(conn: Connection, name: str, password_hash: str) -> bool:
    return conn.execute(update(users).where(users.c.name == name).values(password_hash=password_hash)).rowcount > 0


def all_users(conn: Connection) -> list[User]:
    return [User(*row) for row in conn.execute(select(*PUBLIC).order_by(users.c.name))]


def get(conn: Connection, name: str) -> User | None:
    row = conn.execute(select(*PUBLIC).where(users.c.name == name)).first()
    return User(*row) if row else None


def with_password_hash(conn: Connection, name: str) -> tuple[User, str] | None:
    row = conn.execute(select(*PUBLIC, users.c.password_hash).where(users.c.name == name)).first()
    return (User(*row[:3]), row[3]) if row else None


def recent_logins(conn: Connection, since: str) -> list[tuple[str, str, str, str | None]]:
    """(at, action, detail, user) of every login attempt since `since`, oldest first."""
    a = schema.audit
    return [tuple(row) for row in conn.execute(
        select(a.c.at, a.c.action, a.c.detail, a.c.user)
        .where(a.c.action.in_((audit.LOGIN, audit.LOGIN_FAILED)), a.c.at >= since).order_by(a.c.id))]


# ---- dashboard logins: the token's hash only, never the token --------------------------------

def open_login(conn: Connection, token_hash: str, user: str, now: float, forget_before: float) -> None:
    conn.execute(delete_rows(web_sessions).where(web_sessions.c.started < forget_before))
    conn.execute(web_sessions.insert().values(token_hash=token_hash, user=user, started=now, active=now))


def login(conn: Connection, token_hash: str) -> WebSession | None:
    w = web_sessions
    row = conn.execute(select(*PUBLIC, w.c.started, w.c.active, w.c.ended)
                       .join_from(w, users, users.c.name == w.c.user).where(w.c.token_hash == token_hash)).first()
    return WebSession(User(*row[:3]), *row[3:]) if row else None


def touch_login(conn: Connection, token_hash: str, now: float) -> None:
    w = web_sessions
    conn.execute(update(w).where(w.c.token_hash == token_hash, w.c.ended.is_(None)).values(active=now))


def end_login(conn: Connection, token_hash: str, reason: str) -> str | None:
    """The user whose open login ended, or None when it was not open."""
    w = web_sessions
    return conn.execute(update(w).where(w.c.token_hash == token_hash, w.c.ended.is_(None)).values(ended=reason)
                        .returning(w.c.user)).scalar()


def end_logins(conn: Connection, name: str) -> None:
    conn.execute(delete_rows(web_sessions).where(web_sessions.c.user == name))


# ---- sharing ---------------------------------------------------------------------------------

def role(conn: Connection, name: str) -> str | None:
    return conn.execute(select(users.c.role).where(users.c.name == name)).scalar()


def share(conn: Connection, meeting_id: str, leader: str, by: str | None, at: str) -> None:
    upsert.ignore(conn, schema.shares, ("meeting_id", "leader"), meeting_id=meeting_id, leader=leader,
                  shared_by=by, shared_at=at)


def unshare(conn: Connection, meeting_id: str, leader: str) -> None:
    s = schema.shares
    conn.execute(delete_rows(s).where(s.c.meeting_id == meeting_id, s.c.leader == leader))


# ---- voice prints ----------------------------------------------------------------------------

def save_voiceprint(conn: Connection, sealer: Sealer, user: str, embedding: bytes, method: str, at: str) -> None:
    upsert.replace(conn, schema.voiceprints, ("user",), user=user,
                   embedding=sealer.seal("voiceprints.embedding", user, embedding), method=method, created_at=at)


def voiceprints(conn: Connection, sealer: Sealer) -> dict[str, bytes]:
    v = schema.voiceprints
    return {user: sealer.open_bytes("voiceprints.embedding", user, sealed)
            for user, sealed in conn.execute(select(v.c.user, v.c.embedding))}


def delete_voiceprint(conn: Connection, user: str) -> bool:
    v = schema.voiceprints
    return conn.execute(delete_rows(v).where(v.c.user == user)).rowcount > 0
