"""`medlyt push MEETING`: a laptop (embedded mode, its own SQLite) hands a recorded meeting in to
the centre (PostgreSQL at MEDLYT_CENTRAL_URL, the audio share mounted at MEDLYT_CENTRAL_HOME/audio).

The order is what makes it safe to cut anywhere: the sealed recording goes first, through a part
file that a new try continues; then the rows, in one transaction on the centre with its audit
entry; then the centre's copy is checked against the laptop's (the recording's SHA-256, the rows'
counts); then processing is queued there; and only then does the laptop delete its copy. A push
cut after the centre took the meeting in finds it there, checks it, and finishes.
Nothing is decrypted on the way: the key (MEDLYT_KEY) is the organisation's, the same on both.
"""

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL

from meetings import audit, transfer
from meetings.audio_files import AUDIO_DIR
from meetings.consent import require_consent
from meetings.db.engine import DATABASE_URL_VARIABLE, central, database_url, shown
from meetings.errors import MeetingError, MeetingNotFound, MeetingWithdrawn
from meetings.store import Store

CENTRAL_URL = "MEDLYT_CENTRAL_URL"
CENTRAL_HOME = "MEDLYT_CENTRAL_HOME"
# Checked again after the rows committed: what a push sends and the centre's processing never rewrites.
VERIFIED_TABLES = ("meetings", "participants", "consents", "bookmarks")


@dataclass(frozen=True)
class Centre:
    url: URL
    home: Path  # the folder that holds the centre's audio share, as this machine mounts it

    @property
    def where(self) -> str:
        return shown(self.url)


def centre_from(home: Path, environ) -> Centre:
    """The centre this laptop hands in to; one line naming the setting when one is missing."""
    configured, folder = environ.get(CENTRAL_URL, "").strip(), environ.get(CENTRAL_HOME, "").strip()
    if not configured:
        raise MeetingError(f"Centret er ikke sat op på denne maskine. Sæt {CENTRAL_URL} til centrets database, "
                           "fx postgresql+psycopg://medlyt@db.intern/medlyt")
    if not folder:
        raise MeetingError(f"Centrets lydmappe er ikke sat op på denne maskine. Montér den fælles mappe, og sæt "
                           f"{CENTRAL_HOME} til mappen, den ligger i som audio/.")
    try:
        url = database_url(home, configured)
    except MeetingError as error:
        raise MeetingError(about_centre(str(error))) from None
    if url.get_backend_name() != "postgresql":
        raise MeetingError(f"{CENTRAL_URL} skal pege på centrets PostgreSQL-database "
                           "(postgresql+psycopg://BRUGER@VÆRT/DATABASE).")
    return Centre(url, Path(folder).expanduser())


def about_centre(line: str) -> str:
    """The database layer's lines name the variable of the machine's own database; here it is the centre's."""
    return line.replace(DATABASE_URL_VARIABLE, CENTRAL_URL)


def open_centre(centre: Centre) -> Store:
    share = centre.home / AUDIO_DIR
    if not share.is_dir():
        raise MeetingError(f"Centrets lydmappe {share} findes ikke på denne maskine. Montér den fælles mappe der, "
                           f"eller ret {CENTRAL_HOME}.")
    try:
        # Never upgraded from here: a central database is upgraded once, by its operator.
        return Store(centre.home, database=centre.url.render_as_string(hide_password=False), upgrade=False)
    except MeetingError as error:
        raise MeetingError(about_centre(str(error))) from None


def progress_lines(meeting_id: str, had_part: bool):
    """One line on stderr for every tenth of the recording that reaches the centre; first, when
    a cut try left a part, whether it goes on from there."""
    shown_step = [-1]

    def report(done: int, total: int) -> None:
        if had_part and shown_step[0] < 0:
            print(f"Fortsætter en afbrudt overførsel fra {_kb(done)}." if done else
                  "En afbrudt overførsel passede ikke med optagelsen; den sendes forfra.", file=sys.stderr)
        step = 100 if total == 0 else done * 10 // total * 10
        if step > shown_step[0]:
            shown_step[0] = step
            print(f"Sender optagelsen af {meeting_id}: {step} % ({_kb(done)} af {_kb(total)})", file=sys.stderr,
                  flush=True)

    return report


def _kb(size: int) -> str:
    return f"{size / 1000:,.0f} kB".replace(",", ".")


def ready_to_hand_in(laptop: Store, meeting_id: str):
    """The meeting, if it may leave now: everyone's consent (exit 3 otherwise), a finished
    recording, and no local work on it under way."""
    meeting = laptop.get_meeting(meeting_id)
    require_consent(meeting)
    if meeting_id in laptop.recording_now() or meeting_id in laptop.unfinished_recordings():
        raise MeetingError(f"Mødet '{meeting_id}' bliver optaget lige nu. Stop optagelsen først.")
    if meeting.audio is None:
        raise MeetingError(f"Mødet '{meeting_id}' har ingen optagelse endnu; der er intet at aflevere.")
    job = laptop.latest_job(meeting_id)
    if job is not None and job.state in ("queued", "running"):
        raise MeetingError(f"Mødet '{meeting_id}' behandles på denne maskine lige nu. "
                           "Aflevér det, når det er færdigt.")
    return meeting


def already_pushed(laptop: Store, meeting_id: str) -> str | None:
    """When this laptop handed the meeting in, if it did."""
    pushed = [e for e in laptop.audit_entries(meeting_id) if e.action == audit.MEETING_PUSHED]
    return pushed[-1].at if pushed else None


