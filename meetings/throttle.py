"""How long a login must wait after failed attempts: a pure rule over the failures' times, so
the store can apply it to what the audit log already holds, across every dashboard process.

Per name: the first FREE_PER_NAME failures cost nothing (people mistype), then each further one
doubles the wait, from 2 s up to MAX_WAIT_S. Per client (a browser's address) the same, with a
larger allowance, against one client trying many names. Only failures within WINDOW_S count,
and for a name only those since its last successful login.
"""

WINDOW_S = 15 * 60
FREE_PER_NAME = 5
FREE_PER_CLIENT = 20
MAX_WAIT_S = 15 * 60


def wait_s(failures: list[float], now: float, free: int) -> float:
    """Seconds still to wait, given the times (epoch seconds) of the counted failures."""
    recent = sorted(t for t in failures if now - t <= WINDOW_S)
    over = len(recent) - free
    if over <= 0:
        return 0.0
    return max(0.0, recent[-1] + min(2.0 ** over, MAX_WAIT_S) - now)
