"""`medlyt db upgrade|check|copy`: the database behind medlyt, for whoever runs it.

Embedded mode upgrades its SQLite file by itself; a central PostgreSQL database is upgraded here,
once, by its operator. No line printed here holds a database password.
"""

from pathlib import Path

from meetings import keys
from meetings.crypto import Cipher, Damaged
from meetings.db.copy import copy_all
from meetings.db.database import Database
from meetings.db.engine import configured_url, database_url, nothing_stored_yet, shown
from meetings.db.migrations import SETTINGS_VERSION
from meetings.db.upgrade import SCHEMA_VERSION, schema_version
from meetings.errors import MeetingError
from meetings.repo import settings
from meetings.store import KEY_CHECK, Store


def cmd_upgrade(args, home: Path) -> None:
    before = 0 if nothing_stored_yet(home) else _version(Database(configured_url(home)))
    with Store(home, upgrade=True) as store:
        where = store.where
    if before == SCHEMA_VERSION:
        print(f"Databasen {where} har allerede skema {SCHEMA_VERSION}; intet at gøre.")
    else:
        print(f"Databasen {where} er " + (f"oprettet med skema {SCHEMA_VERSION}." if before == 0 else
                                          f"opdateret fra skema {before} til {SCHEMA_VERSION}."))


def cmd_check(args, home: Path) -> None:
    """What the database is and whether this medlyt can use it, without changing anything."""
    if nothing_stored_yet(home):
        print(f"Database: {configured_url(home).database} (SQLite, indlejret) findes ikke endnu; medlyt opretter den "
              "ved første brug. Alt i orden.")
        return
    db = Database(configured_url(home))
    try:
        with db.transaction() as conn:
            version = schema_version(conn)
            check = settings.get(conn, KEY_CHECK) if version >= SETTINGS_VERSION else None
    finally:
        db.close()
    print(f"Database: {db.where} ({'SQLite, indlejret' if db.sqlite else 'PostgreSQL, central'})")
    if version > SCHEMA_VERSION:
        raise MeetingError(f"Skema {version} er nyere end denne version af medlyt ({SCHEMA_VERSION}). Opdatér medlyt.")
    if version < SCHEMA_VERSION or check is None:
        raise MeetingError(f"Skema {version}; denne version af medlyt bruger {SCHEMA_VERSION}. Kør: medlyt db upgrade")
    try:
        Cipher(keys.load(home, create=False).secret).open(check, KEY_CHECK)
    except Damaged:
        raise MeetingError("Krypteringsnøglen på denne maskine passer ikke til databasen. Brug organisationens nøgle "
                           f"({keys.KEY_ENV} eller {keys.KEY_FILE_ENV}).") from None
    print(f"Skema {version} (det denne version bruger), og krypteringsnøglen passer. Alt i orden.")


def cmd_copy(args, home: Path) -> None:
    from medlyt.queue import hand_over_open_jobs

    target_url = database_url(home, args.to)
    with Store(home, upgrade=True) as store:
        source_where = store.where
    with Store(home, database=args.to, upgrade=True) as target:
        target_where = target.where
    if source_where == target_where:
        raise MeetingError("Kilde og mål er den samme database.")
    source, target = Database(configured_url(home)), Database(target_url)
    try:
        with source.transaction() as reading, target.transaction(write=True) as writing:
            copied = copy_all(reading, writing)
            handed = hand_over_open_jobs(writing) if writing.dialect.name == "postgresql" else 0
    finally:
        source.close()
        target.close()
    with Store(home, database=args.to) as check:
        problems = check.verify_audit()
    for item in copied:
        print(f"  {item.table:<22} {item.rows:>8} rækker")
    print(f"Kopieret fra {source_where} til {shown(target_url)}; antallet af rækker passer i hver tabel.")
    if handed:
        print(f"{handed} job, der ventede, er sat i den centrale kø; en worker tager dem.")
    if problems:
        raise MeetingError(f"Revisionsloggen i målet kan ikke efterprøves: {problems[0]}")
    print("Revisionsloggens kæde er hel i målet. Sæt MEDLYT_DATABASE_URL til målet på hver maskine; "
          "lydfilerne bliver i datamappen (den fælles mappe).")


def _version(db: Database) -> int:
    try:
        with db.transaction() as conn:
            return schema_version(conn)
    finally:
        db.close()


def configure(commands) -> None:
    db = commands.add_parser("db", help="databasen: opdatér skemaet, tjek den, eller flyt data til PostgreSQL")
    actions = db.add_subparsers(dest="db_action", metavar="HANDLING", required=True)
    upgrade = actions.add_parser("upgrade", help="opdatér databasens skema til denne version af medlyt "
                                                 "(central drift: én gang, før workers og dashboard startes)")
    upgrade.set_defaults(handler=cmd_upgrade)
    check = actions.add_parser("check", help="vis hvilken database medlyt bruger, og om skema og nøgle passer "
                                             "(ændrer intet; exit 2 hvis noget mangler)")
    check.set_defaults(handler=cmd_check)
    copy = actions.add_parser("copy", help="kopiér alle data fra den nuværende database (fx pilotens SQLite-fil) "
                                           "til en tom database, og tjek antallet af rækker")
    copy.add_argument("--to", required=True, metavar="URL",
                      help="måldatabasen, fx postgresql+psycopg://medlyt@server/medlyt (adgangskoden vises aldrig)")
    copy.set_defaults(handler=cmd_copy)
