"""The audit log is append-only and a hash chain: on the real SQLite store, through the CLI too."""

import io
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from medlyt.cli import EXIT_AUDIT_BROKEN, EXIT_BAD_INPUT, main
from meetings import audit, audit_head, keys
from meetings import store as store_module
from meetings.db import migrations
from meetings.db.engine import database_url, make_engine
from meetings.audit import GENESIS, TRIGGERS, AuditEntry, entry_hash
from meetings.records import Consent, Participant, now_iso
from meetings.store import DB_NAME, MIGRATIONS, SCHEMA_VERSION, Store
from tests.raw_db import REFUSED, raw

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL

PASSWORD = "en-lang-adgangskode"
TITLE = "Samtale med Qwortelund"  # content: must never reach the log


def participants() -> list[Participant]:
    consent = Consent(True, "verbal", now_iso())
    return [Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger", consent=consent)]


def realistic_log(home: Path) -> str:
    """A meeting created with consent, viewed, shared, exported and withdrawn; its id."""
    with Store(home) as store:
        store.add_user("lis", "leder", PASSWORD, by="cli:admin")
        meeting = store.create_meeting(TITLE, participants(), by="cli:observer")
        store.log(audit.VIEWED, meeting.id, "anne", "page=overblik")
        store.share(meeting.id, "lis", by="anne")
        store.log(audit.EXPORTED, meeting.id, "lis", "format=html")
        store.withdraw(meeting.id, by="cli:admin")
    return meeting.id


def tamper(home: Path, *statements: str, params: tuple = ()) -> None:
    """What someone with write access to the database can do: drop the protection, then edit."""
    conn = raw(home)
    try:
        conn.drop_triggers()
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())
    finally:
        conn.close()


def audit_key(home: Path) -> bytes:
    with Store(home) as store:
        return store.cipher.derive(store_module.AUDIT_KEY_PURPOSE)


def chain_problems(home: Path) -> set[tuple[int, str]]:
    """The problems that concern an entry, as (entry id, kind); the dropped triggers are checked apart."""
    with Store(home) as store:
        problems = store.verify_audit()
    unprotected = [p for p in problems if p.entry_id is None]
    assert {p.kind for p in unprotected} <= {"unprotected"}
    return {(p.entry_id, p.kind) for p in problems if p.entry_id is not None}


# ---- an intact chain -----------------------------------------------------------------------------


def test_a_realistic_sequence_makes_an_intact_dense_chain(medlyt_home):
    meeting_id = realistic_log(medlyt_home)
    key = audit_key(medlyt_home)
    with Store(medlyt_home) as store:
        records = store.audit_records()
        assert store.verify_audit() == []
        entries = store.audit_entries(meeting_id)
    assert [r.id for r in records] == list(range(1, len(records) + 1))
    assert records[0].prev_hash == GENESIS
    for before, record in zip([None, *records], records):
        assert record.prev_hash == (before.hash if before else GENESIS)
        assert record.hash == entry_hash(record.id, record.at, record.action, record.meeting_id, record.detail,
                                         record.user, record.prev_hash, key)
    # The old interface still answers with plain entries, the tombstone last and nothing of the content.
    assert [e.action for e in entries] == [audit.MEETING_CREATED, audit.CONSENT_GIVEN, audit.CONSENT_GIVEN,
                                           audit.VIEWED, audit.SHARED, audit.EXPORTED, audit.WITHDRAWN]
    assert entries[-1] == AuditEntry(entries[-1].at, audit.WITHDRAWN, meeting_id, "withdrawn", "cli:admin")
    assert entries[0].user == "cli:observer" and entries[4].user == "anne"
    assert "Qwortelund" not in repr(records)


def test_the_hash_is_sha256_of_a_canonical_json_list():
    import hashlib

    expected = hashlib.sha256('[7,"2025-01-01T10:00:00+00:00","viewed","abc","page=ø",null,"'.encode()
                              + GENESIS.encode() + b'"]').hexdigest()
    assert entry_hash(7, "2025-01-01T10:00:00+00:00", "viewed", "abc", "page=ø", None, GENESIS) == expected


