"""Udvikling through Streamlit's AppTest: one caseworker's figures across her meetings, in date
order, and only from the meetings the viewer may see.

A data directory of its own (the shared dashboard fixture stays as it is): caseworker Eva with
three processed meetings that differ on purpose (she dominates, she interrupts once, she asks
openly and the citizen tells), one whose speakers have no roles and one not processed yet;
caseworker Finn with one meeting. Eva shares her first and last meeting with the leader Lene,
the observer Ole recorded the middle one.
"""

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from capture.source import import_audio
from dashboard.format import percent
from feedback.analysis import analyser
from meetings import audit
from meetings.records import Consent, Participant, Segment, Speaker, Speech, now_iso
from meetings.store import DB_NAME, Store
from tests.dashboard.conftest import AUDIO, PASSWORD, words
from tests.dashboard.conftest import logged_in, shown_text

DEVELOPMENT = "views/development.py"
USERS = {"eva": "sagsbehandler", "finn": "sagsbehandler", "gert": "sagsbehandler", "lene": "leder",
         "ole": "observatør", "admin": "admin"}

DOMINATING = [  # Eva talks nearly all the time and asks closed questions
    ("S1", 0.5, 10.0, "Har du søgt nogen job i denne uge? Du skal huske at stå til rådighed."),
    ("S2", 10.4, 11.0, "Nej."),
    ("S1", 11.5, 20.0, "Er du kommet i gang med praktikken? Det er vigtigt at du møder op."),
    ("S2", 20.4, 21.0, "Ja."),
    ("S1", 21.5, 30.0, "Kan du møde på mandag klokken otte?"),
    ("S2", 30.4, 31.0, "Ja."),
]
INTERRUPTING = [  # more even, but Eva starts while the citizen is still talking
    ("S1", 0.5, 6.0, "Hvordan er det gået siden sidst?"),
    ("S2", 6.5, 16.0, "Det har været lidt op og ned, hvis jeg skal være ærlig, og jeg har været syg."),
    ("S1", 15.0, 22.0, "Har du været hos lægen? Du skal sende en attest."),
    ("S2", 22.5, 30.0, "Ja, jeg var der i mandags og fik en tid."),
]
LISTENING = [  # an open question, and the citizen tells
    ("S1", 0.5, 4.0, "Fortæl lidt om hvordan en almindelig dag ser ud for dig."),
    ("S2", 4.5, 28.0, ("Jeg kører børnene i skole, og så går jeg en tur, fordi lægen har sagt det, og om "
                       "eftermiddagen laver jeg mad og hjælper med lektier, og jeg har faktisk erfaring fra et "
                       "lager og er god til at holde styr på tingene.")),
    ("S1", 28.5, 31.0, "Hvad kunne du tænke dig at prøve?"),
    ("S2", 31.5, 36.0, "Noget med lager, tror jeg."),
]


@dataclass
class Development:
    home: Path
    meetings: dict[str, str]  # name -> meeting id
    titles: dict[str, str]  # name -> title


def new_meeting(store: Store, title: str, caseworker: str, recorded_by: str | None = None):
    consent = Consent(True, "verbal", now_iso())
    return store.create_meeting(title, [
        Participant("sagsbehandler", "Sagsbehandler", consent=consent, user=caseworker),
        Participant("borger", "Borger", consent=consent),
    ], recorded_by=recorded_by)


