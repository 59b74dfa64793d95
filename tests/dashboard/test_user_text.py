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


@pytest.fixture
def meeting_with_numbers_in_typed_text(dashboard_home, danish_dir):
    with Store(dashboard_home.home) as store:
        meeting_id = processed_meeting(store, danish_dir / AUDIO, "Møde med numre", "anne", "olga")
        store.share(meeting_id, "lis", by="anne")
        store.correct(meeting_id, Correction("rename", anchor=anchor_of(store.segments(meeting_id), "S2"),
                                             label="Borger 12 34 56 78", role="borger"), analyser())
        store.save_session_note(meeting_id, None, "leder", "Hendes CPR er 01.02.03-1234", by="lis")
        store.add_development_point(meeting_id, "Ring til 1234-5678 i morgen", by="anne")
    yield meeting_id
    with Store(dashboard_home.home) as store:
        store.withdraw(meeting_id)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/transcript.py", "pages/session.py"])
def test_numbers_typed_into_labels_notes_and_points_are_masked_on_the_pages(meeting_with_numbers_in_typed_text, page):
    at = logged_in("anne", meeting=meeting_with_numbers_in_typed_text)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    everything = shown_text(at) + "\n".join(str(t.value) for t in at.text_area) + "\n".join(
        option for box in at.selectbox for option in box.options)
    for raw in ("12 34 56 78", "01.02.03-1234", "1234-5678"):
        assert raw not in everything, raw
    assert "[telefonnummer]" in everything