def test_a_keyed_hash_is_hmac_sha256_of_the_same_list():
    import hashlib
    import hmac

    canonical = '[7,"2025-01-01T10:00:00+00:00","viewed","abc","page=ø",null,"'.encode() + GENESIS.encode() + b'"]'
    key = bytes(range(32))
    assert (entry_hash(7, "2025-01-01T10:00:00+00:00", "viewed", "abc", "page=ø", None, GENESIS, key)
            == hmac.new(key, canonical, hashlib.sha256).hexdigest())


def test_the_audit_key_is_derived_from_the_encryption_key_and_differs_from_it(medlyt_home):
    Store(medlyt_home).close()
    key = audit_key(medlyt_home)
    assert len(key) == 32 and key == audit_key(medlyt_home)
    with Store(medlyt_home) as store:
        assert key != store.cipher._key


def test_writing_outside_a_transaction_is_refused(medlyt_home):
    Store(medlyt_home).close()
    engine = make_engine(database_url(medlyt_home, os.environ.get("MEDLYT_DATABASE_URL")))
    with engine.connect() as conn, pytest.raises(RuntimeError, match="transaction"):
        audit.write(conn, bytes(32), now_iso(), audit.VIEWED, None, "")
    engine.dispose()
    assert raw(medlyt_home).execute("SELECT count(*) FROM audit").fetchone()[0] == 0


# ---- the triggers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE audit SET detail = 'participants=9' WHERE id = 2",
    "UPDATE audit SET hash = 'f00' WHERE id = 2",
    "UPDATE audit SET id = 100 WHERE id = 3",
    "DELETE FROM audit WHERE id = 2",
    "DELETE FROM audit",
    # Not at the end of the chain, or without a link: an insert has to extend the chain.
    "INSERT INTO audit (at, action, meeting_id, detail) VALUES ('2025-01-01', 'viewed', NULL, '')",
    f"INSERT INTO audit (id, at, action, detail, prev_hash, hash) VALUES (100, 'x', 'viewed', '', '{GENESIS}', 'f')",
])
def test_changing_or_deleting_entries_is_refused_by_the_database(medlyt_home, statement):
    realistic_log(medlyt_home)
    with Store(medlyt_home) as store:
        before = store.audit_records()
    conn = raw(medlyt_home)
    with pytest.raises(REFUSED, match="append-only"):
        conn.execute(statement)
    conn.close()
    with Store(medlyt_home) as store:
        assert store.audit_records() == before
        assert store.verify_audit() == []


# ---- tampering with the protection removed --------------------------------------------------------


def test_a_changed_detail_is_found_at_its_entry(medlyt_home):
    realistic_log(medlyt_home)
    tamper(medlyt_home, "UPDATE audit SET detail = 'leader=bo' WHERE id = 6")
    assert chain_problems(medlyt_home) == {(6, "changed")}


def test_a_changed_entry_with_a_hash_recomputed_without_the_key_is_found(medlyt_home):
    realistic_log(medlyt_home)
    with Store(medlyt_home) as store:
        six = store.audit_records()[5]
    forged = entry_hash(6, six.at, six.action, six.meeting_id, "leader=bo", six.user, six.prev_hash)
    tamper(medlyt_home, "UPDATE audit SET detail = 'leader=bo', hash = ? WHERE id = 6", params=(forged,))
    assert chain_problems(medlyt_home) == {(6, "changed"), (7, "broken_link")}


