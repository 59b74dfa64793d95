"""The sparring's people and what each does, on the pages (meetings/access.py decides): the
caseworker and the colleague who sat in choose the moments and say who is who; a leader the
meeting is shared with reads and writes the leader's note, but changes neither."""

import pytest

from tests.dashboard.conftest import logged_in, shown_text

OVERVIEW, TRANSCRIPT = "views/overview.py", "views/transcript.py"


@pytest.mark.parametrize("name, chooses", [("anne", True), ("olga", True), ("lis", False)])
def test_who_chooses_the_moments_for_the_sparring(dashboard_home, name, chooses):
    at = logged_in(name, meeting=dashboard_home.meetings["annes"])
    at.switch_page(OVERVIEW).run()
    assert not at.exception, at.exception
    assert bool([r for r in at.radio if r.label == "Til sparringen"]) == chooses
    if not chooses:
        assert "vælges af sagsbehandleren og sparringspartneren" in shown_text(at)


@pytest.mark.parametrize("name, corrects", [("anne", True), ("olga", True), ("lis", False)])
def test_who_says_who_is_who(dashboard_home, name, corrects):
    at = logged_in(name, meeting=dashboard_home.meetings["annes"])
    at.switch_page(TRANSCRIPT).run()
    assert not at.exception, at.exception
    buttons = {b.label for b in at.button}
    assert ({"Omdøb", "Læg sammen"} <= buttons) == corrects
    if not corrects:
        assert "rettes af sagsbehandleren og sparringspartneren" in shown_text(at)
