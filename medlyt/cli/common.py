"""What every command shares: the exit codes, the errors main() turns into them, who ran the
command, a progress bar over seconds of audio, and writing an export."""

import os
import sys
from collections.abc import Callable
from pathlib import Path

from meetings import private

EXIT_BAD_INPUT = 2
EXIT_CONSENT = 3
EXIT_AUDIT_BROKEN = 4  # medlyt audit --verify found a break in the hash chain


class UsageError(Exception):
    """Wrong use of a command that argparse cannot see (e.g. an unknown role)."""


class AuditLogBroken(Exception):
    """medlyt audit --verify found changed, removed or reordered entries."""


def progress_bar(total_s: float, description: str) -> tuple[Callable[[float], None], Callable[[], None]]:
    """A tqdm bar over seconds of audio on stderr (hidden when stderr is not a terminal)."""
    from tqdm import tqdm

    bar = tqdm(total=round(total_s, 1), unit="s", desc=description, disable=None, file=sys.stderr,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]")

    def update(seconds_done: float) -> None:
        bar.update(max(0.0, min(seconds_done, bar.total) - bar.n))

    return update, bar.close


def cli_user() -> str:
    """Who ran a command, for the audit log: the operating system's user."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry for the uid (some containers)
        return "cli"


def write_output(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    target = Path(output)
    partial = None
    try:
        # An export holds what a citizen said: readable by its owner only, written under a fresh
        # name (never an old .partial or a link someone left there), then moved into place.
        out, partial = private.create_beside(target)
        with out:
            out.write(text.encode("utf-8"))
        os.replace(partial, target)  # a reader never sees half an export
    except OSError as error:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise UsageError(f"Kan ikke skrive {target}: {error.strerror}") from error
    print(f"Skrevet: {target}", file=sys.stderr)