def test_even_with_the_key_a_changed_entry_breaks_the_next_link(medlyt_home):
    realistic_log(medlyt_home)
    with Store(medlyt_home) as store:
        six = store.audit_records()[5]
    forged = entry_hash(6, six.at, six.action, six.meeting_id, "leader=bo", six.user, six.prev_hash,
                        audit_key(medlyt_home))
    tamper(medlyt_home, "UPDATE audit SET detail = 'leader=bo', hash = ? WHERE id = 6", params=(forged,))
    assert chain_problems(medlyt_home) == {(7, "broken_link")}


def test_recomputing_the_whole_rest_of_the_chain_without_the_key_is_found(medlyt_home):
    # What an unkeyed chain could not show: a change with every later hash recomputed to fit.
    realistic_log(medlyt_home)
    with Store(medlyt_home) as store:
        records = store.audit_records()
    conn = raw(medlyt_home)
    conn.drop_triggers()
    prev = records[4].hash
    for r in records[5:]:
        detail = "leader=bo" if r.id == 6 else r.detail
        forged = entry_hash(r.id, r.at, r.action, r.meeting_id, detail, r.user, prev)
        conn.execute("UPDATE audit SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?", (detail, prev, forged, r.id))
        prev = forged
    conn.close()
    # The head beside the key knows the last entry's real hash, so the rewrite shows there too.
    assert chain_problems(medlyt_home) == {(r.id, "changed") for r in records[5:]} | {(records[-1].id, "rolled_back")}


@pytest.mark.parametrize("change", ["DELETE FROM settings WHERE key = 'audit_keyed_from'",
                                    "UPDATE settings SET value = '99' WHERE key = 'audit_keyed_from'"])
def test_a_removed_or_changed_start_of_the_keyed_chain_is_reported(medlyt_home, change):
    realistic_log(medlyt_home)
    tamper(medlyt_home, change)
    with Store(medlyt_home) as store:
        problems = [p for p in store.verify_audit() if p.entry_id is None and "kæde" in p.message]
    assert [str(p) for p in problems] == [
        "Loggen: oplysningen om, hvor den nøglebaserede kæde begynder, mangler eller er ændret."]
    assert chain_problems(medlyt_home) == set()  # the entries themselves, all keyed, are intact


def test_a_deleted_entry_is_found_by_its_id(medlyt_home):
    realistic_log(medlyt_home)
    tamper(medlyt_home, "DELETE FROM audit WHERE id = 4")
    with Store(medlyt_home) as store:
        problems = [p for p in store.verify_audit() if p.entry_id is not None]
    assert [(p.entry_id, p.kind) for p in problems] == [(4, "removed")]
    assert str(problems[0]) == "Post 4: mangler: slettet fra loggen (opdaget ved post 5)."


def test_deleted_first_entries_are_found(medlyt_home):
    realistic_log(medlyt_home)
    tamper(medlyt_home, "DELETE FROM audit WHERE id <= 3")
    assert chain_problems(medlyt_home) == {(1, "removed")}


def test_a_swapped_pair_is_found(medlyt_home):
    realistic_log(medlyt_home)
    # Swap entries 5 and 6, each keeping its own hashes, as a reordering by id would.
    tamper(medlyt_home, "UPDATE audit SET id = -5 WHERE id = 5", "UPDATE audit SET id = 5 WHERE id = 6",
           "UPDATE audit SET id = 6 WHERE id = -5")
    with Store(medlyt_home) as store:
        problems = [p for p in store.verify_audit() if p.entry_id is not None]
    found = {(p.entry_id, p.kind) for p in problems}
    assert {(5, "changed"), (5, "reordered"), (6, "changed"), (6, "reordered")} <= found
    assert {entry_id for entry_id, _kind in found} <= {5, 6, 7}
    messages = {p.entry_id: str(p) for p in problems if p.kind == "reordered"}
    assert messages[5] == "Post 5: står forkert i rækkefølgen: den blev skrevet lige efter post 6, men står efter post 4."
    assert messages[6] == "Post 6: står forkert i rækkefølgen: den blev skrevet lige efter post 4, men står efter post 5."


