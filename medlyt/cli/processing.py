"""A meeting's recording through the pipeline: `medlyt import`, `process`, `show`, `analyse`, `config`,
`export`. In central mode process and analyse queue jobs for the workers instead."""

import sys
from pathlib import Path

from feedback.labels import channels_note, count
from meetings import audit
from meetings.db.engine import central
from meetings.store import Store
from medlyt import settings
from medlyt.cli.common import UsageError, cli_user, progress_bar, write_output

EXPORT_FORMATS = ("json", "srt", "vtt", "txt", "rttm", "csv")
CONFIG_HELP = ("organisationens grænseværdier og ordlister (TOML; standard: MEDLYT_CONFIG eller config.toml "
               "i datamappen, ellers de indbyggede – se medlyt config default)")


def cmd_import(args, home: Path) -> None:
    from capture.source import probe_duration
    from medlyt.pipeline import import_recording

    with Store(home) as store:
        store.get_meeting(args.meeting)  # a wrong id is reported before any decoding
        update, close = progress_bar(probe_duration(Path(args.file)), "Importerer")
        try:
            meeting = import_recording(store, args.meeting, Path(args.file), update, by=cli_user())
        finally:
            close()
    audio = meeting.audio
    print(f"Importeret: {audio.duration_s:.1f} s, {count(audio.channels, 'kanal', 'kanaler')}. Næste trin: medlyt process {meeting.id}")
    if note := channels_note(meeting):
        print(f"Bemærk: {note}")


def feedback_config(home: Path, explicit: str | None):
    """The feedback settings in force, checked before any long work starts."""
    from feedback.analysis import check_config
    from feedback.config import load_config

    config = load_config(settings.config_path(home, explicit))
    check_config(config)
    return config


def cmd_process(args, home: Path) -> None:
    from medlyt.pipeline import process_meeting

    if central(home):  # the workers do it; this machine may not even have the model
        from medlyt.cli.jobs import queue_and_follow

        if args.speakers or args.config:
            raise UsageError("--speakers og --config bruges ikke i central drift: workerne bruger mødets deltagere "
                             "og organisationens indstillinger.")
        queue_and_follow(home, args.meeting, args.model, args.wait, cli_user(), args.queue)
        return
    if args.queue:
        raise UsageError("--queue bruges i central drift (PostgreSQL); her behandles mødet med det samme.")
    config = feedback_config(home, args.config)
    with Store(home) as store:
        meeting = store.get_meeting(args.meeting)
        update, close = progress_bar(meeting.audio.duration_s if meeting.audio else 0.0, "Transskriberer")
        try:
            meeting, result = process_meeting(store, home, args.meeting, args.model, args.speakers, update, config,
                                              by=cli_user())
        finally:
            close()
        pieces = len(store.segments(meeting.id))
        flags = store.analysis(meeting.id).flags
    print(f"Færdig: {count(pieces, 'tekststykke', 'tekststykker')} med model '{meeting.model}', "
          f"{count(len(flags), 'markering', 'markeringer')}.")
    for note in result.notes:
        print(f"Bemærk: {note}")
    method = {"channels": "efter mikrofonkanal", "voices": "efter stemme", "none": "ingen tale"}[result.method]
    print(f"Talere ({method}): " + ", ".join(f"{s.id} {s.label}" for s in result.speakers))
    if result.estimated and result.estimated != len(result.speakers):
        print(f"Forslag: lyden ligner {result.estimated} talere. Prøv evt. medlyt process {meeting.id} "
              f"--speakers {result.estimated}")
    print(f"Se: medlyt show {meeting.id}   Ret talere: medlyt speaker list {meeting.id}")


def processed(store: Store, meeting_id: str):
    """The meeting and its analysis; an analysis missing (a meeting processed by an older
    version) is computed now, from the stored transcript."""
    from feedback.analysis import analyser

    meeting = store.get_meeting(meeting_id)
    if meeting.status != "processed":
        raise UsageError(f"Mødet {meeting.id} er ikke transskriberet endnu. Kør: medlyt process {meeting.id}")
    return meeting, store.analysis(meeting_id) or store.reanalyse(meeting_id, analyser())


def cmd_export(args, home: Path) -> None:
    from medlyt.export import Transcript, get_writer

    with Store(home) as store:
        meeting, analysis = processed(store, args.meeting)
        transcript = Transcript.of_meeting(meeting, store.segments(meeting.id), store.speakers(meeting.id), analysis,
                                           store.speech(meeting.id))
        write_output(get_writer(args.format, unmasked=args.unmasked)(transcript), args.output)
        store.log(audit.EXPORTED, meeting.id, cli_user(),
                  f"format={args.format}" + (" unmasked=1" if args.unmasked else ""))


def cmd_show(args, home: Path) -> None:
    from medlyt.summary import render

    with Store(home) as store:
        meeting, analysis = processed(store, args.meeting)
        print(render(meeting, store.speakers(meeting.id), analysis), end="")
        store.log(audit.VIEWED, meeting.id, cli_user(), "command=show")


