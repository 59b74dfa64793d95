"""`medlyt speaker` and `medlyt voice`: who spoke in a meeting (corrections that survive a new run),
and the caseworkers' voiceprints that recognise them."""

from pathlib import Path

from meetings.records import CONSENT_METHODS, ROLE_LABELS, ROLES
from meetings import audit
from meetings.store import Store
from medlyt.cli.common import UsageError, cli_user
from medlyt.cli.processing import processed


def cmd_speaker(args, home: Path) -> None:
    from meetings.corrections import anchor_of
    from meetings.records import Correction
    from feedback.analysis import analyser

    with Store(home) as store:
        meeting, _analysis = processed(store, args.meeting)
        segments = store.segments(args.meeting)
        fix = lambda correction: store.correct(meeting.id, correction, analyser(), by=cli_user())
        known = {s.id: s for s in store.speakers(args.meeting)}

        def anchor(speaker_id: str):
            if speaker_id not in known:
                raise UsageError(f"Mødet har ingen taler '{speaker_id}'. Talere: {', '.join(known) or 'ingen'}")
            return anchor_of(segments, speaker_id)

        if args.speaker_command == "rename":
            if args.role and args.role not in ROLES:
                raise UsageError(f"Ukendt rolle '{args.role}'. Kendte roller: {', '.join(ROLES)}")
            label = args.label or ROLE_LABELS.get(args.role, "")
            if not label:
                raise UsageError("Angiv --label eller --role.")
            fix(Correction("rename", anchor=anchor(args.speaker), label=label, role=args.role))
        elif args.speaker_command == "merge":
            if args.speaker == args.into:
                raise UsageError("En taler kan ikke lægges sammen med sig selv.")
            fix(Correction("merge", anchor=anchor(args.speaker), target=anchor(args.into)))
        elif args.speaker_command == "move":
            segment = next((s for s in segments if s.start <= args.at <= s.end), None)
            if segment is None:
                raise UsageError(f"Der er ingen tekst ved {args.at:.1f} s.")
            fix(Correction("move", start=segment.start, end=segment.end, target=anchor(args.to)))
        speakers = store.speakers(args.meeting)
        shares = store.analysis(args.meeting).balance
        if args.speaker_command == "list":
            store.log(audit.VIEWED, meeting.id, cli_user(), "command=speaker-list")
    for speaker in speakers:
        share = shares.get(speaker.id, {"share": 0.0, "talk_s": 0.0})
        print(f"{speaker.id:<4} {speaker.label:<16} {speaker.role or '–':<14} {share['talk_s']:>7.1f} s  {share['share']:>5.0%}")


def cmd_voice(args, home: Path) -> None:
    with Store(home) as store:
        if args.voice_command == "enroll":
            from medlyt.pipeline import voiceprint_of_file

            vector, speech_s = voiceprint_of_file(Path(args.file))
            store.save_voiceprint(args.user, vector, args.consent_method, by=cli_user())
            print(f"Stemmeprøve gemt for {args.user} ({speech_s:.0f} s tale). Slet den med: medlyt voice delete {args.user}")
        elif args.voice_command == "delete":
            store.delete_voiceprint(args.user, by=cli_user())
            print(f"Stemmeprøven for {args.user} er slettet.")
        else:
            users = sorted(store.voiceprints())
            print("\n".join(users) if users else "Ingen stemmeprøver.")


def configure(commands) -> None:
    speaker = commands.add_parser("speaker", help="vis og ret talere i et møde (rettelser overlever ny kørsel)")
    speaker_commands = speaker.add_subparsers(dest="speaker_command", required=True, metavar="HANDLING")
    listing = speaker_commands.add_parser("list", help="vis talerne med taletid og andel")
    listing.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    rename = speaker_commands.add_parser("rename", help="giv en taler navn og rolle, fx --role borger")
    rename.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    rename.add_argument("speaker", metavar="TALER", help="talerens id, fx S2")
    rename.add_argument("--label", metavar="NAVN", help="navnet, der vises (standard: rollens navn)")
    rename.add_argument("--role", metavar="ROLLE", help=f"rolle ({', '.join(ROLES)})")
    merge = speaker_commands.add_parser("merge", help="læg to talere sammen")
    merge.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    merge.add_argument("speaker", metavar="TALER", help="taleren, der skal forsvinde")
    merge.add_argument("--into", required=True, metavar="TALER", help="taleren, der overtager talen")
    move = speaker_commands.add_parser("move", help="flyt en linje til en anden taler")
    move.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    move.add_argument("--at", required=True, type=float, metavar="SEKUNDER", help="et tidspunkt i linjen")
    move.add_argument("--to", required=True, metavar="TALER")
    speaker.set_defaults(handler=cmd_speaker)

    voice = commands.add_parser("voice", help="sagsbehandlerens stemmeprøve (med samtykke) til genkendelse")
    voice_commands = voice.add_subparsers(dest="voice_command", required=True, metavar="HANDLING")
    enroll = voice_commands.add_parser("enroll", help="indlær en stemme fra en optagelse med kun den person")
    enroll.add_argument("user", metavar="BRUGER")
    enroll.add_argument("file", metavar="FIL", help="mindst 10 sekunders tale af personen alene")
    enroll.add_argument("--consent-method", required=True, choices=CONSENT_METHODS,
                        help="hvordan personen har givet samtykke til at gemme stemmeprøven")
    delete = voice_commands.add_parser("delete", help="slet en stemmeprøve")
    delete.add_argument("user", metavar="BRUGER")
    voice_commands.add_parser("list", help="vis hvem der har en stemmeprøve")
    voice.set_defaults(handler=cmd_voice)
