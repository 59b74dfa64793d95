"""The dashboard's users, their logins, the leaders a meeting is shared with, and the voice
prints caseworkers enrolled."""

import sqlite3

from meetings import audit
from meetings.records import User, WebSession
from meetings.sealer import Sealer


def exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is not None


def insert(conn: sqlite3.Connection, name: str, role: str, password_hash: str, created_at: str) -> None:
    conn.execute("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                 (name, role, password_hash, created_at))


def delete(conn: sqlite3.Connection, name: str) -> bool:
    """Remove the user with their shares and logins; False when there was none."""
    if conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
        return False
    conn.execute("DELETE FROM shares WHERE leader = ?", (name,))
    end_logins(conn, name)
    return True


def set_password_hash(conn: sqlite3.Connection, name: str, password_hash: str) -> bool:
    return conn.execute("UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name)).rowcount > 0


def all_users(conn: sqlite3.Connection) -> list[User]:
    return [User(*row) for row in conn.execute("SELECT name, role, created_at FROM users ORDER BY name")]


def get(conn: sqlite3.Connection, name: str) -> User | None:
    row = conn.execute("SELECT name, role, created_at FROM users WHERE name = ?", (name,)).fetchone()
    return User(*row) if row else None


def with_password_hash(conn: sqlite3.Connection, name: str) -> tuple[User, str] | None:
    row = conn.execute("SELECT name, role, created_at, password_hash FROM users WHERE name = ?", (name,)).fetchone()
    return (User(*row[:3]), row[3]) if row else None


def recent_logins(conn: sqlite3.Connection, since: str) -> list[tuple[str, str, str, str | None]]:
    """(at, action, detail, user) of every login attempt since `since`, oldest first."""
    return conn.execute("SELECT at, action, detail, user FROM audit WHERE action IN (?, ?) AND at >= ? ORDER BY id",
                        (audit.LOGIN, audit.LOGIN_FAILED, since)).fetchall()


# ---- dashboard logins: the token's hash only, never the token --------------------------------

def open_login(conn: sqlite3.Connection, token_hash: str, user: str, now: float, forget_before: float) -> None:
    conn.execute("DELETE FROM web_sessions WHERE started < ?", (forget_before,))
    conn.execute("INSERT INTO web_sessions (token_hash, user, started, active) VALUES (?, ?, ?, ?)",
                 (token_hash, user, now, now))


def login(conn: sqlite3.Connection, token_hash: str) -> WebSession | None:
    row = conn.execute("SELECT u.name, u.role, u.created_at, w.started, w.active, w.ended FROM web_sessions w"
                       " JOIN users u ON u.name = w.user WHERE w.token_hash = ?", (token_hash,)).fetchone()
    return WebSession(User(*row[:3]), *row[3:]) if row else None


def touch_login(conn: sqlite3.Connection, token_hash: str, now: float) -> None:
    conn.execute("UPDATE web_sessions SET active = ? WHERE token_hash = ? AND ended IS NULL", (now, token_hash))


def end_login(conn: sqlite3.Connection, token_hash: str, reason: str) -> str | None:
    """The user whose open login ended, or None when it was not open."""
    row = conn.execute("UPDATE web_sessions SET ended = ? WHERE token_hash = ? AND ended IS NULL RETURNING user",
                       (reason, token_hash)).fetchone()
    return row[0] if row else None


def end_logins(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("DELETE FROM web_sessions WHERE user = ?", (name,))


# ---- sharing ---------------------------------------------------------------------------------

def role(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def share(conn: sqlite3.Connection, meeting_id: str, leader: str, by: str | None, at: str) -> None:
    conn.execute("INSERT OR IGNORE INTO shares (meeting_id, leader, shared_by, shared_at) VALUES (?, ?, ?, ?)",
                 (meeting_id, leader, by, at))


def unshare(conn: sqlite3.Connection, meeting_id: str, leader: str) -> None:
    conn.execute("DELETE FROM shares WHERE meeting_id = ? AND leader = ?", (meeting_id, leader))


# ---- voice prints ----------------------------------------------------------------------------

def save_voiceprint(conn: sqlite3.Connection, sealer: Sealer, user: str, embedding: bytes, method: str,
                    at: str) -> None:
    conn.execute("INSERT OR REPLACE INTO voiceprints (user, embedding, method, created_at) VALUES (?, ?, ?, ?)",
                 (user, sealer.seal("voiceprints.embedding", user, embedding), method, at))


def voiceprints(conn: sqlite3.Connection, sealer: Sealer) -> dict[str, bytes]:
    rows = conn.execute("SELECT user, embedding FROM voiceprints").fetchall()
    return {user: sealer.open_bytes("voiceprints.embedding", user, sealed) for user, sealed in rows}


def delete_voiceprint(conn: sqlite3.Connection, user: str) -> bool:
    return conn.execute("DELETE FROM voiceprints WHERE user = ?", (user,)).rowcount > 0
