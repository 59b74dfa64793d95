"""`medlyt record` and `medlyt bookmark`: a meeting recorded from the microphone (perhaps transcribed
live), and the bookmarks set in it."""

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from feedback.labels import clock, count
from meetings.redaction import redact
from meetings.store import Store
from medlyt.cli.common import UsageError, cli_user
from medlyt.cli.processing import cmd_process


def cmd_record(args, home: Path) -> None:
    from capture.level import LevelWriter
    from capture.recorder import FileInput, MicrophoneInput, RecorderError, too_few_channels
    from medlyt.recording import listen, record

    with Store(home) as store:
        from meetings.consent import require_consent

        meeting = store.get_meeting(args.meeting)
        require_consent(meeting)  # exit 3 before any device or model is opened
        if meeting.audio is not None:
            raise UsageError(f"Mødet {meeting.id} har allerede en optagelse. Opret et nyt møde til en ny optagelse.")
        wanted = args.channels or meeting.channels_wanted
        if args.simulate:
            source = FileInput(Path(args.simulate))
        else:
            device = int(args.device) if args.device and args.device.isdigit() else args.device
            source = MicrophoneInput(device, wanted)
        if source.channels < meeting.channels_wanted:
            raise RecorderError(too_few_channels(meeting.channels_wanted, source.channels))
        if args.level_only:
            if not args.level_file:
                raise UsageError("--level-only kræver --level-file.")
            listen(source, LevelWriter(Path(args.level_file), source.sample_rate), args.level_only)
            return
        live = live_transcriber(store, home, meeting, args.model, source.channels) if args.live else None
        print("Optager ... tryk Enter for et bogmærke (skriv evt. en note først); stop med Ctrl-C"
              " eller med stopknappen på dashboardets side 'Live'.", file=sys.stderr, flush=True)
        elapsed = [0.0]

        def progress(seconds: float) -> None:
            if sys.stderr.isatty() and int(seconds) != int(elapsed[0]):
                print(f"\r  {clock(int(seconds))}", end="", file=sys.stderr, flush=True)
            elapsed[0] = seconds

        def show_line(line) -> None:
            print(f"\r[{clock(line.start)}] {line.speaker}: {redact(line.text)}", flush=True)

        if sys.stdin.isatty():
            threading.Thread(target=bookmark_keys, args=(sys.stdin, store, args.meeting, lambda: elapsed[0]),
                             daemon=True).start()
        def show_error(error: str) -> None:
            print(f"\r  Advarsel: en linje kunne ikke transskriberes live ({error}). Optagelsen fortsætter.",
                  file=sys.stderr, flush=True)

        level = LevelWriter(Path(args.level_file), source.sample_rate) if args.level_file else None
        meeting = record(store, args.meeting, source, on_progress=progress, live=live, on_line=show_line,
                         on_live_error=show_error, by=args.by or cli_user(), level=level)
    if source.overflows:
        print(f"Advarsel: lydkortet tabte lyd {count(source.overflows, 'gang', 'gange')}.", file=sys.stderr)
    print(f"\nOptagelsen er gemt: {meeting.audio.duration_s:.1f} s.")
    if args.live and not args.no_process:
        print("Nu den fulde gennemgang, som erstatter de foreløbige linjer:")
        args.speakers, args.queue, args.wait = None, None, False  # process's own options, as their defaults
        cmd_process(args, home)
    else:
        print(f"Næste trin: medlyt process {meeting.id}")


def live_transcriber(store: Store, home: Path, meeting, model: str, channels: int):
    """Whisper and the speaker guesses for --live, loaded before the first sample is heard."""
    import numpy as np

    from medlyt.pipeline import load_whisper
    from transcribe.live import LiveTranscriber

    _name, whisper = load_whisper(home, model)
    voiceprints = {user: np.frombuffer(vector, np.float32) for user, vector in store.voiceprints().items()}
    return LiveTranscriber(whisper, meeting.speaking_participants, channels, voiceprints)


def bookmark_keys(lines, store: Store, meeting_id: str, now: Callable[[], float]) -> None:
    """Each line typed while recording (Enter, perhaps after a note) is a bookmark at that moment."""
    for line in lines:
        at = now()
        store.add_bookmark(meeting_id, at, by=cli_user(), note=line.strip())
        print(f"\r  Bogmærke ved {clock(at)}", file=sys.stderr, flush=True)


def cmd_bookmark(args, home: Path) -> None:
    from feedback.analysis import analyser

    with Store(home) as store:
        meeting = store.add_bookmark(args.meeting, args.at, by=cli_user(), note=args.note or "", analyse=analyser())
    print(f"Bogmærke sat ved {clock(args.at)} i møde {meeting.id} ({len(meeting.bookmarks)} i alt).")


def configure(commands) -> None:
    record = commands.add_parser("record", help="optag et møde fra mikrofonen (kun med samtykke)")
    record.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    record.add_argument("--device", metavar="ENHED", help="lydenhedens navn eller nummer (standard: systemets)")
    record.add_argument("--channels", type=int, default=None, metavar="N",
                        help="antal kanaler (standard: så mange, som mødets mikrofoner kræver: med en mikrofon til "
                             "hver, der taler, den højeste kanal fra 'medlyt meeting new --channels', ellers 1)")
    record.add_argument("--simulate", metavar="WAV", help="afspil en 16 kHz WAV i realtid som mikrofon (test og demo)")
    record.add_argument("--live", action="store_true",
                        help="transskribér undervejs: linjer og taletid vises på dashboardets side 'Live'; "
                             "efter stop kører den fulde gennemgang (medlyt process) af sig selv")
    record.add_argument("--model", default=None, metavar="NAVN|STI",
                        help="Whisper-model til --live og den fulde gennemgang (standard: MEDLYT_MODEL, ellers base)")
    record.add_argument("--no-process", action="store_true", help="med --live: kør ikke den fulde gennemgang bagefter")
    record.add_argument("--config", metavar="FIL", help="feedback-indstillinger til den fulde gennemgang")
    record.add_argument("--level-file", metavar="FIL", help="skriv lydniveauet løbende i FIL (dashboardets niveaumåler)")
    record.add_argument("--level-only", type=float, metavar="SEK",
                        help="prøv mikrofonen: skriv kun lydniveauet i SEK sekunder; intet gemmes")
    # The dashboard user who pressed start, for the audit log (the dashboard starts the recorder).
    record.add_argument("--by", help=argparse.SUPPRESS)
    record.set_defaults(handler=cmd_record)

    bookmark = commands.add_parser("bookmark", help="sæt et bogmærke i et møde (også under optagelse: tryk Enter)")
    bookmark.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    bookmark.add_argument("--at", required=True, type=float, metavar="SEKUNDER", help="tidspunktet i optagelsen")
    bookmark.add_argument("--note", metavar="TEKST", help="en kort note (skriv ikke borgerens navn)")
    bookmark.set_defaults(handler=cmd_bookmark)