def cmd_analyse(args, home: Path) -> None:
    from feedback.analysis import analyser

    if bool(args.meeting) == args.all:
        raise UsageError("Angiv et møde eller --all (alle transskriberede møder).")
    if central(home):  # the workers do it, with the organisation's settings where they run
        from medlyt import tasks
        from medlyt.cli.jobs import follow

        if args.config:
            raise UsageError("--config bruges ikke i central drift: workerne bruger organisationens indstillinger.")
        with Store(home) as store:
            ids = [args.meeting] if args.meeting else [m.id for m in store.list_meetings() if m.status == "processed"]
            jobs = [tasks.queue_reanalysis(store, meeting_id, by=cli_user()) for meeting_id in ids]
            print(f"{len(jobs)} {'møde' if len(jobs) == 1 else 'møder'} i kø til ny analyse. Følg med: medlyt jobs")
            for job in jobs if args.wait else []:
                follow(store, job)
        return
    config = feedback_config(home, args.config)
    source = 'standardindstillingerne' if config.source == 'standard' else config.source
    with Store(home) as store:
        ids = [args.meeting] if args.meeting else [m.id for m in store.list_meetings() if m.status == "processed"]
        for meeting_id in ids:
            analysis = store.reanalyse(meeting_id, analyser(config), by=cli_user())
            print(f"{meeting_id}: analyseret igen med {source}: {count(len(analysis.flags), 'markering', 'markeringer')}. "
                  f"Se: medlyt show {meeting_id}")
    if not ids:
        print("Ingen transskriberede møder at analysere igen.")


def cmd_config(args, home: Path) -> None:
    from feedback.config import DEFAULT_PATH

    if args.config_command == "default":
        sys.stdout.write(DEFAULT_PATH.read_text(encoding="utf-8"))
        return
    config = feedback_config(home, args.file)
    print(f"Konfigurationen i {config.source} er gyldig (fingeraftryk {config.digest}).")


def configure(commands) -> None:
    from medlyt.tasks import QUEUES

    imp = commands.add_parser("import", help="importér en lydfil (wav, flac, mp3, m4a, ogg, opus ...) til et møde")
    imp.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    imp.add_argument("file", metavar="FIL")
    imp.set_defaults(handler=cmd_import)

    process = commands.add_parser("process", help="find tale og transskribér mødets optagelse på dansk")
    process.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    process.add_argument("--model", default=None, metavar="NAVN|STI", help="model (standard: MEDLYT_MODEL, ellers base)")
    process.add_argument("--speakers", type=int, metavar="N",
                         help="antal talere (standard: de talende deltagere i mødet)")
    process.add_argument("--config", metavar="FIL", help=CONFIG_HELP)
    process.add_argument("--queue", choices=QUEUES, default=None,
                         help="central drift: køen, jobbet sættes i (standard cpu); uden --model bruges køens "
                              "model (MEDLYT_MODEL_GPU / MEDLYT_MODEL_CPU), ellers MEDLYT_MODEL")
    process.add_argument("--wait", action="store_true",
                         help="central drift: vent på at en worker er færdig, og vis hvor langt den er "
                              "(ellers sættes mødet i kø, og kommandoen returnerer straks)")
    process.set_defaults(handler=cmd_process)

    show = commands.add_parser("show", help="vis taletid, nøgletal og markeringer for et møde")
    show.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    show.set_defaults(handler=cmd_show)

    analyse = commands.add_parser("analyse", help="beregn nøgletal og markeringer igen uden ny transskription")
    analyse.add_argument("meeting", metavar="MØDE", nargs="?", help="mødets id (se: medlyt meeting list)")
    analyse.add_argument("--all", action="store_true",
                         help="alle transskriberede møder (fx efter nye indstillinger for organisationen)")
    analyse.add_argument("--config", metavar="FIL", help=CONFIG_HELP)
    analyse.add_argument("--wait", action="store_true",
                         help="central drift: vent på, at workerne er færdige (ellers sættes møderne i kø, "
                              "og kommandoen returnerer straks)")
    analyse.set_defaults(handler=cmd_analyse)

    config = commands.add_parser("config", help="grænseværdier og ordlister for markeringerne")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="HANDLING")
    config_commands.add_parser("default", help="udskriv standardindstillingerne (en skabelon til jeres egen fil)")
    check = config_commands.add_parser("check", help="kontrollér en konfigurationsfil")
    check.add_argument("file", metavar="FIL")
    config.set_defaults(handler=cmd_config)

    export = commands.add_parser("export", help="eksportér et transskriberet møde")
    export.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("-o", "--output", metavar="FIL", help="skriv til fil i stedet for standard output")
    export.add_argument("--unmasked", action="store_true",
                        help="vis CPR-numre, telefonnumre og e-mailadresser umaskerede (som standard erstattes de "
                             "af [CPR-nummer], [telefonnummer] og [e-mail]); det skrives i auditloggen")
    export.set_defaults(handler=cmd_export)
