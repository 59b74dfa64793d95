"""The store's analysis of a meeting: recomputed with the transcript in one transaction, kept
with its settings, recomputed at once after a speaker correction, deleted on withdrawal."""

import json
import sqlite3
import wave
from pathlib import Path

import pytest

from feedback.analysis import analyse
from feedback.config import load_config
from feedback.analysis import analyser
from meetings import store as store_module
from meetings.db import migrations, upgrade
from meetings.corrections import anchor_of
from meetings.crypto import Unencrypted
from meetings.records import AudioInfo, Consent, Correction, Participant, Segment, Speaker, Word
from meetings.store import MeetingError, MeetingWithdrawn, Store
from tests.conftest import empty_database
from tests.raw_db import raw, stored_bytes

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL

DURATION_S = 90.0
MONOLOGUE_MESSAGE = "Kunne borgeren være blevet inddraget undervejs?"  # only in long_monologue flags
LEXICON_MESSAGE = "sagde «vred»"  # only in the konflikt flag's message


def consent() -> Consent:
    return Consent(given=True, method="verbal", recorded_at="2025-01-01T10:00:00+00:00")


def seg(speaker: str, start: float, end: float, text: str, level_db: float) -> Segment:
    """A segment with word times spread over it and a loudness per word around `level_db`."""
    texts = text.split()
    step = (end - start) / len(texts)
    words = [Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), f" {t}", 0.9,
                  loudness_db=round(level_db + (i % 3 - 1) * 0.75, 2))
             for i, t in enumerate(texts)]
    return Segment(start, end, text, words=words, speaker=speaker, avg_logprob=-0.2,
                   no_speech_prob=0.01, loudness_db=level_db)


MONOLOGUE = ("Velkommen til i dag. Jeg vil gerne starte med at gennemgå din plan, og så skal vi tale om "
             "hvilke krav der er til dig, hvad der sker hvis du ikke møder op, og hvordan vi kan hjælpe "
             "dig videre mod et job eller en uddannelse, der passer til dig og dine ønsker.")
STORY = ("Jeg har arbejdet på et lager i mange år, men så fik jeg ondt i ryggen, og siden har jeg "
         "prøvet at finde noget andet. Jeg har været i praktik i en butik, og det gik egentlig godt, "
         "men de havde ikke råd til at ansætte mig bagefter, så nu søger jeg igen.")


def transcript() -> list[Segment]:
    return [
        seg("S1", 0.0, 30.0, MONOLOGUE, -24.0),  # 30 s: a monologue under 20 s limits, not 60 s
        seg("S2", 31.0, 38.0, "Jeg er vred over det brev jeg fik.", -22.0),
        seg("S1", 39.0, 43.0, "Hvordan går det med jobsøgningen?", -25.0),
        seg("S2", 44.0, 80.0, STORY, -23.5),
        seg("S1", 81.0, 84.0, "Har du fået brevet?", -25.5),
    ]


def speakers(caseworker_role: str | None = None) -> list[Speaker]:
    return [Speaker("S1", "Taler 1", caseworker_role), Speaker("S2", "Borger", "borger")]


def write_wav(path: Path, seconds: float = DURATION_S) -> AudioInfo:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * int(16000 * seconds))
    return AudioInfo(path=str(path), sample_rate=16000, channels=1, duration_s=seconds, source_name="samtale.wav")


def new_meeting(store: Store, with_audio: bool = True) -> str:
    meeting = store.create_meeting("Opfølgning", [Participant("sagsbehandler", "Sagsbehandler", consent=consent()),
                                                  Participant("borger", "Borger", consent=consent())])
    if with_audio:
        store.attach_audio(meeting.id, write_wav)
    return meeting.id


@pytest.fixture
def store(medlyt_home):
    with Store(medlyt_home) as s:
        yield s


