"""Issue 20, point 9: the CLI says what it did in Danish: statuses, consent methods, counts that
agree with their noun ("1 kanal", not "1 kanal(er)"), and dates as dd.mm.åååå."""

import re

from medlyt.cli import main
from medlyt.cli.serve import DEMO_AUDIO


def test_the_cli_speaks_danish_about_meetings_consent_and_channels(medlyt_home, capsys):
    assert main(["meeting", "new", "--title", "Samtale", "--participants", "sagsbehandler,borger"]) == 0
    meeting_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["consent", meeting_id, "--participant", "sagsbehandler", "--given", "--method", "written"]) == 0
    assert main(["consent", meeting_id, "--participant", "borger", "--given"]) == 0
    said = capsys.readouterr().out
    assert "(skriftligt)" in said and "(mundtligt)" in said and "written" not in said and "verbal" not in said

    assert main(["meeting", "list"]) == 0
    listed = capsys.readouterr().out
    assert "oprettet" in listed and "created" not in listed
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", listed)  # dd.mm.åååå tt:mm

    assert main(["import", meeting_id, str(DEMO_AUDIO)]) == 0
    imported = capsys.readouterr().out
    assert "1 kanal." in imported and "(er)" not in imported
    assert main(["meeting", "list"]) == 0
    assert "optaget" in capsys.readouterr().out


def test_a_mistyped_command_is_answered_in_danish(medlyt_home, capsys):
    """argparse's own complaints and its usage line are English; the parser says them in Danish."""
    import pytest

    from medlyt.cli.common import EXIT_BAD_INPUT

    for argv, said in [
        (["meeting", "create"], "argument HANDLING: ugyldigt valg: 'create' (vælg mellem 'new', 'list'"),
        (["show"], "disse argumenter mangler: MØDE"),
        (["import"], "disse argumenter mangler: MØDE, FIL"),
        (["process", "abc", "--speakers", "to"], "argument --speakers: ugyldig værdi: 'to'"),
        (["purge", "--bogus"], "ukendte argumenter: --bogus"),
    ]:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == EXIT_BAD_INPUT
        assert err.startswith("brug: medlyt") and f"medlyt: fejl: {said}" in err, err
    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out.startswith("brug: medlyt")
