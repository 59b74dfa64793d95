"""The meeting most tests start from: a caseworker and a citizen, both with their consent given."""

from meetings.records import Consent, Meeting, Participant, now_iso
from meetings.store import Store


def consented_meeting(store: Store, title: str = "Samtale", *, caseworker: str | None = None,
                      recorded_by: str | None = None, channels: tuple[int | None, int | None] = (None, None),
                      consent: bool = True) -> Meeting:
    """`caseworker` links her user; `channels` gives each a microphone of their own;
    consent=False: neither has been asked yet."""
    given = Consent(True, "verbal", now_iso()) if consent else None
    return store.create_meeting(title, [
        Participant("sagsbehandler", "Sagsbehandler", consent=given, user=caseworker, channel=channels[0]),
        Participant("borger", "Borger", consent=given, channel=channels[1])], recorded_by=recorded_by)