@pytest.fixture
def unencrypted_store(medlyt_home, monkeypatch):
    """For the withdrawal scans: without encryption the scan sees the words before the
    withdrawal, so it shows that deleting overwrites them (secure_delete), not only sealing."""
    with Store(medlyt_home, cipher=Unencrypted(), database=empty_database(monkeypatch), upgrade=True) as s:
        yield s


@pytest.fixture
def org_config(tmp_path):
    path = tmp_path / "organisation.toml"
    path.write_text("[thresholds]\nlong_monologue_s = 20\n", encoding="utf-8")
    return load_config(path)


def db_rows(home: Path, sql: str, *args) -> list[tuple]:
    db = raw(home)
    try:
        return [tuple(row) for row in db.execute(sql, args).fetchall()]
    finally:
        db.close()


def files_containing(home: Path, needle: str) -> list[Path | str]:
    """The files in the data directory, and the database wherever it is, that hold `needle`."""
    found = [p for p in home.rglob("*") if p.is_file() and needle.encode("utf-8") in p.read_bytes()]
    return found + (["database"] if needle.encode("utf-8") in stored_bytes(home) and not found else [])


def assert_same_analysis(stored, expected) -> None:
    assert stored.balance == expected.balance
    assert stored.metrics == expected.metrics
    assert stored.flags == expected.flags
    assert stored.config == expected.config
    assert stored.config_source == expected.config_source


# ---- saved with the transcript ----------------------------------------------------------------

def test_save_transcript_with_the_hook_stores_the_analysis(store):
    config = load_config()
    meeting_id = new_meeting(store)
    store.save_transcript(meeting_id, transcript(), "base", speakers("sagsbehandler"), analyse=analyser(config))

    stored = store.analysis(meeting_id)
    assert stored is not None and stored.computed_at.startswith("20")
    direct = analyse(store.segments(meeting_id), store.speakers(meeting_id), DURATION_S, config)
    assert_same_analysis(stored, direct)
    assert stored.config == config.values and stored.config_source == "standard"

    # Not vacuous: the meeting has talk on both sides and flags of several kinds.
    assert stored.metrics["duration_s"] == DURATION_S and stored.metrics["roles_known"] is True
    assert set(stored.metrics["speakers"]) == {"S1", "S2"}
    kinds = {f.kind for f in stored.flags}
    assert {"lexicon", "citizen_story"} <= kinds
    assert "long_monologue" not in kinds  # 30 s is under the default 60 s
    assert stored.balance == direct.balance and stored.balance
    assert [e.action for e in store.audit_entries(meeting_id)][-1] == "analysed"