def test_an_entry_inserted_in_place_of_another_is_found(medlyt_home):
    realistic_log(medlyt_home)
    with Store(medlyt_home) as store:
        four = store.audit_records()[3]
    # A forged entry 5 that links correctly to entry 4 and has a valid hash of its own.
    forged = entry_hash(5, four.at, audit.VIEWED, None, "page=moeder", "mallory", four.hash)
    tamper(medlyt_home, "DELETE FROM audit WHERE id = 5",
           "INSERT INTO audit (id, at, action, meeting_id, detail, \"user\", prev_hash, hash)"
           " VALUES (5, ?, 'viewed', NULL, 'page=moeder', 'mallory', ?, ?)",
           params=(four.at, four.hash, forged))
    assert chain_problems(medlyt_home) == {(5, "changed"), (6, "broken_link")}


def test_dropped_triggers_are_reported(medlyt_home):
    realistic_log(medlyt_home)
    tamper(medlyt_home)
    with Store(medlyt_home) as store:
        problems = store.verify_audit()
    assert [(p.entry_id, p.kind) for p in problems] == [(None, "unprotected")] * len(TRIGGERS)
    assert all(name in str(p) for name, p in zip(TRIGGERS, problems))


# ---- an older database -----------------------------------------------------------------------------


@pytest.mark.sqlite_only("migrates an old SQLite file")
def test_a_schema_7_database_is_migrated_and_its_entries_chained(medlyt_home):
    conn = sqlite3.connect(medlyt_home / DB_NAME, isolation_level=None)
    for script in MIGRATIONS[:migrations.AUDIT_CHAIN_VERSION - 1]:
        for statement in migrations.statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {migrations.AUDIT_CHAIN_VERSION - 1}")
    old = [("2025-01-01T10:00:00+00:00", "meeting_created", "abc123", "participants=2", None),
           ("2025-01-01T10:01:00+00:00", "viewed", "abc123", "page=overblik", "anne"),
           ("2025-01-01T10:02:00+00:00", "login_failed", None, "", None)]
    conn.executemany("INSERT INTO audit (at, action, meeting_id, detail, user) VALUES (?, ?, ?, ?, ?)", old)
    conn.close()

    with Store(medlyt_home) as store:
        assert store.verify_audit() == []
        assert [(e.at, e.action, e.meeting_id, e.detail, e.user) for e in store.audit_entries()] == old
        store.log(audit.VIEWED, "abc123", "lis", "page=overblik")  # new entries extend the chain
        records = store.audit_records()
        assert store.verify_audit() == []
    assert [r.id for r in records] == [1, 2, 3, 4]
    assert records[0].prev_hash == GENESIS and records[3].prev_hash == records[2].hash
    # The entries from before keep plain hashes; the chain is keyed from the first new one.
    key = audit_key(medlyt_home)
    assert [r.hash == entry_hash(r.id, r.at, r.action, r.meeting_id, r.detail, r.user, r.prev_hash, key)
            for r in records] == [False, False, False, True]
    assert all(r.hash == entry_hash(r.id, r.at, r.action, r.meeting_id, r.detail, r.user, r.prev_hash)
               for r in records[:3])
    conn = sqlite3.connect(medlyt_home / DB_NAME, isolation_level=None)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET detail = 'participants=9' WHERE id = 1")  # chained now, so protected
    conn.close()


# ---- the command line ------------------------------------------------------------------------------


def test_cli_verify_says_intact_and_exits_0(medlyt_home, capsys):
    realistic_log(medlyt_home)
    with Store(medlyt_home) as store:
        count = len(store.audit_records())
    assert main(["audit", "--verify"]) == 0
    assert capsys.readouterr().out == f"Revisionsloggen er intakt: {count} poster.\n"
    with Store(medlyt_home) as store:
        last = store.audit_entries()[-1]
        assert store.verify_audit() == []
    assert (last.action, last.detail) == (audit.AUDIT_VERIFIED, f"entries={count} problems=0")
    assert last.user.startswith("cli")


