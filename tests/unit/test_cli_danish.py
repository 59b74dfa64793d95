"""Issue 20, point 9: the CLI says what it did in Danish: statuses, consent methods, counts that
agree with their noun ("1 kanal", not "1 kanal(er)"), and dates as dd.mm.åååå."""

import re

from medlyt.cli import DEMO_AUDIO, main


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
