"""Make tests/fixtures/release-2026-12: a data directory as the release of December 2026 leaves
it (SQLite schema 14, sealed audio, keyed audit chain), with one of everything the store keeps.

Run once with that release's code and commit the result; never regenerate it with later code,
or it stops being the old data a new version must upgrade without loss
(tests/unit/test_release_upgrade.py). Usage: python tests/tools/make_release_fixture.py
"""

import base64
import os
import shutil
import sys
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fixtures" / "release-2026-12"
KEY = bytes(range(32))  # a test key, committed on purpose: the data is made up
sys.path.insert(0, str(REPO))
os.environ["MEDLYT_KEY_FILE"] = str(OUT / "config" / "key")
os.environ.pop("MEDLYT_KEY", None)

from feedback.analysis import analyser  # noqa: E402
from meetings.records import (  # noqa: E402
    AudioInfo, Consent, Correction, LiveLine, Participant, Segment, Speaker, Speech, Word, now_iso,
)
from meetings.store import Store  # noqa: E402

PASSWORD = "Forår-i-Aarhus-2026"


def tone_wav(path: Path, seconds: float = 4.0, rate: int = 16000) -> AudioInfo:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.2 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return AudioInfo(path=str(path), sample_rate=rate, channels=1, duration_s=seconds, source_name="samtale.wav")


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "config").mkdir(parents=True)
    key_file = OUT / "config" / "key"
    key_file.write_text(base64.b64encode(KEY).decode() + "\n")
    key_file.chmod(0o600)
    with Store(OUT / "home") as store:
        store.add_user("sara", "sagsbehandler", PASSWORD, by="cli:fixture")
        store.add_user("lene", "leder", PASSWORD, by="cli:fixture")
        consent = Consent(given=True, method="verbal", recorded_at=now_iso())
        meeting = store.create_meeting("Opfølgning med borger, CPR 010203-1234", [
            Participant("sagsbehandler", "Sara", speaks=True, consent=consent, user="sara"),
            Participant("borger", "Borgeren", speaks=True, consent=consent),
            Participant("observatør", "Kollega", speaks=False),
        ], recorded_by="sara", by="sara")
        store.attach_audio(meeting.id, tone_wav, by="sara")
        words = [Word(0.2, 0.6, "Hvordan", 0.91), Word(0.6, 1.0, "går", 0.88), Word(1.0, 1.4, "det?", 0.93)]
        segments = [Segment(0.2, 1.4, "Hvordan går det?", words, "S1", -0.2, 0.01, -20.0),
                    Segment(1.8, 3.6, "Det går fint, tak.", [Word(1.8, 3.6, "fint", 0.7)], "S2", -0.4, 0.02, -24.0)]
        speech = [Speech(0.2, 1.4, "S1", -20.0), Speech(1.8, 3.6, "S2", -24.0)]
        speakers = [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")]
        store.save_transcript(meeting.id, segments, "base", speakers, analyser(), speech, by="sara",
                              model_sha256="0" * 64)
        store.correct(meeting.id, Correction("rename", anchor=((0.2, 1.4),), label="Sara", role="sagsbehandler"),
                      analyser(), by="sara")
        store.add_bookmark(meeting.id, 1.0, by="sara", note="God åben start", analyse=analyser())
        store.share(meeting.id, "lene", by="sara")
        flag = store.analysis(meeting.id).flags[0]
        store.review_flag(meeting.id, flag, "drøftet", "Tal om det", by="lene")
        store.save_session_note(meeting.id, None, "leder", "Stærk indledning.", by="lene")
        store.save_session_note(meeting.id, flag, "sagsbehandler", "Jeg prøver det næste gang.", by="sara")
        store.add_development_point(meeting.id, "Flere åbne spørgsmål", by="lene")
        store.extend_retention(meeting.id, "2027-06-01", "Sagen er anket", by="lene")
        store.save_voiceprint("sara", np.ones(256, dtype="<f4").tobytes(), "written", by="sara")
        store.set_retention_days(45, by="cli:fixture")

        gone = store.create_meeting("Trukket tilbage", [Participant("borger", "B", speaks=True, consent=consent)],
                                    by="sara")
        store.withdraw(gone.id, by="sara")

        live = store.create_meeting("Optages live", [Participant("sagsbehandler", "Sara", speaks=True,
                                                                 consent=consent, user="sara")], by="sara")
        store.start_live(live.id, live=True, by="sara")
        store.add_live_line(live.id, LiveLine(0.0, 1.0, "Sagsbehandler", "Velkommen", "sagsbehandler", 0.4))
        store.end_live(live.id)
        store._checkpoint()
    print(f"{OUT}: meetings {meeting.id} (behandlet), {gone.id} (trukket tilbage), {live.id} (live)")


if __name__ == "__main__":
    main()