def test_cli_verify_prints_one_line_per_problem_and_exits_4(medlyt_home, capsys):
    realistic_log(medlyt_home)
    tamper(medlyt_home, "UPDATE audit SET detail = 'leader=bo' WHERE id = 6", "DELETE FROM audit WHERE id = 3")
    assert main(["audit", "--verify"]) == EXIT_AUDIT_BROKEN
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    with Store(medlyt_home) as store:
        problems = store.verify_audit()
    assert lines == [str(p) for p in problems]
    assert "Post 3: mangler: slettet fra loggen (opdaget ved post 4)." in lines
    assert "Post 6: er ændret eller flyttet, efter den blev skrevet (dens hash passer ikke til indholdet)." in lines
    assert sum(line.startswith("Loggen: beskyttelsen mod ændringer er fjernet") for line in lines) == len(TRIGGERS)
    assert printed.err.strip().startswith("medlyt: fejl: Revisionsloggen er ikke intakt")
    assert "Traceback" not in printed.err


def test_cli_lists_a_meetings_entries_and_logs_the_reading(medlyt_home, capsys):
    meeting_id = realistic_log(medlyt_home)
    assert main(["audit", "--meeting", meeting_id]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[4] for line in lines] == [audit.MEETING_CREATED, audit.CONSENT_GIVEN, audit.CONSENT_GIVEN,
                                                   audit.VIEWED, audit.SHARED, audit.EXPORTED, audit.WITHDRAWN]
    assert all(meeting_id in line for line in lines)
    assert lines[4].split()[3:] == ["anne", audit.SHARED, meeting_id, "leader=lis"]
    with Store(medlyt_home) as store:
        viewed = store.audit_entries(meeting_id)[-1]
    assert (viewed.action, viewed.detail) == (audit.AUDIT_VIEWED, "entries=7") and viewed.user.startswith("cli")

    assert main(["audit"]) == 0
    everything = capsys.readouterr().out.splitlines()
    assert len(everything) == 9 and everything[0].split()[3:5] == ["cli:admin", audit.USER_ADDED]
    assert everything[-1].split()[4] == audit.AUDIT_VIEWED


def test_cli_refuses_an_unknown_meeting_and_verify_of_one_meeting(medlyt_home, capsys):
    realistic_log(medlyt_home)
    assert main(["audit", "--meeting", "ukendt"]) == EXIT_BAD_INPUT
    assert "ingen poster for mødet 'ukendt'" in capsys.readouterr().err
    assert main(["audit", "--meeting", "ukendt", "--verify"]) == EXIT_BAD_INPUT
    assert "udelad --meeting" in capsys.readouterr().err


def test_cli_changes_are_logged_with_the_user_who_ran_them(medlyt_home, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["user", "add", "lis", "--role", "leder", "--password-stdin"]) == 0
    assert main(["meeting", "new", "--title", TITLE, "--participants", "sagsbehandler,borger", "--consent-all"]) == 0
    meeting_id = capsys.readouterr().out.splitlines()[-1]
    assert main(["meeting", "share", meeting_id, "--with", "lis"]) == 0
    assert main(["meeting", "list"]) == 0
    assert main(["consent", meeting_id, "--participant", "borger", "--withdrawn"]) == 0
    with Store(medlyt_home) as store:
        entries = store.audit_entries()
        assert store.verify_audit() == []
    actions = [e.action for e in entries]
    assert actions == [audit.USER_ADDED, audit.MEETING_CREATED, audit.CONSENT_GIVEN, audit.CONSENT_GIVEN,
                       audit.SHARED, audit.VIEWED, audit.WITHDRAWN]
    assert all(e.user and e.user.startswith("cli") for e in entries), entries
    assert entries[-1].detail == "consent_withdrawn:borger"


# ---- the head beside the key: what the chain in the file cannot show ------------------------------


