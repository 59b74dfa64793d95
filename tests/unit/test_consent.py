"""The consent gate and withdrawal: no consent, nothing kept; withdrawal really deletes."""

import pytest

from meetings.consent import require_consent
from meetings.records import Consent, Meeting, Participant, Segment, Word
from meetings.store import ConsentError, MeetingError, MeetingWithdrawn, Store
from tests.audio_files import pcm_writer

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL

SECRET_WORD = "Zyxbrandt"
SECRET_TITLE = "Samtale om Qwortelund"
YES = Consent(given=True, method="written", recorded_at="2025-01-01T10:00:00+00:00")
NO = Consent(given=False, method="verbal", recorded_at="2025-01-01T10:00:00+00:00")


def meeting_with(*participants: Participant) -> Meeting:
    return Meeting(id="abc", title="Møde", created_at="2025-01-01T10:00:00+00:00",
                   participants=list(participants))


write_recording = pcm_writer(0.1, b"\x00\x01")


@pytest.fixture
def store(medlyt_home):
    with Store(medlyt_home) as s:
        yield s


# ---- the pure gate --------------------------------------------------------------------------

def test_gate_passes_when_every_speaker_consented():
    require_consent(meeting_with(Participant("sagsbehandler", "Sagsbehandler", consent=YES),
                                 Participant("borger", "Borger", consent=YES)))


@pytest.mark.parametrize("borger_consent", [None, NO])
def test_gate_names_who_is_missing_and_the_command(borger_consent):
    meeting = meeting_with(Participant("sagsbehandler", "Sagsbehandler", consent=YES),
                           Participant("borger", "Borger", consent=borger_consent))
    with pytest.raises(ConsentError) as caught:
        require_consent(meeting)
    message = str(caught.value)
    assert "Borger" in message and "Sagsbehandler" not in message
    assert "medlyt consent abc --participant borger --given --method verbal" in message
    assert "\n" not in message


def test_silent_observer_does_not_block():
    require_consent(meeting_with(Participant("borger", "Borger", consent=YES),
                                 Participant("observatør", "Observatør", speaks=False)))


# ---- the gate in the store ------------------------------------------------------------------

def test_store_refuses_audio_and_transcript_without_consent(store, medlyt_home):
    meeting = store.create_meeting("Møde", [
        Participant("sagsbehandler", "Sagsbehandler", consent=YES),
        Participant("borger", "Borger"),
    ])
    called = []
    with pytest.raises(ConsentError, match="--participant borger"):
        store.attach_audio(meeting.id, lambda tmp: called.append(tmp) or write_recording(tmp))
    assert called == []  # not even a temporary file was written
    assert list((medlyt_home / "audio").iterdir()) == []
    with pytest.raises(ConsentError):
        store.save_transcript(meeting.id, [Segment(0.0, 1.0, "hej")], model="base")
    assert store.segments(meeting.id) == []

    unlocked = store.record_consent(meeting.id, "borger", given=True, method="verbal")
    assert unlocked.participants[1].has_consented
    assert unlocked.participants[1].consent.method == "verbal"
    store.attach_audio(meeting.id, write_recording)
    store.save_transcript(meeting.id, [Segment(0.0, 1.0, "hej")], model="base")
    assert store.get_meeting(meeting.id).status == "processed"


def test_record_consent_unknown_role_or_method(store):
    meeting = store.create_meeting("Møde", [Participant("borger", "Borger")])
    with pytest.raises(MeetingError, match="ingen deltager med rollen 'sagsbehandler'"):
        store.record_consent(meeting.id, "sagsbehandler", given=True, method="verbal")
    with pytest.raises(MeetingError, match="samtykkemetode"):
        store.record_consent(meeting.id, "borger", given=True, method="nik")
    assert store.get_meeting(meeting.id).participants[0].consent is None


def test_withdrawing_consent_deletes_everything(store, medlyt_home):
    meeting = store.create_meeting(SECRET_TITLE, [
        Participant("sagsbehandler", "Sagsbehandler", consent=YES),
        Participant("borger", "Borger", consent=YES),
    ])
    store.attach_audio(meeting.id, write_recording)
    store.save_transcript(
        meeting.id, [Segment(0.0, 2.0, f"Mit navn er {SECRET_WORD}.", words=[Word(0.5, 1.0, SECRET_WORD, 0.9)])],
        model="base",
    )

    assert store.record_consent(meeting.id, "borger", given=False, method="verbal") is None

    with pytest.raises(MeetingWithdrawn, match=f"Mødet '{meeting.id}' er slettet \\(samtykke trukket tilbage"):
        store.get_meeting(meeting.id)
    with pytest.raises(MeetingWithdrawn):
        store.record_consent(meeting.id, "borger", given=True, method="verbal")
    tombstone = store.audit_entries(meeting.id)[-1]
    assert (tombstone.action, tombstone.detail) == ("withdrawn", "consent_withdrawn:borger")
    assert list((medlyt_home / "audio").iterdir()) == []
    for path in medlyt_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET_WORD.encode() not in data, path
            assert b"Qwortelund" not in data, path
