"""The access rule on every meeting page, for every kind of person, by both routes into a meeting
(a link with ?meeting= and the session's chosen meeting): exactly those meetings.access lets see
a meeting see it, everyone else gets the same 'not found or no access' and nothing of it."""

import pytest

from dashboard.choice import NO_ACCESS
from meetings.access import can_view
from meetings.records import User
from meetings.store import Store
from tests.dashboard.conftest import USERS, logged_in, shown_text

PAGES = ["views/overview.py", "views/transcript.py", "views/session.py"]


def cases():
    for name in USERS:
        for page in PAGES:
            for route in ("link", "session"):
                yield pytest.param(name, page, route, id=f"{name}-{page.split('/')[-1][:-3]}-{route}")


@pytest.mark.parametrize("name, page, route", list(cases()))
def test_every_person_on_every_meeting_page(dashboard_home, name, page, route, monkeypatch):
    monkeypatch.delenv("MEDLYT_ADMIN_READS_CONTENT", raising=False)
    meeting_id = dashboard_home.meetings["annes"]
    with Store(dashboard_home.home) as store:
        meeting = store.get_meeting(meeting_id)
    allowed = can_view(User(name, USERS[name]), meeting)
    # Anne's meeting: hers, recorded by Olga, shared with Lis (tests/unit/test_users.py pins the rule).
    assert allowed == (name in {"anne", "olga", "lis"})
    if route == "link":
        at = logged_in(name, meeting=meeting_id)
    else:
        at = logged_in(name)
        at.session_state["meeting_id"] = meeting_id
    at.switch_page(page).run()
    assert not at.exception, at.exception
    text = shown_text(at)
    if allowed:
        assert "Annes møde" in at.title[0].value and NO_ACCESS not in text
    else:
        assert [e.value for e in at.error] == [NO_ACCESS]
        assert "Annes møde" not in text and not at.get("audio") and not at.text_area and not at.dataframe


def controls_offered(name: str, meeting_id: str) -> dict[str, object]:
    """What each meeting page offers this person to change or take away."""
    overview = logged_in(name, meeting=meeting_id)
    overview.switch_page("views/overview.py").run()
    transcript = logged_in(name, meeting=meeting_id)
    transcript.switch_page("views/transcript.py").run()
    session = logged_in(name, meeting=meeting_id)
    session.switch_page("views/session.py").run()
    form = f"notes-{meeting_id}-session"
    for at in (overview, transcript, session):
        assert not at.exception, at.exception
    return {
        "choose moments": any(r.label == "Til sparringen" for r in overview.radio),
        "correct speakers": any(b.label == "Omdøb" for b in transcript.button),
        "export transcript": any(d.label == "Hent transskriptionen (CSV)" for d in transcript.get("download_button")),
        "note": next((t.key.removeprefix(f"{form}-") for t in session.text_area
                      if t.key.startswith(form) and not t.disabled), None),
        "development points": any(b.label == "Tilføj" for b in session.button),
    }


@pytest.mark.parametrize("name", ["anne", "olga", "lis", "root"])  # who may see it (the others: the test above)
def test_every_person_is_offered_exactly_the_changes_the_rules_allow(dashboard_home, name, monkeypatch):
    """The rule table (meetings/access.py, the README) against what the pages offer, for every
    person in Anne's meeting; the administrator here with the organisation's leave to read."""
    from meetings.access import can_choose_moments, can_correct_speakers, can_export_transcript, note_author

    monkeypatch.setenv("MEDLYT_ADMIN_READS_CONTENT", "1")
    meeting_id = dashboard_home.meetings["annes"]
    with Store(dashboard_home.home) as store:
        meeting = store.get_meeting(meeting_id)
    user = User(name, USERS[name])
    assert can_view(user, meeting)
    author = note_author(user, meeting)
    expected = {"choose moments": can_choose_moments(user, meeting), "correct speakers": can_correct_speakers(user, meeting),
                "export transcript": can_export_transcript(user, meeting), "note": author,
                "development points": author is not None}
    assert controls_offered(name, meeting_id) == expected
    # And the table itself, as the README states it for this meeting.
    assert expected == {
        "anne": {"choose moments": True, "correct speakers": True, "export transcript": True, "note": "sagsbehandler",
                 "development points": True},
        "olga": {"choose moments": True, "correct speakers": True, "export transcript": True, "note": "kollega",
                 "development points": True},
        "lis": {"choose moments": False, "correct speakers": False, "export transcript": False, "note": "leder",
                "development points": True},
        "root": {"choose moments": False, "correct speakers": False, "export transcript": False, "note": None,
                 "development points": False},
    }[name]