def test_loudness_round_trips_through_the_store(store):
    meeting_id = new_meeting(store)
    segments = transcript()
    store.save_transcript(meeting_id, segments, "base", speakers(), analyse=analyser(load_config()))
    back = store.segments(meeting_id)
    assert back == sorted(segments, key=lambda s: s.start)
    assert [s.loudness_db for s in back] == [-24.0, -22.0, -25.0, -23.5, -25.5]
    assert back[0].words[0].loudness_db == -24.75 and back[0].words[1].loudness_db == -24.0
    assert all(w.loudness_db is not None for s in back for w in s.words)
    # The levels reach the analysis: each speaker's median loudness needs 20 measured words.
    s1_levels = sorted(w.loudness_db for s in back if s.speaker == "S1" for w in s.words)
    assert len(s1_levels) >= 20
    median = (s1_levels[len(s1_levels) // 2] + s1_levels[(len(s1_levels) - 1) // 2]) / 2
    assert store.analysis(meeting_id).metrics["speakers"]["S1"]["loudness_db"] == round(median, 1)


def test_save_without_a_hook_leaves_no_stale_analysis(store, medlyt_home):
    meeting_id = new_meeting(store)
    store.save_transcript(meeting_id, transcript(), "base", speakers("sagsbehandler"), analyse=analyser(load_config()))
    assert store.analysis(meeting_id) is not None
    assert db_rows(medlyt_home, "SELECT COUNT(*) FROM flags WHERE meeting_id = ?", meeting_id)[0][0] > 0

    store.save_transcript(meeting_id, transcript()[:2], "base", speakers("sagsbehandler"))
    assert store.analysis(meeting_id) is None
    assert db_rows(medlyt_home, "SELECT COUNT(*) FROM analyses WHERE meeting_id = ?", meeting_id) == [(0,)]
    assert db_rows(medlyt_home, "SELECT COUNT(*) FROM flags WHERE meeting_id = ?", meeting_id) == [(0,)]


def test_a_failing_hook_changes_nothing(store):
    meeting_id = new_meeting(store)
    store.save_transcript(meeting_id, transcript(), "base", speakers("sagsbehandler"), analyse=analyser(load_config()))
    before = store.analysis(meeting_id)

    def broken(*args):
        raise RuntimeError("analysen fejlede")

    with pytest.raises(RuntimeError):
        store.save_transcript(meeting_id, transcript()[:1], "base", speakers(), analyse=broken)
    assert len(store.segments(meeting_id)) == 5  # the transaction was rolled back whole
    assert store.analysis(meeting_id) == before


# ---- speaker corrections ----------------------------------------------------------------------

def test_a_correction_recomputes_at_once_with_the_recorded_settings(store, org_config):
    meeting_id = new_meeting(store)
    store.save_transcript(meeting_id, transcript(), "base", speakers(None), analyse=analyser(org_config))
    first = store.analysis(meeting_id)
    assert first.config_source == org_config.source and first.config["thresholds"]["long_monologue_s"] == 20
    assert "long_monologue" not in {f.kind for f in first.flags}  # nobody is the caseworker yet
    assert first.metrics["roles_known"] is False

    rename = Correction("rename", anchor=anchor_of(store.segments(meeting_id), "S1"),
                        label="Sagsbehandler", role="sagsbehandler")
    store.correct(meeting_id, rename, analyse=analyser())  # no settings given: keep the recorded ones

    assert store.speakers(meeting_id)[0] == Speaker("S1", "Sagsbehandler", "sagsbehandler")
    second = store.analysis(meeting_id)
    assert second.config_source == org_config.source
    assert second.config == org_config.values and second.config["thresholds"]["long_monologue_s"] == 20
    assert second.computed_at
    assert second.metrics["roles_known"] is True
    monologues = [f for f in second.flags if f.kind == "long_monologue"]
    assert len(monologues) == 1
    assert (monologues[0].speaker, monologues[0].start, monologues[0].end) == ("S1", 0.0, 30.0)
    assert monologues[0].evidence["threshold_s"] == 20 and "Sagsbehandler talte" in monologues[0].message
    direct = analyse(store.segments(meeting_id), store.speakers(meeting_id), DURATION_S, org_config)
    assert_same_analysis(second, direct)

    # A correction without the hook drops the analysis rather than leave it stale.
    store.correct(meeting_id, Correction("rename", anchor=anchor_of(store.segments(meeting_id), "S2"),
                                         label="Borgeren", role="borger"))
    assert store.analysis(meeting_id) is None


def test_reanalyse(store, org_config):
    unprocessed = new_meeting(store)
    with pytest.raises(MeetingError, match="ikke transskriberet"):
        store.reanalyse(unprocessed, analyser())
    assert store.analysis(unprocessed) is None
    no_audio = new_meeting(store, with_audio=False)
    with pytest.raises(MeetingError):
        store.reanalyse(no_audio, analyser())

    meeting_id = new_meeting(store)
    store.save_transcript(meeting_id, transcript(), "base", speakers("sagsbehandler"), analyse=analyser(org_config))
    assert "long_monologue" in {f.kind for f in store.analysis(meeting_id).flags}
    again = store.reanalyse(meeting_id, analyser())  # the recorded settings
    assert again.config_source == org_config.source and again == store.analysis(meeting_id)
    standard = store.reanalyse(meeting_id, analyser(load_config()))  # new settings, on purpose
    assert standard.config_source == "standard"
    assert "long_monologue" not in {f.kind for f in standard.flags}
    assert_same_analysis(store.analysis(meeting_id), standard)


# ---- withdrawal -------------------------------------------------------------------------------

def test_withdrawal_deletes_the_analysis_and_its_flags(unencrypted_store, medlyt_home, org_config):
    store = unencrypted_store
    kept = new_meeting(store)
    store.save_transcript(kept, transcript()[1:2], "base", speakers("sagsbehandler"), analyse=analyser(org_config))
    meeting_id = new_meeting(store)
    store.save_transcript(meeting_id, transcript(), "base", speakers(None), analyse=analyser(org_config))
    store.correct(meeting_id, Correction("rename", anchor=anchor_of(store.segments(meeting_id), "S1"),
                                         label="Sagsbehandler", role="sagsbehandler"), analyse=analyser())
    messages = [f.message for f in store.analysis(meeting_id).flags]
    assert any(MONOLOGUE_MESSAGE in m for m in messages) and any(LEXICON_MESSAGE in m for m in messages)
    assert files_containing(medlyt_home, MONOLOGUE_MESSAGE)  # the search can find it while it exists

    store.withdraw(meeting_id)

    with pytest.raises(MeetingWithdrawn):
        store.analysis(meeting_id)
    for table in ("analyses", "flags", "segments", "speakers", "corrections"):
        assert db_rows(medlyt_home, f"SELECT COUNT(*) FROM {table} WHERE meeting_id = ?", meeting_id) == [(0,)], table
    db_bytes = stored_bytes(medlyt_home)
    assert MONOLOGUE_MESSAGE.encode() not in db_bytes
    assert files_containing(medlyt_home, MONOLOGUE_MESSAGE) == []
    # The other meeting's analysis is untouched (its own konflikt flag stays).
    assert any(LEXICON_MESSAGE in f.message for f in store.analysis(kept).flags)
    assert db_rows(medlyt_home, "SELECT COUNT(*) FROM analyses") == [(1,)]
    store.close()
    assert files_containing(medlyt_home, MONOLOGUE_MESSAGE) == []


def test_withdrawal_leaves_no_flag_text_anywhere(unencrypted_store, medlyt_home, org_config):
    store = unencrypted_store
    meeting_id = new_meeting(store)
    store.save_transcript(meeting_id, transcript(), "base", speakers("sagsbehandler"), analyse=analyser(org_config))
    store.reanalyse(meeting_id, analyser())  # older versions of the rows were replaced too
    assert files_containing(medlyt_home, LEXICON_MESSAGE)
    store.withdraw(meeting_id)
    assert LEXICON_MESSAGE.encode() not in stored_bytes(medlyt_home)
    assert MONOLOGUE_MESSAGE.encode() not in stored_bytes(medlyt_home)
    assert files_containing(medlyt_home, LEXICON_MESSAGE) == []
    assert db_rows(medlyt_home, "SELECT COUNT(*) FROM flags") == [(0,)]
    assert db_rows(medlyt_home, "SELECT COUNT(*) FROM analyses") == [(0,)]


# ---- migration --------------------------------------------------------------------------------

@pytest.mark.sqlite_only("migrates an old SQLite file")
def test_version_2_database_migrates_with_segments_and_no_analysis(medlyt_home):
    db = sqlite3.connect(medlyt_home / store_module.DB_NAME)
    for script in migrations.MIGRATIONS[:2]:
        for statement in migrations.statements(script):
            db.execute(statement)
    db.execute("INSERT INTO meetings (id, title, created_at, status, audio_path, audio_sample_rate,"
               " audio_channels, audio_duration_s, model, processed_at) VALUES"
               " ('abc123abc123', 'Gammelt møde', '2025-01-01T10:00:00+00:00', 'processed',"
               " 'audio/abc123abc123.wav', 16000, 1, 90.0, 'base', '2025-01-01T11:00:00+00:00')")
    for position, role in enumerate(("sagsbehandler", "borger")):
        db.execute("INSERT INTO participants (meeting_id, position, role, label, speaks) VALUES (?, ?, ?, ?, 1)",
                   ("abc123abc123", position, role, role.capitalize()))
        db.execute("INSERT INTO consents (participant_id, given, method, scope, recorded_at)"
                   " VALUES (last_insert_rowid(), 1, 'verbal', 'optagelse', '2025-01-01T10:00:00+00:00')")
    old = [(0.0, 30.0, "S1", MONOLOGUE, -0.2, 0.01, [[0.0, 1.5, " Velkommen", 0.9]]),
           (31.0, 38.0, "S2", "Jeg er vred over det brev jeg fik.", -0.3, 0.02, [])]
    for start, end, speaker, text, logprob, no_speech, words in old:
        db.execute("INSERT INTO segments (meeting_id, start_s, end_s, speaker, text, avg_logprob, no_speech_prob,"
                   " words) VALUES ('abc123abc123', ?, ?, ?, ?, ?, ?, ?)",
                   (start, end, speaker, text, logprob, no_speech,
                    json.dumps([dict(zip(("start", "end", "text", "probability"), w)) for w in words])))
    db.executemany("INSERT INTO speakers (meeting_id, id, label, role) VALUES ('abc123abc123', ?, ?, ?)",
                   [("S1", "Sagsbehandler", "sagsbehandler"), ("S2", "Borger", "borger")])
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()

    with Store(medlyt_home) as store:
        segments = store.segments("abc123abc123")
        assert segments == [
            Segment(0.0, 30.0, MONOLOGUE, words=[Word(0.0, 1.5, " Velkommen", 0.9)], speaker="S1",
                    avg_logprob=-0.2, no_speech_prob=0.01),
            Segment(31.0, 38.0, "Jeg er vred over det brev jeg fik.", speaker="S2", avg_logprob=-0.3,
                    no_speech_prob=0.02),
        ]
        assert segments[0].loudness_db is None and segments[0].words[0].loudness_db is None
        assert store.analysis("abc123abc123") is None
        assert store.get_meeting("abc123abc123").status == "processed"
        # An old meeting can be analysed after the upgrade, without re-transcription.
        result = store.reanalyse("abc123abc123", analyser())
        assert result.config_source == "standard" and result.metrics["roles_known"] is True
        assert store.analysis("abc123abc123") == result
    assert db_rows(medlyt_home, "PRAGMA user_version") == [(upgrade.SCHEMA_VERSION,)]
    assert migrations.SCHEMA_VERSION >= 3  # the analysis tables and everything after them


def test_a_list_of_meetings_reads_the_same_as_one_at_a_time_and_glances_at_each(store):
    """The Møder page reads every meeting and its headline in a few queries; what it gets must
    be what the one-meeting reads give."""
    from medlyt import tasks

    processed, waiting, bare = new_meeting(store), new_meeting(store), new_meeting(store, with_audio=False)
    store.save_transcript(processed, transcript(), "base", speakers("sagsbehandler"), analyse=analyser())
    store.add_user("lene", "leder", "Grøn kaffe ved fjorden 7")
    store.share(processed, "lene")
    store.add_bookmark(waiting, 12.5, "olga", "Her")
    job = tasks.queue_processing(store, waiting, "base")
    listed = store.list_meetings()
    assert [m.id for m in listed] == [bare, waiting, processed]
    assert listed == [store.get_meeting(m.id) for m in listed]
    glances = store.glances([bare, waiting, processed])
    analysis = store.analysis(processed)
    seen = glances[processed]
    assert (seen.has_analysis, seen.flags, seen.job) == (True, len(analysis.flags), None) and seen.flags > 0
    assert seen.roles_known == bool(analysis.metrics.get("roles_known"))
    assert seen.shares == {"sagsbehandler": analysis.balance["S1"]["share"], "borger": analysis.balance["S2"]["share"]}
    assert glances[waiting].job == store.job(job.id) and not glances[waiting].has_analysis
    assert glances[bare] == type(seen)()  # nothing yet