def processed(store: Store, audio: Path, title: str, caseworker: str, lines, recorded_by: str | None = None,
              roles: bool = True) -> str:
    meeting = new_meeting(store, title, caseworker, recorded_by)
    store.attach_audio(meeting.id, lambda dest: import_audio(audio, dest))
    segments = [Segment(a, b, text, words(a, b, text), who, avg_logprob=-0.2, loudness_db=-30.0)
                for who, a, b, text in lines]
    speech = [Speech(a, b, who, -30.0) for who, a, b, _ in lines]
    speakers = ([Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger")] if roles
                else [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")])
    store.save_transcript(meeting.id, segments, "base", speakers, analyser(), speech)
    return meeting.id


@pytest.fixture(scope="module")
def development_data(tmp_path_factory, danish_dir) -> Development:
    home = tmp_path_factory.mktemp("development-home")
    audio = danish_dir / AUDIO
    titles = {"first": "Eva, januar", "second": "Eva, februar", "third": "Eva, marts",
              "unroled": "Eva, uden roller", "unprocessed": "Eva, ikke optaget", "finns": "Finn, februar"}
    dates = {"first": "2025-01-10T09:00:00+00:00", "second": "2025-02-14T09:00:00+00:00",
             "third": "2025-03-20T09:00:00+00:00", "unroled": "2025-02-20T09:00:00+00:00",
             "unprocessed": "2025-04-01T09:00:00+00:00", "finns": "2025-02-01T09:00:00+00:00"}
    with Store(home) as store:
        for name, role in USERS.items():
            store.add_user(name, role, PASSWORD)
        # Created out of date order: the page must order by the meeting's date, not by creation.
        ids = {
            "third": processed(store, audio, titles["third"], "eva", LISTENING),
            "first": processed(store, audio, titles["first"], "eva", DOMINATING),
            "second": processed(store, audio, titles["second"], "eva", INTERRUPTING, recorded_by="ole"),
            "unroled": processed(store, audio, titles["unroled"], "eva", LISTENING, roles=False),
            "unprocessed": new_meeting(store, titles["unprocessed"], "eva").id,
            "finns": processed(store, audio, titles["finns"], "finn", DOMINATING),
        }
        for name in ("first", "third", "unroled", "finns"):
            store.share(ids[name], "lene", by="eva")
    with sqlite3.connect(home / DB_NAME) as db:
        db.executemany("UPDATE meetings SET created_at = ? WHERE id = ?",
                       [(dates[name], ids[name]) for name in ids])
    db.close()
    return Development(home, ids, titles)


@pytest.fixture
def development_home(development_data, monkeypatch) -> Development:
    monkeypatch.setenv("MEDLYT_HOME", str(development_data.home))
    return development_data


def development_page(name: str):
    at = logged_in(name)
    at.switch_page(DEVELOPMENT).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Udvikling"
    return at


def table(at) -> list[dict]:
    return at.dataframe[0].value.to_dict("records") if at.dataframe else []


def caseworker_numbers(home: Path, meeting_id: str) -> dict:
    with Store(home) as store:
        analysis = store.analysis(meeting_id)
    mine = analysis.metrics["speakers"]["S1"]
    return {"share": analysis.balance["S1"]["share"], "interruptions": mine["interruptions"],
            "open": mine["questions_open"], "closed": mine["questions_closed"],
            "monologue": analysis.metrics["longest_monologue_s"]}


def test_a_caseworker_sees_her_meetings_in_date_order_with_her_share(development_home):
    d = development_home
    at = development_page("eva")
    assert not at.selectbox  # her own development; nobody else's to choose
    rows = table(at)
    order = ["first", "second", "third"]
    assert [r["Id"] for r in rows] == [d.meetings[n] for n in order]
    assert [r["Dato"][:10] for r in rows] == ["10.01.2025", "14.02.2025", "20.03.2025"]  # dd.mm.åååå
    numbers = [caseworker_numbers(d.home, d.meetings[n]) for n in order]
    assert [r["Sagsbehandlerens andel"] for r in rows] == [percent(n["share"]) for n in numbers]
    # The three meetings were written to differ: she dominated, then less, then listened.
    assert numbers[0]["share"] > 0.8 > numbers[1]["share"] > 0.3 > numbers[2]["share"]
    assert [r["Afbrydelser"] for r in rows] == [n["interruptions"] for n in numbers]
    assert numbers[1]["interruptions"] >= 1 and numbers[0]["interruptions"] == 0
    assert numbers[0]["closed"] >= 3 and numbers[2]["open"] >= 1
    assert rows[0]["Åbne spørgsmål"].startswith("0 %") and rows[2]["Åbne spørgsmål"].startswith("100 %")
    # Share, monologue, open questions, interruptions and flags over time.
    assert len(at.get("vega_lite_chart")) == 5
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sagsbehandlerens andel"] == percent(numbers[2]["share"])
    # Left out, and said so: no roles, not processed.
    text = shown_text(at)
    assert d.titles["unroled"] in text and "ingen taler har rollen sagsbehandler" in text
    assert d.titles["unprocessed"] in text and "Eva, ikke optaget: ikke optaget" in text  # its status, as on Møder
    assert d.titles["finns"] not in text
    # All three on one microphone: the share and the interruptions say how far to trust them.
    assert [r["Optaget med"] for r in rows] == ["én mikrofon"] * 3
    assert any(c.value.startswith("Alle møderne er optaget med én mikrofon.") for c in at.caption)


def test_meetings_recorded_differently_are_said_to_compare_poorly():
    """A caseworker whose meetings went from one microphone to one each sees her share and
    interruptions move with the recording, not only with her: said under the charts."""
    from feedback.labels import mixed_recordings_note

    assert mixed_recordings_note([True, True]) is None
    mixed = mixed_recordings_note([False, True, True])
    assert mixed.startswith("1 af de 3 møder er optaget med én mikrofon.")
    assert "Sammenlign helst møder, der er optaget på samme måde" in mixed
    assert mixed_recordings_note([False, False]).startswith("Alle møderne er")
    assert mixed_recordings_note([False]).startswith("Mødet er optaget med én mikrofon.")


def test_a_leader_sees_only_the_meetings_shared_with_her(development_home):
    d = development_home
    at = development_page("lene")
    assert at.selectbox(key="development_caseworker").options == ["eva", "finn"]
    at.selectbox(key="development_caseworker").set_value("eva").run()
    assert not at.exception, at.exception
    assert [r["Id"] for r in table(at)] == [d.meetings["first"], d.meetings["third"]]
    assert d.titles["second"] not in shown_text(at)  # not shared with her
    at.selectbox(key="development_caseworker").set_value("finn").run()
    assert [r["Id"] for r in table(at)] == [d.meetings["finns"]]
    assert d.titles["first"] not in shown_text(at)


def test_another_caseworker_does_not_see_them(development_home):
    d = development_home
    at = development_page("finn")
    assert not at.selectbox
    assert [r["Id"] for r in table(at)] == [d.meetings["finns"]]
    assert not any(title in shown_text(at) for name, title in d.titles.items() if name != "finns")
    # One meeting: its figures, and no charts of one dot each but a word on when they come.
    assert at.metric and not at.get("vega_lite_chart")
    assert at.caption[0].value.endswith("1 møde med nøgletal, 01.02.2025")  # not "fra 01.02.2025 til 01.02.2025"
    assert at.info[0].value.startswith("Udviklingen vises, når der er mindst to møder med nøgletal")
    # Asking for Eva's through the session changes nothing: a caseworker has no choice here.
    at.session_state["development_caseworker"] = "eva"
    at.run()
    assert [r["Id"] for r in table(at)] == [d.meetings["finns"]]


def test_a_colleague_who_sat_in_does_not_follow_the_caseworkers_development(development_home):
    """She may open the meeting she recorded, but Eva's development is Eva's and her leaders'."""
    at = development_page("ole")
    assert not at.exception, at.exception
    assert not at.get("selectbox") and not at.dataframe
    assert "de lederes, hun deler sine møder med" in at.info[0].value


def test_an_administrator_follows_no_one_unless_the_organisation_allows_it(development_home, monkeypatch):
    at = development_page("admin")
    assert not at.get("selectbox") and not at.dataframe


def test_an_administrator_may_choose_any_caseworker_where_allowed(development_home, monkeypatch):
    monkeypatch.setenv("MEDLYT_ADMIN_READS_CONTENT", "1")
    d = development_home
    at = development_page("admin")
    assert at.selectbox(key="development_caseworker").options == ["eva", "finn", "gert"]
    assert [r["Id"] for r in table(at)] == [d.meetings[n] for n in ("first", "second", "third")]
    at.selectbox(key="development_caseworker").set_value("gert").run()
    assert not at.exception and not at.dataframe
    assert "ingen møder med nøgletal for gert" in at.info[0].value


def test_a_leader_with_nothing_shared_is_told_so(development_home, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDLYT_HOME", str(tmp_path))
    with Store(tmp_path) as store:
        store.add_user("kim", "leder", PASSWORD)
    at = development_page("kim")
    assert not at.selectbox and not at.dataframe and "ingen sagsbehandlere" in at.info[0].value


def test_the_view_is_logged_once_per_session(development_home):
    def views() -> list:
        with Store(development_home.home) as store:
            return [e for e in store.audit_entries() if e.action == audit.VIEWED and e.detail == "page=udvikling"
                    and e.user == "lene"]

    before = len(views())
    at = development_page("lene")
    at.selectbox(key="development_caseworker").set_value("finn").run()
    at.run()
    logged = views()
    assert len(logged) == before + 1 and logged[-1].meeting_id is None
