"""The `medlyt` command line. Parses, calls the pipeline and the store, prints Danish.

Errors are one clear line on stderr and a non-zero exit (2 bad input, 3 consent missing or
withdrawn, 4 the audit log is not intact); a traceback only with --debug.

Each command lives in the module of its concern beside this one (meetings, processing, record,
admin ...), whose configure(commands) adds its parser; build_parser() gathers them here.
"""

import argparse
import re
import sys
from pathlib import Path

from capture.recorder import RecorderError
from capture.source import AudioError
from feedback.config import ConfigError
from meetings.store import ConsentError, MeetingError, Store
from medlyt import settings
from medlyt.cli import admin, meetings, models, processing, record, serve, speakers, transcribe, users
from medlyt.cli.admin import purge_due
from medlyt.cli.common import EXIT_AUDIT_BROKEN, EXIT_BAD_INPUT, EXIT_CONSENT, AuditLogBroken, UsageError
from models.store import ModelError
from transcribe.whisper import TranscriptionError


# argparse's own complaints, as Python writes them (its gettext has no Danish), and ours.
ARGPARSE_DANISH = [
    (r"the following arguments are required: (.*)", r"disse argumenter mangler: \1"),
    (r"argument (.*?): invalid choice: (.*) \(choose from (.*)\)", r"argument \1: ugyldigt valg: \2 (vælg mellem \3)"),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"argument \1: ugyldig værdi: \3"),
    (r"argument (.*?): expected one argument", r"argument \1: mangler en værdi"),
    (r"argument (.*?): expected at least one argument", r"argument \1: mangler mindst én værdi"),
    (r"argument (.*?): not allowed with argument (.*)", r"argument \1: kan ikke bruges sammen med \2"),
    (r"argument (.*?): ignored explicit argument (.*)", r"argument \1: tager ingen værdi, men fik \2"),
    (r"one of the arguments (.*) is required", r"et af argumenterne \1 skal angives"),
    (r"unrecognized arguments: (.*)", r"ukendte argumenter: \1"),
    (r"ambiguous option: (.*) could match (.*)", r"tvetydig valgmulighed: \1 kan betyde \2"),
]


def danish(message: str) -> str:
    for english, dansk in ARGPARSE_DANISH:
        if re.fullmatch(english, message):
            return re.sub(english, dansk, message)
    return message


class DanishFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "brug: " if prefix is None else prefix)


class DanishParser(argparse.ArgumentParser):
    """argparse with its own headings, help line, usage line and complaints in Danish;
    sub-commands inherit it."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", DanishFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "valgmuligheder"
        self.add_argument("-h", "--help", action="help", help="vis denne hjælp og afslut")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"medlyt: fejl: {danish(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = DanishParser(
        prog="medlyt",
        description="medlyt: samtykkebaseret optagelse, dansk transskription og sparring – helt offline. "
        "Data ligger i MEDLYT_HOME (eller brugerens datamappe).",
    )
    parser.add_argument("--debug", action="store_true", help="vis fuld fejlsporing ved fejl")
    commands = parser.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    # Each module adds its commands; `medlyt --help` lists them in this order.
    models.configure(commands)
    meetings.configure(commands)
    processing.configure(commands)
    speakers.configure(commands)
    users.configure(commands)
    record.configure(commands)
    admin.configure(commands)
    transcribe.configure(commands)
    serve.configure(commands)

    from medlyt.cli import db, jobs, push

    jobs.configure(commands)
    db.configure(commands)
    push.configure(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # `models download` and `models convert` are the commands the user runs to fetch something;
    # all else stays offline.
    if args.command != "models" or getattr(args, "models_command", None) not in ("download", "convert"):
        settings.force_offline()
    try:
        home = settings.data_home()
        if args.command != "db":  # the database may not be ready for them yet; `db` is how it gets ready
            recover_recordings(home)
            purge_due(home)
        args.handler(args, home)
    except ConsentError as error:
        return fail(error, EXIT_CONSENT, args.debug)
    except AuditLogBroken as error:
        return fail(error, EXIT_AUDIT_BROKEN, args.debug)
    except (UsageError, AudioError, MeetingError, ModelError, TranscriptionError, ConfigError, RecorderError) as error:
        return fail(error, EXIT_BAD_INPUT, args.debug)
    except KeyboardInterrupt:
        print("medlyt: afbrudt.", file=sys.stderr)
        return 130
    except Exception as error:  # the promise is one line, never a traceback, unless --debug
        if args.debug:
            raise
        print(f"medlyt: uventet fejl: {type(error).__name__}: {error} (kør med --debug for detaljer)", file=sys.stderr)
        return 1
    return 0


def recover_recordings(home: Path) -> None:
    """A recording cut off by a crash or power cut becomes its meeting's audio at the next start."""
    from meetings.store import AUDIO_DIR, RECORDING_SUFFIX
    from medlyt.recording import recover_unfinished

    if not any((home / AUDIO_DIR).glob(f"*{RECORDING_SUFFIX}")):
        return  # the common case: nothing to recover, and the store is not even opened
    with Store(home) as store:
        for meeting_id, seconds in recover_unfinished(store):
            print(f"Genoprettet: en afbrudt optagelse af møde {meeting_id} ({seconds:.1f} s) er gemt.", file=sys.stderr)


def fail(error: Exception, code: int, debug: bool) -> int:
    if debug:
        raise error
    print(f"medlyt: fejl: {error}", file=sys.stderr)
    return code
