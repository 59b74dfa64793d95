"""How long a meeting is kept. Recordings are made for training, on consent, so they are kept
only as long as the organisation has decided (30 days unless it decides otherwise); a leader may
keep one meeting longer, with a reason. Pure date arithmetic; the store applies it."""

from datetime import date, datetime, timedelta

from meetings.errors import MeetingError

DEFAULT_DAYS = 30
MAX_DAYS = 365  # neither the organisation's period nor an extension reaches further than a year


def today() -> date:
    return datetime.now().astimezone().date()


def deletion_date(start: date, days: int) -> str:
    """The first day the meeting is due for deletion, as YYYY-MM-DD."""
    return (start + timedelta(days=days)).isoformat()


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise MeetingError(f"Opbevaringstiden skal være mellem 1 og {MAX_DAYS} dage, ikke {days}.")
    return days


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MeetingError(f"'{text}' er ikke en dato; skriv den som ÅÅÅÅ-MM-DD.") from None


def check_extension(current: str, until: date, reason: str, on: date) -> str:
    """The new deletion date, if an extension to `until` is allowed: later than the current
    one, at most MAX_DAYS from `on`, and with a reason."""
    if not reason.strip():
        raise MeetingError("En forlængelse skal have en begrundelse.")
    if until.isoformat() <= current:
        raise MeetingError(f"Mødet slettes allerede {current}; en forlængelse skal gå ud over den dato.")
    if until > on + timedelta(days=MAX_DAYS):
        raise MeetingError(f"Et møde kan højst gemmes {MAX_DAYS} dage frem (til {(on + timedelta(days=MAX_DAYS)).isoformat()}).")
    return until.isoformat()
