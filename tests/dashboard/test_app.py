"""The first dashboard page through Streamlit's AppTest, on the real processed demo meeting."""

from streamlit.testing.v1 import AppTest

from meetings.store import Store
from tests.conftest import REPO

APP = str(REPO / "dashboard" / "app.py")


def test_meeting_list_and_transcript_of_the_demo(demo_run, monkeypatch):
    monkeypatch.setenv("MEDLYT_HOME", str(demo_run["home"]))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "medlyt – møder"
    table = at.dataframe[0].value
    assert list(table["Id"]) == [demo_run["meeting_id"]]
    assert table["Status"][0] == "Transskriberet"

    with Store(demo_run["home"]) as store:
        segments = store.segments(demo_run["meeting_id"])
        labels = {s.id: s.label for s in store.speakers(demo_run["meeting_id"])}
    shown = [m.value for m in at.markdown]
    for segment in segments:
        assert any(segment.text in line and f"**{labels[segment.speaker]}:**" in line for line in shown), segment.text
    assert any(line.startswith("`00:0") for line in shown)  # lines carry their timestamps


def test_opening_a_meeting_by_query_parameter(demo_run, monkeypatch):
    monkeypatch.setenv("MEDLYT_HOME", str(demo_run["home"]))
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["meeting"] = demo_run["meeting_id"]
    at.run()
    assert not at.exception
    assert at.selectbox[0].value == demo_run["meeting_id"]


def test_empty_store_says_what_to_do(medlyt_home):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "medlyt demo" in at.info[0].value
