"""Dashboard users, their passwords, and sharing a meeting with a leader: the store's methods for
them, part of meetings.store.Store.
"""
from datetime import datetime, timedelta, timezone

from meetings import audit, passwords, throttle
from meetings.errors import LoginThrottled, MeetingError
from meetings.records import USER_ROLES, Meeting, User, now_iso
from meetings.repo import users as user_rows


class UsersMixin:
    """Users and roles, checking a password (throttled after failures), and shares."""

    def add_user(self, name: str, role: str, password: str, by: str | None = None) -> User:
        name = name.strip()
        if not name or any(c.isspace() for c in name):
            raise MeetingError("Et brugernavn skal være ét ord uden mellemrum.")
        if ":" in name:  # "cli:root" and the like name the command line's own actor in the audit log
            raise MeetingError("Et brugernavn må ikke indeholde kolon (:); det er forbeholdt medlyts egne aktører.")
        _check_user_role(role)
        _check_password(password, name)
        hashed = passwords.hash_password(password)  # slow on purpose: outside the transaction
        with self._transaction(write=True) as conn:
            if user_rows.exists(conn, name):
                raise MeetingError(f"Brugeren '{name}' findes allerede.")
            now = now_iso()
            user_rows.insert(conn, name, role, hashed, now)
            self._audit(conn, now, audit.USER_ADDED, None, f"user={name} role={role}", by)
        return User(name, role, now)

    def remove_user(self, name: str, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            if not user_rows.delete(conn, name):
                raise MeetingError(f"Der er ingen bruger '{name}'.")
            self._audit(conn, now_iso(), audit.USER_REMOVED, None, f"user={name}", by)

    def set_password(self, name: str, password: str, by: str | None = None) -> None:
        _check_password(password, name)
        hashed = passwords.hash_password(password)
        with self._transaction(write=True) as conn:
            if not user_rows.set_password_hash(conn, name, hashed):
                raise MeetingError(f"Der er ingen bruger '{name}'.")
            # A new password is often a reaction to a leaked one: every open login ends with it.
            user_rows.end_logins(conn, name)
            self._audit(conn, now_iso(), audit.PASSWORD_CHANGED, None, f"user={name}", by)

    def users(self) -> list[User]:
        with self._transaction() as conn:
            return user_rows.all_users(conn)

    def user(self, name: str) -> User | None:
        with self._transaction() as conn:
            return user_rows.get(conn, name)

    def authenticate(self, name: str, password: str, client: str | None = None) -> User | None:
        """The user, if the password is theirs; every attempt is in the audit log, a failed one
        with the name tried and the client. After repeated failures for the name or from the
        client, LoginThrottled says how long to wait, and the password is not even tried."""
        now = datetime.now(timezone.utc)
        wait = self._login_wait(name, client, now)
        if wait > 0:
            with self._transaction(write=True) as conn:
                self._audit(conn, now_iso(), audit.LOGIN_FAILED, None, _login_detail(name, client, throttled=True))
            raise LoginThrottled(wait)
        with self._transaction() as conn:
            found = user_rows.with_password_hash(conn, name)
        ok = passwords.verify(found[1] if found else None, password)
        with self._transaction(write=True) as conn:
            if ok:
                self._audit(conn, now_iso(), audit.LOGIN, None, "" if client is None else f"client={client}", name)
            else:
                self._audit(conn, now_iso(), audit.LOGIN_FAILED, None, _login_detail(name, client))
        return found[0] if ok else None

    def _login_wait(self, name: str, client: str | None, now: datetime) -> float:
        since = (now - timedelta(seconds=throttle.WINDOW_S)).isoformat(timespec="seconds")
        with self._transaction() as conn:
            rows = user_rows.recent_logins(conn, since)
        by_name: list[float] = []
        by_client: list[float] = []
        for at, action, detail, user in rows:
            t = datetime.fromisoformat(at).timestamp()
            if action == audit.LOGIN:
                if user == name:
                    by_name.clear()  # a success starts the name's count afresh
                continue
            fields = dict(part.split("=", 1) for part in detail.split("\t") if "=" in part)
            if fields.get("throttled"):
                continue  # refused unheard: counting them would let an attacker lock a user out for good
            if fields.get("tried") == name:
                by_name.append(t)
            if client is not None and fields.get("client") == client:
                by_client.append(t)
        return max(throttle.wait_s(by_name, now.timestamp(), throttle.FREE_PER_NAME),
                   throttle.wait_s(by_client, now.timestamp(), throttle.FREE_PER_CLIENT))

    def share(self, meeting_id: str, leader: str, by: str | None = None) -> Meeting:
        """Let a leader see the meeting: a deliberate act, written to the audit log."""
        with self._transaction(write=True) as conn:
            self._require(conn, meeting_id)
            if user_rows.role(conn, leader) != "leder":
                raise MeetingError(f"'{leader}' er ikke en bruger med rollen leder.")
            now = now_iso()
            user_rows.share(conn, meeting_id, leader, by, now)
            self._audit(conn, now, audit.SHARED, meeting_id, f"leader={leader}", by)
            return self._load(conn, meeting_id)

    def unshare(self, meeting_id: str, leader: str, by: str | None = None) -> Meeting:
        with self._transaction(write=True) as conn:
            self._require(conn, meeting_id)
            user_rows.unshare(conn, meeting_id, leader)
            self._audit(conn, now_iso(), audit.UNSHARED, meeting_id, f"leader={leader}", by)
            return self._load(conn, meeting_id)


def _check_user_role(role: str) -> None:
    if role not in USER_ROLES:
        raise MeetingError(f"Ukendt brugerrolle '{role}'. Gyldige roller: {', '.join(USER_ROLES)}.")


def _login_detail(name: str, client: str | None, throttled: bool = False) -> str:
    """A failed login's detail: the name tried and the client, tab-separated (a name may hold spaces)."""
    parts = [f"tried={name.replace(chr(9), ' ')}"]
    if client is not None:
        parts.append(f"client={client}")
    if throttled:
        parts.append("throttled=1")
    return "\t".join(parts)


def _check_password(password: str, name: str) -> None:
    if (why := passwords.weakness(password, name)) is not None:
        raise MeetingError(why)
