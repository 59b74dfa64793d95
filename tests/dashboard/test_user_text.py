"""Text that users typed is shown as text, and masked, on every meeting page: a title, a
speaker's name, a bookmark note (quoted in its flag's message), a note and a development point
that hold Markdown for an outside image or a javascript: link come out escaped, so the browser
fetches nothing and links nowhere; CPR and phone numbers in them come out masked."""

import re
from contextlib import contextmanager

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


@contextmanager
def meeting_typed_into(home, danish_dir, text: str):
    """Anne's processed meeting (recorded by Olga, shared with Lis) with `text` typed into its
    title, the citizen's name, a bookmark note chosen for the session, the leader's note and a
    development point; withdrawn afterwards."""
    with Store(home) as store:
        meeting_id = processed_meeting(store, danish_dir / AUDIO, f"Møde {text}", "anne", "olga")
        store.share(meeting_id, "lis", by="anne")
        store.correct(meeting_id, Correction("rename", anchor=anchor_of(store.segments(meeting_id), "S2"),
                                             label=f"Borger {text}", role="borger"), analyser())
        store.add_bookmark(meeting_id, 5.0, by="olga", note=f"Se her {text}", analyse=analyser())
        bookmark = next(f for f in store.analysis(meeting_id).flags if f.kind == "bookmark")
        store.review_flag(meeting_id, bookmark, "drøftet", by="anne")
        store.save_session_note(meeting_id, None, "leder", f"Noten {text}", by="lis")
        store.add_development_point(meeting_id, f"Punkt {text}", by="anne")
    try:
        yield meeting_id
    finally:
        with Store(home) as store:
            store.withdraw(meeting_id)


NUMBERS = "12 34 56 78, 01.02.03-1234 og 1234-5678"


@pytest.fixture
def typed_meeting(dashboard_home, danish_dir):
    with meeting_typed_into(dashboard_home.home, danish_dir, f"{HOSTILE} {NUMBERS}") as meeting_id:
        yield meeting_id


@pytest.mark.parametrize("page", ["views/overview.py", "views/transcript.py", "views/session.py"])
def test_user_text_is_text_and_masked_on_every_meeting_page(typed_meeting, page):
    at = logged_in("anne", meeting=typed_meeting)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    # Markup stays text: shown as typed, with no live link or image in what the browser gets.
    assert HOSTILE in shown_text(at)
    source = markdown_source(at)
    assert not LIVE_LINK.search(source), [line for line in source.splitlines() if LIVE_LINK.search(line)]
    # Numbers typed into the title, the citizen's name, the bookmark, the leader's note and the
    # points are masked wherever they are read (the caseworker's own note would not be).
    everything = shown_text(at) + "\n".join(str(t.value) for t in at.text_area) + "\n".join(
        option for box in at.selectbox for option in box.options)
    for raw in ("12 34 56 78", "01.02.03-1234", "1234-5678"):
        assert raw not in everything, raw
    assert "[telefonnummer]" in everything


@pytest.mark.parametrize("typed, shown", [
    ("1. punkt", r"1\. punkt"),               # would start a numbered list
    ("12. møde", r"12\. møde"),
    ("Sparring: Anne.", "Sparring: Anne."),    # ordinary punctuation stays as typed
    ("kl. 10.30 i dag", "kl. 10.30 i dag"),
    (":red[rød] *fed*", r"\:red\[rød\] \*fed\*"),
])
def test_typed_text_is_escaped_only_where_it_would_become_markup(typed, shown):
    from dashboard.format import escape

    assert escape(typed) == shown
