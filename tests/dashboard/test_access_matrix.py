"""The access rule on every meeting page, for every kind of person, by both routes into a meeting
(a link with ?meeting= and the session's chosen meeting): exactly those meetings.access lets see
a meeting see it, everyone else gets the same 'not found or no access' and nothing of it."""

import pytest

from dashboard.choice import NO_ACCESS
from meetings.access import can_view
from meetings.records import User
from meetings.store import Store
from tests.dashboard.conftest import USERS, logged_in, shown_text

PAGES = ["pages/overview.py", "pages/transcript.py", "pages/session.py"]


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
