"""Hvem er hvem: each voice to hear, a suggestion with why, one click to name it, and the
balance and flags recomputed at once; only the two who were there may name voices."""

import pytest

from feedback.analysis import analyser
from meetings.records import Consent, Participant, Segment, Speaker, Speech, now_iso
from meetings.store import Store
from tests.dashboard.conftest import AUDIO, LINES, logged_in, shown_text, words

PAGE = "views/speakers.py"


def meeting_with(home, danish_dir, lines) -> str:
    """Anne's meeting recorded by Olga and shared with Lis, its two voices not yet named."""
    from capture.source import import_audio

    consent = Consent(True, "verbal", now_iso())
    with Store(home) as store:
        meeting = store.create_meeting("Hvem er hvem", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger", consent=consent)], recorded_by="olga")
        store.attach_audio(meeting.id, lambda dest: import_audio(danish_dir / AUDIO, dest))
        segments = [Segment(a, b, text, words(a, b, text), who, avg_logprob=-0.2) for who, a, b, text in lines]
        speech = [Speech(a, b, who, -30.0) for who, a, b, _ in lines]
        store.save_transcript(meeting.id, segments, "base", [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")],
                              analyser(), speech)
        store.share(meeting.id, "lis", by="anne")
    return meeting.id


@pytest.fixture
def unnamed(dashboard_home, danish_dir):
    meeting_id = meeting_with(dashboard_home.home, danish_dir, LINES)
    yield meeting_id
    with Store(dashboard_home.home) as store:
        store.withdraw(meeting_id)


@pytest.fixture
def without_evidence(dashboard_home, danish_dir):
    """The same meeting without a question: nothing says whose voice is whose."""
    statements = ["Jeg har læst din ansøgning.", "Godt.", "Praktikken begynder på mandag.", "Fint.",
                  "Du møder klokken otte.", "Ja.", "Så er vi enige.", "Jeg glæder mig til at komme i gang igen."]
    meeting_id = meeting_with(dashboard_home.home, danish_dir, [(who, a, b, text) for (who, a, b, _), text
                                                                in zip(LINES, statements, strict=True)])
    yield meeting_id
    with Store(dashboard_home.home) as store:
        store.withdraw(meeting_id)


def page(name: str, meeting_id: str):
    at = logged_in(name, meeting=meeting_id)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_each_voice_is_heard_and_suggested_with_why(dashboard_home, unnamed):
    at = page("olga", unnamed)
    text = shown_text(at)
    assert "Forslag: sagsbehandler, fordi stemmen stiller 3 af mødets 3 spørgsmål" in text
    assert "Forslag: borger" in text
    assert len(at.get("audio")) == 2  # a few seconds of each voice
    # The citizen's long line is cut with "…", not mid-word without a sign.
    (long,) = [c.value for c in at.caption if "Jeg har faktisk erfaring" in c.value]
    assert long.startswith("`00:18` Jeg har faktisk erfaring fra et lager") and long.endswith("men det er…")
    assert at.selectbox(key="who_S1_sagsbehandler").value == "sagsbehandler"
    assert at.selectbox(key="who_S2_borger").value == "borger"
    assert not at.get("page_link")  # not before the voices are named
    with Store(dashboard_home.home) as store:
        assert {s.role for s in store.speakers(unnamed)} == {None}  # suggested, not applied


def test_one_click_names_a_voice_and_recomputes_balance_and_flags(dashboard_home, unnamed):
    with Store(dashboard_home.home) as store:
        before = store.analysis(unnamed)
    assert not before.metrics["roles_known"]
    at = page("anne", unnamed)
    at.button(key="name_S1").click().run()
    at.button(key="name_S2").click().run()
    assert not at.exception
    with Store(dashboard_home.home) as store:
        speakers = {s.id: (s.label, s.role) for s in store.speakers(unnamed)}
        after = store.analysis(unnamed)
        corrected = [e.user for e in store.audit_entries(unnamed) if e.action == "speakers_corrected"]
    assert speakers == {"S1": ("Sagsbehandler", "sagsbehandler"), "S2": ("Borger", "borger")}
    assert after.metrics["roles_known"] and corrected == ["anne", "anne"]
    assert "Stemmen er nu borger" in shown_text(at)
    # Every voice named: the way on to the figures.
    assert [link.label for link in at.get("page_link")] == ["Gå til Mødeoverblik: taletid og markeringer"]


def test_without_evidence_nothing_is_chosen_and_the_last_voice_follows_its_suggestion(dashboard_home,
                                                                                      without_evidence):
    """No picker pretends to know a voice nobody has named: it asks, and Gem waits for a choice.
    Once one voice is named, the other's suggestion stands in its picker, not the old default."""
    at = page("anne", without_evidence)
    assert "Forslag" not in shown_text(at)
    assert at.selectbox(key="who_S1_none").value is None and at.selectbox(key="who_S2_none").value is None
    assert at.button(key="name_S1").disabled and at.button(key="name_S2").disabled
    at.selectbox(key="who_S1_none").set_value("sagsbehandler").run()
    assert not at.button(key="name_S1").disabled
    at.button(key="name_S1").click().run()
    assert not at.exception
    text = shown_text(at)
    assert ("Forslag: borger, fordi stemmen er den eneste uden rolle, og borger er den eneste rolle, der er tilbage."
            in text)
    assert at.selectbox(key="who_S2_borger").value == "borger" and not at.button(key="name_S2").disabled
    assert "**Sagsbehandler** · " in text and "Sagsbehandler · Sagsbehandler" not in text  # the name says it once
    assert "**Taler 2** · ingen rolle endnu" in text
    at.button(key="name_S2").click().run()
    with Store(dashboard_home.home) as store:
        assert {s.id: s.role for s in store.speakers(without_evidence)} == {"S1": "sagsbehandler", "S2": "borger"}


def test_only_the_two_who_were_there_name_voices(dashboard_home, unnamed):
    leader = page("lis", unnamed)  # shared with her: she hears the voices, but names none
    assert not [b for b in leader.button if b.key and b.key.startswith("name_")]
    assert "Kun sagsbehandleren og sparringspartneren" in shown_text(leader)
    outsider = page("bo", unnamed)
    assert not outsider.get("audio") and "findes ikke, eller du har ikke adgang" in shown_text(outsider)
