"""Text that users typed is shown as text on every page: a title, a speaker's name, a bookmark
note (quoted in its flag's message) and a development point that hold Markdown for an outside
image or a javascript: link come out escaped, so the browser fetches nothing and links nowhere."""

import re

import pytest

from feedback.analysis import analyser
from meetings.corrections import anchor_of
from meetings.records import Correction
from meetings.store import Store
from tests.dashboard.conftest import AUDIO, logged_in, markdown_source, processed_meeting, shown_text

IMAGE = "![spor](http://example.org/spor.png)"
LINK = "[klik](javascript:alert(1))"
HOSTILE = f"{IMAGE} {LINK}"
# A Markdown link or image that would still be one: "](" with nothing escaping its bracket.
LIVE_LINK = re.compile(r"(?<!\\)\]\((?:http|javascript)")


@pytest.fixture
def hostile_meeting(dashboard_home, danish_dir):
    with Store(dashboard_home.home) as store:
        meeting_id = processed_meeting(store, danish_dir / AUDIO, f"Møde {HOSTILE}", "anne", "olga")
        segments = store.segments(meeting_id)
        store.correct(meeting_id, Correction("rename", anchor=anchor_of(segments, "S2"), label=f"Borger {HOSTILE}",
                                             role="borger"), analyser())
        store.add_bookmark(meeting_id, 5.0, by="olga", note=f"Se her {HOSTILE}", analyse=analyser())
        store.add_development_point(meeting_id, f"Punkt {HOSTILE}", by="anne")
        bookmark = next(f for f in store.analysis(meeting_id).flags if f.kind == "bookmark")
        store.review_flag(meeting_id, bookmark, "drøftet", by="anne")
    yield meeting_id
    with Store(dashboard_home.home) as store:
        store.withdraw(meeting_id)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/transcript.py", "pages/session.py"])
def test_user_text_is_escaped_on_every_meeting_page(hostile_meeting, page):
    at = logged_in("anne", meeting=hostile_meeting)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert HOSTILE in shown_text(at)  # the text is there, as typed ...
    source = markdown_source(at)
    assert not LIVE_LINK.search(source), [line for line in source.splitlines() if LIVE_LINK.search(line)]  # ... as text
