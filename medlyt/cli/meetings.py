"""`medlyt meeting` and `medlyt consent`: a meeting, its participants and their consent."""

import sys
from pathlib import Path

from feedback.labels import CONSENT_METHOD_LABELS, MEETING_STATUS_LABELS, day_time
from meetings.records import CONSENT_METHODS, ROLE_LABELS, ROLES, SILENT_ROLES, Consent, Participant, now_iso
from meetings import audit
from meetings.store import Store
from medlyt.cli.common import UsageError, cli_user


def parse_channel_map(text: str | None) -> dict[str, int]:
    """"sagsbehandler=1,borger=2" -> {"sagsbehandler": 1, "borger": 2} (1-based channels)."""
    mapping = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        role, _, channel = item.partition("=")
        if not channel.strip().isdigit() or int(channel) < 1:
            raise UsageError(f"Kanalangivelsen '{item.strip()}' skal have formen rolle=kanal, fx borger=2")
        mapping[role.strip().lower()] = int(channel)
    return mapping


def parse_participants(text: str, consent: Consent | None, channels: dict[str, int] | None = None,
                       caseworker: str | None = None) -> list[Participant]:
    roles = [r.strip().lower() for r in text.split(",") if r.strip()]
    channels = channels or {}
    unknown = sorted(set(channels) - set(roles))
    if unknown:
        raise UsageError(f"Kanal angivet for '{unknown[0]}', som ikke er deltager i mødet.")
    if not roles:
        raise UsageError("Angiv mindst én deltager, fx --participants sagsbehandler,borger")
    for role in roles:
        if role not in ROLES:
            raise UsageError(f"Ukendt rolle '{role}'. Kendte roller: {', '.join(ROLES)}")
    if len(set(roles)) != len(roles):
        # Consent is registered per role, so each role may appear once in a meeting.
        raise UsageError("Hver rolle kan kun optræde én gang i et møde.")
    return [
        Participant(role=r, label=ROLE_LABELS[r], speaks=r not in SILENT_ROLES, consent=consent,
                    channel=channels.get(r), user=caseworker if r == "sagsbehandler" else None)
        for r in roles
    ]


def describe_meeting(meeting) -> str:
    duration = f"{meeting.audio.duration_s:.0f} s" if meeting.audio else "ingen optagelse"
    consents = ", ".join(
        f"{p.label}{f' (kanal {p.channel})' if p.channel else ''}: {'samtykke' if p.has_consented else 'mangler samtykke'}"
        for p in meeting.speaking_participants
    )
    status = MEETING_STATUS_LABELS.get(meeting.status, meeting.status)
    return f"{meeting.id}  {day_time(meeting.created_at)}  {status:<14}  {duration:>16}  {meeting.title}  ({consents})"


def cmd_meeting(args, home: Path) -> None:
    with Store(home) as store:
        if args.meeting_command in ("share", "unshare"):
            change = store.share if args.meeting_command == "share" else store.unshare
            meeting = change(args.meeting, args.leader, by=cli_user())
            print(f"Mødet {meeting.id} er delt med: {', '.join(meeting.shared_with) or 'ingen'}.")
            return
        if args.meeting_command == "list":
            meetings = store.list_meetings()
            store.log(audit.VIEWED, None, cli_user(), "command=meeting-list")
            if not meetings:
                print("Ingen møder endnu. Opret et: medlyt meeting new --title T --participants sagsbehandler,borger")
            for meeting in meetings:
                print(describe_meeting(meeting))
            return
        consent = None
        if args.consent_all:
            consent = Consent(given=True, method=args.consent_method, recorded_at=now_iso())
        participants = parse_participants(args.participants, consent, parse_channel_map(args.channels),
                                          args.caseworker)
        if args.observer and store.user(args.observer) is None:
            raise UsageError(f"Der er ingen bruger '{args.observer}'. Opret den: medlyt user add {args.observer} --role observatør")
        meeting = store.create_meeting(args.title, participants, recorded_by=args.observer, by=cli_user())
        if meeting.missing_consent:
            missing = ", ".join(p.role for p in meeting.missing_consent)
            print(f"Bemærk: samtykke mangler fra {missing}. Intet optages eller importeres før det er registreret:",
                  file=sys.stderr)
            print(f"  medlyt consent {meeting.id} --participant ROLLE --given --method verbal", file=sys.stderr)
        print(meeting.id)


def cmd_consent(args, home: Path) -> None:
    with Store(home) as store:
        meeting = store.record_consent(args.meeting, args.participant, args.given, args.method, by=cli_user())
    if meeting is None:
        print(f"Samtykket er trukket tilbage. Mødet {args.meeting} og alt dets lyd og tekst er slettet.")
    else:
        print(f"Samtykke registreret for {args.participant} ({CONSENT_METHOD_LABELS.get(args.method, args.method)}).")
        if not meeting.missing_consent:
            print("Alle talende deltagere har givet samtykke.")


def configure(commands) -> None:
    meeting = commands.add_parser("meeting", help="opret eller vis møder")
    meeting_commands = meeting.add_subparsers(dest="meeting_command", required=True, metavar="HANDLING")
    new = meeting_commands.add_parser("new", help="opret et møde; udskriver mødets id som sidste linje")
    new.add_argument("--title", required=True, help="mødets titel (skriv ikke borgerens navn)")
    new.add_argument("--participants", required=True,
                     help=f"roller adskilt af komma, fx sagsbehandler,borger (kendte: {', '.join(ROLES)})")
    new.add_argument("--consent-all", action="store_true", help="registrér at alle deltagere har givet samtykke nu")
    new.add_argument("--consent-method", choices=CONSENT_METHODS, default="verbal",
                     help="hvordan samtykket er givet: verbal (mundtligt) eller written (skriftligt); standard: verbal")
    new.add_argument("--channels", metavar="ROLLE=KANAL,...",
                     help="hvis hver deltager har sin egen mikrofon på hver sin kanal, fx sagsbehandler=1,borger=2")
    new.add_argument("--caseworker", metavar="BRUGER",
                     help="sagsbehandlerens brugernavn; med en indlært stemmeprøve genkendes sagsbehandleren")
    new.add_argument("--observer", metavar="BRUGER", help="observatøren, der optager (kan se mødet i dashboardet)")
    meeting_commands.add_parser("list", help="vis alle møder")
    share = meeting_commands.add_parser("share", help="del et møde med en leder (en bevidst handling, der logges)")
    share.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    share.add_argument("--with", dest="leader", required=True, metavar="LEDER", help="lederens brugernavn")
    unshare = meeting_commands.add_parser("unshare", help="stop delingen af et møde med en leder")
    unshare.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    unshare.add_argument("--with", dest="leader", required=True, metavar="LEDER", help="lederens brugernavn")
    meeting.set_defaults(handler=cmd_meeting)

    consent = commands.add_parser("consent", help="registrér at en deltager giver eller trækker samtykke")
    consent.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    consent.add_argument("--participant", required=True, metavar="ROLLE", help="deltagerens rolle, fx borger")
    decision = consent.add_mutually_exclusive_group(required=True)
    decision.add_argument("--given", dest="given", action="store_true", help="samtykke givet")
    decision.add_argument("--withdrawn", dest="given", action="store_false",
                          help="samtykke trukket tilbage: mødets lyd og tekst slettes straks")
    consent.add_argument("--method", choices=CONSENT_METHODS, default="verbal",
                         help="verbal (mundtligt) eller written (skriftligt); standard: verbal")
    consent.set_defaults(handler=cmd_consent)
