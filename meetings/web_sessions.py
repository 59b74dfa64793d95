"""When a dashboard login has run out: the one rule, used by every page run, every callback and
the server's own routes (sound, login), so none of them keeps a login alive longer than another."""

import hashlib
import secrets

IDLE = "idle"
LIFETIME = "lifetime"
LOGGED_OUT = "logout"
GONE = "gone"  # the token names no login any more: its user was removed or given a new password


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ended(started: float, active: float, now: float, idle_s: float, lifetime_s: float) -> str | None:
    """Why a login that began at `started` and was last used at `active` is over, or None."""
    if now - started > lifetime_s:
        return LIFETIME
    if now - active > idle_s:
        return IDLE
    return None
