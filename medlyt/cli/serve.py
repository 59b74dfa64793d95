"""`medlyt dashboard` and `medlyt demo`: the dashboard on this machine, and a real demo meeting
through the whole flow that ends in it."""

import os
import socket
import sys
from pathlib import Path

from dashboard.format import ACCENT_COLOUR
from feedback.labels import count
from meetings.records import ROLE_LABELS, Consent, now_iso
from meetings.redaction import redact
from meetings.store import Store
from medlyt.cli.common import UsageError, progress_bar
from medlyt.cli.meetings import parse_participants

DEMO_AUDIO = Path(__file__).resolve().parents[1] / "demo" / "demo_meeting.flac"
# The web server around the Streamlit app (its login form, sound addresses, gate).
DASHBOARD_APP = Path(__file__).resolve().parents[2] / "dashboard" / "server.py"
SSO_SECRETS = "secrets.toml"
DISCONNECTED_SESSION_TTL_S = 15


def cmd_dashboard(args, home: Path) -> None:
    run_dashboard(home, args.port)


def run_dashboard(home: Path, port: int) -> None:
    """Streamlit on loopback only, with its usage statistics off: nothing leaves the machine."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise UsageError(f"Port {port} er optaget. Vælg en anden med --port.") from None
    command = [
        sys.executable, "-m", "streamlit", "run", str(DASHBOARD_APP),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false", "--client.toolbarMode", "minimal",
        "--client.disableDataExport", "true", "--server.enableAgentApi", "false",
        # A closed tab's session, and the sound it played at /media, goes after 15 s, not 2 min.
        "--server.disconnectedSessionTTL", str(DISCONNECTED_SESSION_TTL_S),
        "--theme.primaryColor", ACCENT_COLOUR,
    ]
    secrets = home / SSO_SECRETS
    if secrets.is_file():
        # The organisation's single sign-on (Streamlit's OIDC [auth] settings); see the README.
        command += ["--secrets.files", str(secrets)]
    print(f"Dashboardet kører på http://127.0.0.1:{port}  (stop med Ctrl-C)", flush=True)
    # Become Streamlit rather than wrap it: Ctrl-C and a stop signal then reach the server itself,
    # and no orphaned server can outlive the command.
    os.execve(sys.executable, command, {**os.environ, "MEDLYT_HOME": str(home)})


def cmd_demo(args, home: Path) -> None:
    from medlyt.pipeline import import_recording, process_meeting
    from models.store import install_base

    print("1/4 Standardmodellen (Whisper base) installeres og verificeres ...")
    install_base(home)
    with Store(home) as store:
        consent = Consent(given=True, method="verbal", recorded_at=now_iso())
        # The demo user plays the caseworker too, so Udvikling has someone to show.
        meeting = store.create_meeting("Demomøde: oplæst dansk tale",
                                       parse_participants("sagsbehandler,borger", consent, caseworker=DEMO_USER))
        print(f"2/4 Møde {meeting.id} oprettet med samtykke fra sagsbehandler og borger.")
        import_recording(store, meeting.id, DEMO_AUDIO)
        print("3/4 Demooptagelsen er importeret. Talen findes og transskriberes på dansk ...")
        update, close = progress_bar(store.get_meeting(meeting.id).audio.duration_s, "Transskriberer")
        try:
            meeting, _result = process_meeting(store, home, meeting.id, "base", on_progress=update)  # the one it installed
        finally:
            close()
        name_demo_voices(store, meeting.id)
        password = demo_login(store)
        segments = store.segments(meeting.id)
        labels = {s.id: s.label for s in store.speakers(meeting.id)}
        flags = store.analysis(meeting.id).flags
    print(f"4/4 Færdig: {count(len(segments), 'tekststykke', 'tekststykker')} og "
          f"{count(len(flags), 'markering', 'markeringer')} gemt i {home}")
    for segment in segments:
        print(f"  [{segment.start:6.1f} s] {labels.get(segment.speaker, '')}: {redact(segment.text)}")
    print(f"Mødets id: {meeting.id}   Overblik: medlyt show {meeting.id}")
    print(f"Log ind i dashboardet som '{DEMO_USER}' med adgangskoden: {password}")
    if not args.no_dashboard:
        run_dashboard(home, args.port)


DEMO_USER = "demo"


def demo_login(store: Store) -> str:
    """An administrator for the demo, with a fresh random password each run: no known default
    password is ever left behind in a data directory."""
    import secrets

    password = secrets.token_urlsafe(9)
    if store.user(DEMO_USER) is None:
        store.add_user(DEMO_USER, "admin", password)
    else:
        store.set_password(DEMO_USER, password)
    return password


def name_demo_voices(store: Store, meeting_id: str) -> None:
    """The demo knows its script: the caseworker opens, the citizen answers. Naming the voices
    is what an observer does by hand (medlyt speaker rename), and it gives the roles that the
    caseworker-and-citizen metrics need."""
    from meetings.corrections import anchor_of
    from meetings.records import Correction
    from feedback.analysis import analyser

    segments = store.segments(meeting_id)
    voices = list(dict.fromkeys(s.speaker for s in segments if s.speaker))
    for voice, role in zip(voices, ("sagsbehandler", "borger")):
        store.correct(meeting_id, Correction("rename", anchor=anchor_of(segments, voice), label=ROLE_LABELS[role],
                                             role=role), analyser())


def configure(commands) -> None:
    dashboard = commands.add_parser("dashboard", help="start dashboardet på 127.0.0.1")
    dashboard.add_argument("--port", type=int, default=8501)
    dashboard.set_defaults(handler=cmd_dashboard)

    demo = commands.add_parser("demo", help="kør et rigtigt demomøde gennem hele forløbet og åbn dashboardet")
    demo.add_argument("--no-dashboard", action="store_true", help="stop efter transskriptionen")
    demo.add_argument("--port", type=int, default=8501)
    demo.set_defaults(handler=cmd_demo)
