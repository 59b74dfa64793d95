"""Dashboard logins (meetings.web_sessions decides when one has run out): the store's methods for
them, part of meetings.store.Store.
"""
from meetings import audit, web_sessions
from meetings.records import WebSession, now_iso
from meetings.repo import users as user_rows


class LoginsMixin:
    """A login's token (only its hash kept), opened, looked up, kept alive and ended."""

    def open_web_session(self, user: str, now: float, max_age_s: float) -> str:
        """A new login for `user`; the token for the browser (only its hash is kept). Logins
        older than `max_age_s` are forgotten on the way: they can only be over."""
        token = web_sessions.new_token()
        with self._transaction(write=True) as conn:
            user_rows.open_login(conn, web_sessions.token_hash(token), user, now, now - max_age_s)
        return token

    def web_session(self, token: str) -> WebSession | None:
        """The login a token stands for, with its user as the store knows them now; None when
        there is none (never was, or its user has been removed or given a new password)."""
        with self._transaction() as conn:
            return user_rows.login(conn, web_sessions.token_hash(token))

    def touch_web_session(self, token: str, now: float) -> None:
        with self._transaction(write=True) as conn:
            user_rows.touch_login(conn, web_sessions.token_hash(token), now)

    def end_web_session(self, token: str, reason: str) -> None:
        """A login is over (logged out, idle, too old): kept as ended, so the page can say why."""
        with self._transaction(write=True) as conn:
            user = user_rows.end_login(conn, web_sessions.token_hash(token), reason)
            if user is not None:
                self._audit(conn, now_iso(), audit.LOGOUT, None, f"reason={reason}", user)