def on_centre(hub: Store, meeting_id: str) -> bool:
    """Whether the centre has the meeting already (a push cut after it took it in)."""
    try:
        hub.get_meeting(meeting_id)
    except MeetingWithdrawn as gone:
        raise MeetingError(f"Centret har modtaget og siden slettet mødet '{meeting_id}' ({gone.withdrawn_at[:10]}); "
                           f"det sendes ikke igen. Slet denne maskines kopi: medlyt withdraw {meeting_id}") from None
    except MeetingNotFound:
        return False
    return True


def send_recording(laptop: Store, hub: Store, meeting_id: str, digest: str, bytes_per_s: int | None) -> None:
    source = laptop.home / laptop.get_meeting(meeting_id).audio.path
    dest = hub.audio.path(meeting_id)
    if dest.is_file() and transfer.sha256_of(dest) == digest:
        print(f"Optagelsen af {meeting_id} er allerede på centret.", file=sys.stderr)
        return
    had_part = transfer.part_path(dest).exists()
    try:
        transfer.send(source, dest, progress_lines(meeting_id, had_part), bytes_per_s)
    except transfer.Busy:
        raise MeetingError(f"Optagelsen af {meeting_id} bliver allerede sendt af en anden medlyt push. "
                           "Vent, til den er færdig.") from None
    except OSError as error:
        raise MeetingError(f"Optagelsen kunne ikke skrives i centrets lydmappe {dest.parent} "
                           f"({error.strerror or error}). Den bærbares kopi er urørt; prøv igen.") from None


def verify(hub: Store, meeting_id: str, digest: str, counts: dict[str, int]) -> None:
    """The centre's copy is the laptop's: the sealed recording byte for byte, and the rows."""
    keep = "Den bærbares kopi er bevaret."
    audio = hub.get_meeting(meeting_id).audio
    try:
        there = transfer.sha256_of(hub.home / audio.path) if audio is not None else None
    except OSError:
        there = None
    if there != digest:
        raise MeetingError(f"Centrets optagelse af mødet '{meeting_id}' er ikke den samme som denne maskines. {keep}")
    arrived = hub.meeting_counts(meeting_id)
    for table in VERIFIED_TABLES:
        if arrived[table] != counts[table]:
            raise MeetingError(f"Centrets møde '{meeting_id}' passer ikke med denne maskines ({table}: "
                               f"{arrived[table]} mod {counts[table]}). {keep}")


def push(home: Path, meeting_id: str, centre: Centre, by: str, bytes_per_s: int | None = None) -> str:
    """Hand the meeting in; the line to print when done."""
    from medlyt import tasks

    with Store(home) as laptop:
        try:
            meeting = ready_to_hand_in(laptop, meeting_id)
        except MeetingNotFound:
            at = already_pushed(laptop, meeting_id)
            if at is None:
                raise
            return f"Mødet {meeting_id} blev afleveret til centret {at[:10]}; der er intet tilbage at sende."
        digest = tasks.recording_digest(laptop, meeting_id)
        rows = laptop.meeting_rows(meeting_id)  # one reading: what is sent is what is counted
        with open_centre(centre) as hub:
            if not on_centre(hub, meeting_id):
                send_recording(laptop, hub, meeting_id, digest, bytes_per_s)
                hub.receive_meeting(rows, f"sha256={digest} from={socket.gethostname()}", by)
            verify(hub, meeting_id, digest, {table: len(sent) for table, sent in rows.items()})
            job = hub.latest_job(meeting_id) or tasks.queue_processing(hub, meeting_id, by=by)
        # Only now, with the centre's copy checked and its processing queued, does this copy go.
        laptop.hand_over(meeting_id, f"sha256={digest} job={job.id}", by)
    seconds = meeting.audio.duration_s
    return (f"Mødet {meeting_id} ({seconds:.0f} s) er afleveret til centret {centre.where} og i kø til behandling "
            f"(job {job.id}); denne maskines kopi er slettet.")


def cmd_push(args, home: Path) -> None:
    from medlyt.cli.common import cli_user

    centre = centre_from(home, os.environ)
    if central(home):
        raise MeetingError("Denne maskine bruger allerede en central database (MEDLYT_DATABASE_URL); medlyt push "
                           "afleverer fra en bærbar med sin egen.")
    rate = None if args.max_rate is None else args.max_rate * 1000
    print(push(home, args.meeting, centre, cli_user(), rate))


def positive(text: str) -> int:
    import argparse

    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"skal være et helt tal over 0, ikke '{text}'")
    return int(text)


def configure(commands) -> None:
    push_parser = commands.add_parser(
        "push", help="aflevér et optaget møde fra denne bærbare til centret (central drift)",
        description="Afleverer et optaget møde til centret: samtykker, deltagere, bogmærker og den krypterede "
                    "optagelse sendes, som de er. Centrets kopi tjekkes (optagelsens SHA-256 og antallet af rækker), "
                    "mødet sættes i kø til behandling der, og først derefter slettes denne maskines kopi. "
                    "Bliver overførslen afbrudt, så kør kommandoen igen: den fortsætter, hvor den slap. "
                    f"Centret angives med {CENTRAL_URL} (centrets database; adgangskoden vises aldrig) og "
                    f"{CENTRAL_HOME} (mappen, som centrets fælles lydmappe er monteret i som audio/). "
                    "Nøglen (MEDLYT_KEY) er organisationens, den samme her og på centret. Uden samtykke fra alle, "
                    "der taler, sendes intet (exit 3).")
    push_parser.add_argument("meeting", metavar="MØDE", help="mødets id (se medlyt meeting list)")
    push_parser.add_argument("--max-rate", type=positive, default=None, metavar="KB/S",
                             help="send højst så mange kilobyte i sekundet, så netværket ikke fyldes "
                                  "(standard: så hurtigt som muligt)")
    push_parser.set_defaults(handler=cmd_push)
