"""Reading the store for the dashboard.

Not cached: the CLI may create a meeting or correct its speakers at any moment, and reading one
meeting from SQLite takes milliseconds.
"""

from pathlib import Path

from meetings.store import Store


def load_meetings(home: str):
    with Store(Path(home)) as store:
        return store.list_meetings()


def load_transcript(home: str, meeting_id: str):
    """The segments and each speaker id's label."""
    with Store(Path(home)) as store:
        return store.segments(meeting_id), {s.id: s.label for s in store.speakers(meeting_id)}
