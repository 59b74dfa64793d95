"""`medlyt transcribe FIL`: a transcript of a sound file, with nothing stored."""

from pathlib import Path

from medlyt.cli.common import progress_bar, write_output

TRANSCRIBE_FORMATS = ("txt", "json", "srt", "vtt")


def cmd_transcribe(args, home: Path) -> None:
    from capture.source import probe_duration
    from medlyt.export import get_writer
    from medlyt.pipeline import transcribe_file

    update, close = progress_bar(probe_duration(Path(args.file)), "Transskriberer")
    try:
        transcript = transcribe_file(home, Path(args.file), args.model, update)
    finally:
        close()
    write_output(get_writer(args.format)(transcript), args.output)


def configure(commands) -> None:
    transcribe = commands.add_parser("transcribe", help="transskribér en fil uden at gemme noget")
    transcribe.add_argument("file", metavar="FIL")
    transcribe.add_argument("--model", default=None, metavar="NAVN|STI", help="model (standard: MEDLYT_MODEL, ellers base)")
    transcribe.add_argument("--format", default="txt", choices=TRANSCRIBE_FORMATS)
    transcribe.add_argument("-o", "--output", metavar="FIL", help="skriv til fil i stedet for standard output")
    transcribe.set_defaults(handler=cmd_transcribe)
