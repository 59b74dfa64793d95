"""The dashboard through Streamlit's AppTest: log in, who may see which meeting by every route,
the meeting list, and the overview of a meeting with its flagged moments."""

import json
import wave

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.choice import NO_ACCESS
from dashboard.format import clock_ticks
from feedback.labels import INTERRUPTIONS_NOTE, ONE_MICROPHONE_NOTE
from meetings import audit
from meetings.records import review_key
from meetings.store import Store
from tests.dashboard.conftest import APP, AUDIO, USERS, logged_in, markdown_source, processed_meeting, shown_text

OVERVIEW = "views/overview.py"


def flags_table(at: AppTest):
    """The table of flagged moments (the overview also has a table of each speaker's figures)."""
    return next(d.value for d in at.dataframe if "Art" in d.value.columns)


@pytest.fixture
def dashboard_home(either_dashboard_home):
    """Every test here runs embedded and central."""
    return either_dashboard_home


def listed_ids(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Id"]) if at.dataframe else []


@pytest.mark.parametrize("name, expected", [
    ("anne", {"annes"}),          # a caseworker: her own
    ("bo", {"bos"}),
    ("lis", {"annes"}),           # a leader: what is shared with her
    ("kim", set()),               # a leader nothing is shared with
    ("olga", {"annes"}),          # an observer: what she recorded (she sat in as sparring partner)
    ("root", set()),              # an administrator: no meeting content, unless the organisation says so
])
def test_each_role_sees_exactly_its_meetings(dashboard_home, name, expected):
    at = logged_in(name)
    assert at.title[0].value == "Møder"
    ids = {dashboard_home.meetings[k] for k in expected}
    assert set(listed_ids(at)) == ids
    if name == "root":
        assert "ser ikke mødernes indhold" in at.info[0].value and "MEDLYT_ADMIN_READS_CONTENT=1" in at.info[0].value
    elif not ids:
        assert "ingen møder, du har adgang til" in at.info[0].value


def test_an_administrator_sees_every_meeting_where_the_organisation_allows_it(dashboard_home, monkeypatch):
    monkeypatch.setenv("MEDLYT_ADMIN_READS_CONTENT", "1")
    at = logged_in("root")
    assert set(listed_ids(at)) == set(dashboard_home.meetings.values())


def test_a_caseworker_cannot_open_another_caseworkers_meeting_by_link(dashboard_home):
    other = dashboard_home.meetings["bos"]
    at = logged_in("anne", meeting=other)
    at.switch_page(OVERVIEW).run()
    assert at.error[0].value == NO_ACCESS
    assert "Bos møde" not in shown_text(at) and not at.dataframe


def test_a_caseworker_cannot_open_another_caseworkers_meeting_through_session_state(dashboard_home):
    at = logged_in("anne")
    at.session_state["meeting_id"] = dashboard_home.meetings["bos"]
    at.switch_page(OVERVIEW).run()
    assert at.error[0].value == NO_ACCESS
    assert "Bos møde" not in shown_text(at)
    # An id that does not exist gets the very same answer: ids are not revealed.
    at.session_state["meeting_id"] = "000000000000"
    at.run()
    assert at.error[0].value == NO_ACCESS


def test_the_overview_shows_balance_metrics_and_moments(dashboard_home):
    meeting_id = dashboard_home.meetings["annes"]
    at = logged_in("anne", meeting=meeting_id)
    at.switch_page(OVERVIEW).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Opfølgning, Annes møde"
    assert len(at.get("vega_lite_chart")) == 2  # balance and timeline
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Interaktivitet"].endswith("/min") and metrics["Afbrydelser"] == "0"
    flags = flags_table(at)
    assert "Mange lukkede spørgsmål i træk" in list(flags["Art"])
    # The figures `medlyt show` has: each speaker's questions, tempo and loudness.
    figures = next(d.value for d in at.dataframe if "Spørgsmål" in d.value.columns)
    assert list(figures["Taler"]) == ["Sagsbehandler", "Borger"]
    assert figures["Spørgsmål"][0].endswith("lukkede") or "åbne)" in figures["Spørgsmål"][0]
    assert figures["Taletempo"][0].endswith("ord/min") and "Lydstyrke" in figures.columns
    assert at.get("audio")  # the chosen moment plays from where it starts
    with Store(dashboard_home.home) as store:
        viewed = [e for e in store.audit_entries(meeting_id) if e.action == audit.VIEWED]
    assert viewed and viewed[-1].user == "anne"


@pytest.mark.parametrize("duration_s, ticks", [
    (37, [0, 10, 20, 30]), (68, [0, 15, 30, 45, 60]), (3600, [0, 600, 1200, 1800, 2400, 3000, 3600]),
    (7323, [0, 1800, 3600, 5400, 7200])])
def test_time_axes_tick_at_round_clock_times(duration_s, ticks):
    assert clock_ticks(duration_s) == ticks


def test_the_timeline_spans_the_meeting_with_round_clock_times(dashboard_home):
    at = logged_in("anne", meeting=dashboard_home.meetings["annes"])
    at.switch_page(OVERVIEW).run()
    timeline = json.loads(at.get("vega_lite_chart")[1].proto.spec)
    x = timeline["layer"][0]["encoding"]["x"]
    assert x["title"] == "Tid i mødet"
    # Anne's meeting lasts 37 s: ticks at 00:00, 00:10, 00:20, 00:30 (before: 00:00 alone).
    start, end = x["scale"]["domain"]
    assert start == 0 and x["axis"]["values"] == clock_ticks(end) == [0, 10, 20, 30]


def test_the_timeline_explains_its_flag_marks_only_when_it_has_some():
    from dashboard.views.overview import timeline_chart
    from meetings.records import Flag, Segment

    spans = [Segment(0.0, 5.0, "Hvordan går det?", speaker="S1"), Segment(5.5, 40.0, "Godt.", speaker="S2")]
    story = Flag("citizen_story", 5.5, 40.0, "S2", "Borger fortalte i 34 s i træk.", tone="strength")

    def legend(flags):
        return timeline_chart(spans, flags, {"S1": "Sagsbehandler", "S2": "Borger"}, 0.5, 40.0) \
            .to_dict()["layer"][1]["encoding"]["color"]["legend"]
    assert legend([story])["title"] == "Markeringer"
    assert legend([]) is None


def test_the_balance_says_how_far_to_trust_it_on_one_microphone_and_not_with_one_each(dashboard_home, danish_dir,
                                                                                      tmp_path):
    """On one microphone a short "ja" under the other's speech is not always heard, so the
    balance and the interruption count get a note each; recorded with a microphone each, overlap
    is measured, and there is none."""
    one = logged_in("anne", meeting=dashboard_home.meetings["annes"])
    one.switch_page(OVERVIEW).run()
    assert not one.exception, one.exception
    assert ONE_MICROPHONE_NOTE in [c.value for c in one.caption]
    assert INTERRUPTIONS_NOTE in [c.value for c in one.caption]
    with wave.open(str(danish_dir / AUDIO), "rb") as mono, wave.open(str(tmp_path / "stereo.wav"), "wb") as stereo:
        samples = np.frombuffer(mono.readframes(mono.getnframes()), "<i2")
        stereo.setnchannels(2), stereo.setsampwidth(2), stereo.setframerate(mono.getframerate())
        stereo.writeframes(np.stack([samples, samples // 4], axis=1).tobytes())
    with Store(dashboard_home.home) as store:
        each_id = processed_meeting(store, tmp_path / "stereo.wav", "Med egen mikrofon", "anne", None,
                                    microphone_each=True)
    try:
        each = logged_in("anne", meeting=each_id)
        each.switch_page(OVERVIEW).run()
        assert not each.exception, each.exception
        assert each.subheader[0].value == "Taletid" and len(each.get("vega_lite_chart")) == 2
        assert ONE_MICROPHONE_NOTE not in [c.value for c in each.caption]
        assert INTERRUPTIONS_NOTE not in [c.value for c in each.caption]
    finally:
        with Store(dashboard_home.home) as store:
            store.withdraw(each_id)


def test_taking_a_moment_along_is_stored_with_who_and_a_note_and_can_be_undone(dashboard_home):
    meeting_id = dashboard_home.meetings["bos"]
    at = logged_in("bo", meeting=meeting_id)
    at.switch_page(OVERVIEW).run()
    kinds = list(flags_table(at)["Art"])
    index = kinds.index("Mange lukkede spørgsmål i træk")
    at.selectbox(key="moment").set_value(index).run()
    key = at.radio[0].key.removeprefix("status-")
    radio = at.radio(key=f"status-{key}")
    # The words of preparation, and nothing chosen until someone chooses.
    assert [radio.format_func(o) for o in radio.options] == ["Tag med", "Spring over"] and radio.value is None
    radio.set_value("drøftet")
    at.text_area(key=f"note-{key}").input("Tre lukkede spørgsmål; prøv et hvad-spørgsmål.")
    next(b for b in at.button if b.label == "Gem").click().run()
    assert not at.exception, at.exception
    assert "Tages med i sparringen." in [s.value for s in at.success]
    with Store(dashboard_home.home) as store:
        flag = next(f for f in store.analysis(meeting_id).flags if f.kind == "closed_question_streak")
        review = store.reviews(meeting_id)[review_key(flag)]
        entries = store.audit_entries(meeting_id)
    assert review.status == "drøftet" and review.by == "bo" and "hvad-spørgsmål" in review.note
    assert entries[-1].action == audit.FLAG_REVIEWED and entries[-1].user == "bo"
    assert list(flags_table(at)["Til sparringen"])[index] == "Tag med"

    # Changed to "Spring over", then undone: back to "Tag med" with the note.
    at.radio(key=f"status-{key}").set_value("ikke relevant")
    next(b for b in at.button if b.label == "Gem").click().run()
    assert "Springes over i sparringen." in [s.value for s in at.success]
    next(b for b in at.button if b.label == "Fortryd").click().run()
    assert not at.exception, at.exception
    with Store(dashboard_home.home) as store:
        review = store.reviews(meeting_id)[review_key(flag)]
    assert review.status == "drøftet" and "hvad-spørgsmål" in review.note
    assert at.radio(key=f"status-{key}").value == "drøftet"


def test_a_preparation_note_typed_then_another_moment_chosen_is_kept(dashboard_home):
    meeting_id = dashboard_home.meetings["bos"]
    at = logged_in("bo", meeting=meeting_id)
    at.switch_page(OVERVIEW).run()
    key = at.radio[0].key.removeprefix("status-")
    at.text_area(key=f"note-{key}").input("Lyt efter pausen").run()
    assert "Kladde: noten er ikke gemt endnu." in shown_text(at)
    at.selectbox(key="moment").set_value(1).run()
    at.selectbox(key="moment").set_value(0).run()
    assert not at.exception, at.exception
    assert at.text_area(key=f"note-{key}").value == "Lyt efter pausen"


def test_sharing_with_a_leader_is_a_deliberate_act(dashboard_home):
    meeting_id = dashboard_home.meetings["bos"]
    at = logged_in("bo")
    share = next(b for b in at.button if b.label == "Del mødet")
    assert share.disabled  # not before the confirmation is ticked
    at.selectbox(key="share_leader").set_value("kim")
    at.checkbox(key="share_sure").check().run()
    next(b for b in at.button if b.label == "Del mødet").click().run()
    assert not at.exception, at.exception
    with Store(dashboard_home.home) as store:
        assert "kim" in store.get_meeting(meeting_id).shared_with
        store.unshare(meeting_id, "kim")  # leave the shared data as the other tests expect
    assert set(USERS) >= {"kim"}


def test_single_sign_on_is_offered_when_the_organisation_configures_it(dashboard_home):
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "medlyt", "client_secret": "hemmelig",
                          "server_metadata_url": "https://login.kommune.example/.well-known/openid-configuration"}
    at.run()
    assert not at.exception, at.exception
    assert any(b.label == "Log ind med organisationens single sign-on" for b in at.button)
    assert '<a href="/medlyt/login" target="_self">' in markdown_source(at)  # local users beside it
    plain = AppTest.from_file(APP, default_timeout=30).run()
    assert not any("single sign-on" in b.label for b in plain.button)


def test_a_signed_in_identity_gets_the_role_of_the_local_user_of_that_name(dashboard_home):
    from dashboard.auth import user_for_identity

    assert user_for_identity("lis").role == "leder"
    assert user_for_identity("ukendt@kommune.dk") is None and user_for_identity(None) is None


def test_the_meeting_list_is_logged_as_a_view_once_per_session(dashboard_home):
    at = logged_in("lis")
    at.run()
    with Store(dashboard_home.home) as store:
        listed = [e for e in store.audit_entries() if e.action == audit.VIEWED and e.detail == "page=moeder"
                  and e.user == "lis"]
    assert len(listed) >= 1
    at.run()
    with Store(dashboard_home.home) as store:
        again = [e for e in store.audit_entries() if e.action == audit.VIEWED and e.detail == "page=moeder"
                 and e.user == "lis"]
    assert len(again) == len(listed)


def test_a_first_choice_undone_leaves_the_moment_unchosen(dashboard_home, own_meeting):
    at = logged_in("anne", meeting=own_meeting)
    at.switch_page(OVERVIEW).run()
    key = at.radio[0].key.removeprefix("status-")
    at.radio(key=f"status-{key}").set_value("drøftet")
    next(b for b in at.button if b.label == "Gem").click().run()
    with Store(dashboard_home.home) as store:
        assert len(store.reviews(own_meeting)) == 1
    next(b for b in at.button if b.label == "Fortryd").click().run()
    assert not at.exception, at.exception
    assert "Fortrudt: intet valgt for øjeblikket." in [s.value for s in at.success]
    assert at.radio(key=f"status-{key}").value is None
    with Store(dashboard_home.home) as store:
        assert store.reviews(own_meeting) == {}
        last = store.audit_entries(own_meeting)[-1]
    assert (last.action, last.user) == (audit.FLAG_REVIEW_CLEARED, "anne")