def restore_triggers(home: Path, sql: list[str]) -> None:
    conn = sqlite3.connect(home / DB_NAME, isolation_level=None)
    for statement in sql:
        conn.execute(statement)
    conn.close()


def trigger_sql(home: Path) -> list[str]:
    conn = sqlite3.connect(home / DB_NAME, isolation_level=None)
    try:
        return [row[0] for row in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
    finally:
        conn.close()


@pytest.mark.parametrize("cut", ["the last entries", "every entry"])
@pytest.mark.sqlite_only("cuts, copies or removes the SQLite file")
def test_entries_cut_off_the_end_are_found(medlyt_home, cut):
    """The attacker drops the protection, deletes, and puts the protection back: the chain left
    in the file is intact as far as it goes, but the head beside the key knows how far it went."""
    realistic_log(medlyt_home)
    with Store(medlyt_home) as store:
        last = store.audit_records()[-1].id
    protection = trigger_sql(medlyt_home)
    tamper(medlyt_home, "DELETE FROM audit WHERE id > 4" if cut == "the last entries" else "DELETE FROM audit")
    restore_triggers(medlyt_home, protection)
    with Store(medlyt_home) as store:
        problems = store.verify_audit()
    assert [(p.entry_id, p.kind) for p in problems] == [(None, "truncated")]
    assert f"der er skrevet {last} poster" in str(problems[0])


@pytest.mark.sqlite_only("cuts, copies or removes the SQLite file")
def test_an_older_copy_of_the_database_put_back_is_found(medlyt_home, capsys):
    with Store(medlyt_home) as store:
        store.add_user("kim", "leder", PASSWORD, by="cli:admin")
        store._checkpoint()  # everything in the main file, as a backup tool would copy it
    old = (medlyt_home / DB_NAME).read_bytes()
    realistic_log(medlyt_home)
    with Store(medlyt_home) as store:
        store._checkpoint()
    for suffix in ("-wal", "-shm"):
        (medlyt_home / f"{DB_NAME}{suffix}").unlink(missing_ok=True)
    (medlyt_home / DB_NAME).write_bytes(old)
    assert main(["audit", "--verify"]) == EXIT_AUDIT_BROKEN
    out = capsys.readouterr().out
    assert "Loggen: loggen slutter ved post" in out and "en ældre kopi af databasen er lagt tilbage" in out


def head_of(home: Path) -> Path:
    with Store(home) as store:
        return store.audit_head_path


def test_a_changed_head_is_reported(medlyt_home):
    realistic_log(medlyt_home)
    head = head_of(medlyt_home)
    head.write_text(head.read_text().replace('"last_id": ', '"last_id": 1'))
    with Store(medlyt_home) as store:
        problems = store.verify_audit()
    assert [p.kind for p in problems] == ["unprotected"] and "kontrolpunktet" in str(problems[0])


def test_the_head_lives_beside_the_key_and_is_private(medlyt_home):
    realistic_log(medlyt_home)
    head = head_of(medlyt_home)
    assert head.parent == keys.key_file().parent and medlyt_home not in head.parents
    assert oct(head.stat().st_mode & 0o777) == "0o600"
    with Store(medlyt_home) as store:
        records = store.audit_records()
        assert audit_head.read(head, store._audit_key) == audit_head.Head(records[-1].id, records[-1].hash)


@pytest.mark.sqlite_only("cuts, copies or removes the SQLite file")
def test_a_data_directory_removed_and_made_anew_starts_its_own_head(medlyt_home):
    """The head belongs to one database (its identity), not to a path: starting over in the same
    place is not mistaken for a cut-off log."""
    realistic_log(medlyt_home)
    old_head = head_of(medlyt_home)
    shutil.rmtree(medlyt_home)
    with Store(medlyt_home) as store:
        store.add_user("kim", "leder", PASSWORD, by="cli:admin")
        assert store.verify_audit() == []
        assert store.audit_head_path != old_head and old_head.exists()
