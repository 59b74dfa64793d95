"""The dashboard in a real browser: log in, the demo meeting is listed, opens, and shows who spoke;
the live page, the report, a reload, and what the page may not fetch or reach."""

import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.pages import DEMO_TITLE, RENDER_TIMEOUT_MS, log_in, login_form, meeting_list, start_logged_in

SPEAKER_LINE = re.compile(r"^(Sagsbehandler|Borger):$")  # the bold label in front of a transcript line


def test_log_in_open_the_demo_play_a_moment_and_mark_it_discussed(demo_run, dashboard, browser_page):
    assert demo_run["code"] == 0
    server = dashboard(demo_run["home"])
    page = browser_page.page

    # First visit, as a user would: the plain address. Streamlit draws after the page has
    # loaded, over its WebSocket, so wait for what it draws.
    start = time.monotonic()
    page.goto(server.url, wait_until="commit")
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    timings = {"navigation → login": time.monotonic() - start}
    start = time.monotonic()
    log_in(page, demo_run["user"], demo_run["password"])
    meeting_list(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    timings["log in → meeting list"] = time.monotonic() - start

    # The table's own toolbar (on hover) offers search, but no "Download as CSV": what a table
    # shows leaves only through medlyt's masked, audited exports.
    meeting_list(page).hover()
    toolbar_search = page.get_by_role("button", name=re.compile("Søg"))  # Streamlit's "Search", in Danish
    toolbar_search.first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    assert page.get_by_role("button", name=re.compile("Download as CSV")).count() == 0

    # Open the demo meeting the way a user does: pick it, then open its overview.
    page.locator('[data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=re.compile(re.escape(DEMO_TITLE))).click()
    start = time.monotonic()
    page.get_by_role("button", name="Åbn mødet").click()
    page.get_by_role("heading", name=DEMO_TITLE).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()  # charts, metrics and tables drawn
    timings["open → overview drawn"] = time.monotonic() - start
    print("\n" + ", ".join(f"{what}: {seconds:.2f} s" for what, seconds in timings.items()))

    assert page.get_by_role("heading", name="Taletid").is_visible()
    assert page.locator(".vega-embed").count() == 2  # the balance chart and the timeline
    moments = page.locator('[data-testid="stDataFrame"]').filter(
        has=page.locator('[role="gridcell"]', has_text="Borgerens fortælling"))
    assert moments.count() == 1
    labels = page.locator('[data-testid="stMarkdown"] strong').filter(has_text=SPEAKER_LINE)
    assert {text.strip() for text in labels.all_inner_texts()} & {"Sagsbehandler:", "Borger:"}

    # Play the chosen moment: it starts where the moment starts (a little lead-in before it).
    audio = page.locator("audio").first
    audio.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    audio.evaluate("a => a.play()")
    page.wait_for_function("() => { const a = document.querySelector('audio'); "
                           "return a && !a.paused && a.currentTime > 0; }", timeout=RENDER_TIMEOUT_MS)
    assert audio.evaluate("a => a.currentTime") >= 2.5  # 3 s of lead-in are skipped

    # Take it along to the sparring with a note, as in the preparation.
    page.get_by_text("Tag med", exact=True).first.click()
    page.get_by_role("textbox", name="Note til sparringen").fill("Godt åbent spørgsmål – tal om det.")
    page.get_by_role("button", name="Gem").click()
    page.get_by_text("Tages med i sparringen.").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    shot = browser_page.screenshot("dashboard-demo.png")
    print(f"screenshot: {shot}")
    # One microphone: the balance says how far to trust it, under the bars, also on a tablet.
    note = page.get_by_text("Taletiden er målt på stemmerne i én mikrofon", exact=False)
    assert note.is_visible()
    page.set_viewport_size({"width": 768, "height": 1000})
    browser_page.wait_until_settled()
    assert note.is_visible()
    browser_page.screenshot("dashboard-demo-768.png")

    from meetings.store import Store

    with Store(demo_run["home"]) as store:
        reviews = store.reviews(demo_run["meeting_id"])
    assert [r.status for r in reviews.values()] == ["drøftet"]
    assert all(r.by == demo_run["user"] for r in reviews.values())


def test_the_page_cannot_reach_beyond_loopback(browser_page):
    """The fence the dashboard test relies on: requests and sockets to other hosts are stopped
    and recorded (the record is emptied here, or the fixture would fail this test)."""
    page = browser_page.page
    page.set_content("""<img src="http://example.com/pixel.png">
        <script>
          window.fetched = fetch("https://example.org/data.json").then(() => "reached", () => "refused");
          new WebSocket("wss://example.net/socket");
        </script>""")
    assert page.evaluate("window.fetched") == "refused"
    deadline = time.monotonic() + 5
    while len(browser_page.blocked) < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    hosts = sorted(url.split("/")[2] for url in browser_page.blocked)
    assert hosts == ["example.com", "example.net", "example.org"]
    browser_page.blocked.clear()


def test_the_live_page_follows_a_recording_by_itself_and_sets_a_bookmark(tmp_path, dashboard, browser_page):
    """What AppTest cannot show: the page refreshes on its own while the recorder writes."""
    from meetings.records import LiveLine
    from meetings.store import Store
    from tests.dashboard.conftest import PASSWORD
    from tests.dashboard.test_live_page import live_meeting

    home = tmp_path / "home"
    with Store(home) as store:
        store.add_user("olga", "observatør", PASSWORD)
        meeting_id = live_meeting(store, "anne", "olga")
    page = start_logged_in(dashboard, browser_page, home, "olga", PASSWORD)
    # The app's own navigation, once drawn (the pages live in dashboard/views/, not pages/, so
    # Streamlit draws no stand-in list of files that would run a page without the app around it).
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Live", exact=True).click()
    page.get_by_role("heading", name="Seneste linjer").wait_for(timeout=RENDER_TIMEOUT_MS)
    # The page's elements stream in after the heading: wait for the line (fails on timeout), don't look once.
    page.get_by_text("Hvordan er det gået siden sidst?").wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)

    # The recorder writes a new line; nobody touches the page.
    with Store(home) as store:
        store.add_live_line(meeting_id, LiveLine(121.0, 124.0, "Borger", "Jeg har søgt tre job i denne uge.", "borger"))
        store.live_heartbeat(meeting_id, 125.0)
    page.get_by_text("Jeg har søgt tre job i denne uge.").wait_for(timeout=10_000)

    page.get_by_role("button", name="Sæt bogmærke").click()
    page.get_by_text("Bogmærke ved").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.screenshot("dashboard-live.png")
    # On a tablet the figures wrap rather than being cut ("Borger · 5 se…").
    from tests.browser.test_trust_browser import CUT_FIGURES

    page.set_viewport_size({"width": 768, "height": 1000})
    browser_page.wait_until_settled()
    assert page.evaluate(CUT_FIGURES) == []
    browser_page.screenshot("dashboard-live-768.png")
    with Store(home) as store:
        (bookmark,) = store.get_meeting(meeting_id).bookmarks
    assert bookmark.by == "olga" and bookmark.at_s >= 125.0


def test_user_text_with_outside_images_and_links_fetches_nothing(tmp_path, dashboard, browser_page, danish_dir):
    """A title, a speaker's name, a bookmark note and a development point that hold Markdown for
    an outside image, a javascript: link and bare addresses: the meeting's pages show them as
    text, the browser asks no other host for anything (the fixture fails the test if it does)
    and no link on the page leads to javascript: or away from the dashboard."""
    from feedback.analysis import analyser
    from meetings.corrections import anchor_of
    from meetings.records import Correction
    from meetings.store import Store
    from tests.dashboard.conftest import AUDIO, PASSWORD, processed_meeting

    hostile = ("![spor](http://example.org/spor.png) [klik](javascript:alert(1)) "
               "www.example.org https://example.org/ud skriv@example.org")
    home = tmp_path / "home"
    with Store(home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        meeting_id = processed_meeting(store, danish_dir / AUDIO, f"Møde {hostile}", "anne", None)
        store.correct(meeting_id, Correction("rename", anchor=anchor_of(store.segments(meeting_id), "S2"),
                                             label=f"Borger {hostile}", role="borger"), analyser())
        store.add_bookmark(meeting_id, 5.0, by="anne", note=f"Se her {hostile}", analyse=analyser())
        store.add_development_point(meeting_id, f"Punkt {hostile}", by="anne")
    page = start_logged_in(dashboard, browser_page, home, "anne", PASSWORD)
    for link in ("Åbn mødet", "Transskription", "Sparring"):  # as a user goes: the button, then the sidebar
        if link.startswith("Åbn"):
            page.get_by_role("button", name=link).click()  # the only meeting is picked already
        else:
            page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link).click()
        # Wait for something only that page has before the next click: a click during a run is lost.
        only_there = {"Åbn mødet": page.get_by_role("heading", name="Nøgletal"),
                      "Transskription": page.get_by_label("Søg i teksten"),
                      "Sparring": page.get_by_role("heading", name="Udviklingspunkter")}[link]
        only_there.first.wait_for(timeout=RENDER_TIMEOUT_MS)
        page.get_by_role("heading", name=re.compile("spor")).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        browser_page.wait_until_settled()
        assert page.locator('img[src*="example.org"]').count() == 0
        assert page.locator('a[href^="javascript"]').count() == 0
        # A bare address may become a link (GFM finds it after the escapes), but one that opens
        # only when clicked, in a new tab that is told nothing about the page it came from.
        for link in page.locator('a[href*="example.org"]').all():
            assert link.get_attribute("target") == "_blank" and "noreferrer" in link.get_attribute("rel")
        assert "![spor](http://example.org/spor.png)" in page.inner_text("body")  # shown as typed
    # The charts' toolbar keeps fullscreen, but offers no picture download and no copy of the data.
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Mødeoverblik").click()
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    chart.hover()
    page.get_by_role("button", name="Fuld skærm").first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    for hidden in ("Download as PNG", "Copy Vega-Lite spec"):
        assert not page.get_by_role("button", name=hidden).first.is_visible()
    browser_page.screenshot("user-text-as-text.png")
    assert browser_page.blocked == []


def test_the_report_is_made_when_clicked_and_downloads(tmp_path, dashboard, browser_page, danish_dir):
    """The Sparring page's report button, clicked in the browser: the file is made at the click
    (a deferred download) and arrives with the note in it; the export is in the audit log."""
    from meetings import audit
    from meetings.store import Store
    from tests.dashboard.conftest import AUDIO, PASSWORD, processed_meeting

    home = tmp_path / "home"
    with Store(home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        meeting_id = processed_meeting(store, danish_dir / AUDIO, "Rapport i browseren", "anne", None)
        store.save_session_note(meeting_id, None, "sagsbehandler", "Jeg vil stille flere åbne spørgsmål.", by="anne")
    page = start_logged_in(dashboard, browser_page, home, "anne", PASSWORD)
    page.get_by_role("button", name="Åbn mødet").click()
    page.get_by_role("heading", name="Rapport i browseren").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Sparring").click()
    page.get_by_role("heading", name="Sparring: Rapport i browseren").wait_for(timeout=RENDER_TIMEOUT_MS)
    button = page.get_by_role("button", name="Hent rapport (HTML)")
    button.wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    with page.expect_download(timeout=RENDER_TIMEOUT_MS) as download:
        button.click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == f"sparring-{meeting_id}.html"
    assert "Rapport i browseren" in report and "Jeg vil stille flere åbne spørgsmål." in report
    with Store(home) as store:
        exported = [e.detail for e in store.audit_entries(meeting_id) if e.action == audit.EXPORTED]
    assert exported == ["format=html"]


def test_a_reload_keeps_the_login_and_the_sound_is_for_this_login_only(tmp_path, dashboard, browser_page, danish_dir):
    """F5 and a deep link keep the login (the server holds it, the cookie names it); the sound
    of a moment answers this browser only, and nothing once it has logged out."""
    from meetings import audit
    from meetings.store import Store
    from tests.dashboard.conftest import AUDIO, PASSWORD, processed_meeting

    home = tmp_path / "home"
    with Store(home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        meeting_id = processed_meeting(store, danish_dir / AUDIO, "Genindlæst møde", "anne", None)
    page = start_logged_in(dashboard, browser_page, home, "anne", PASSWORD)
    assert "HttpOnly" not in page.evaluate("document.cookie") and page.evaluate("document.cookie") == ""
    page.get_by_role("button", name="Åbn mødet").click()
    page.get_by_role("heading", name="Genindlæst møde").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    audio = page.locator("audio").first
    audio.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    sound = audio.get_attribute("src")
    assert "/medlyt/lyd/" in sound

    page.reload()
    page.get_by_role("heading", name="Nøgletal").wait_for(timeout=RENDER_TIMEOUT_MS)  # still in, same page
    assert login_form(page).count() == 0
    page.goto(f"{page.url.split('?')[0].rsplit('/', 1)[0]}/transskription?meeting={meeting_id}", wait_until="commit")
    page.get_by_label("Søg i teksten").wait_for(timeout=RENDER_TIMEOUT_MS)  # a deep link, logged in

    fetched = page.request.get(sound)
    assert fetched.status == 200 and fetched.body()[:4] == b"RIFF"
    elsewhere = page.context.browser.new_context()
    try:
        assert elsewhere.request.get(sound).status == 403  # the address, pasted into another browser
    finally:
        elsewhere.close()

    browser_page.wait_until_settled()
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Log ud").click()
    page.get_by_text("Du er logget ud.").wait_for(timeout=RENDER_TIMEOUT_MS)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()  # no empty sidebar before a login
    assert page.request.get(sound).status == 403
    browser_page.screenshot("logged-out.png")
    page.get_by_role("link", name="Log ind med brugernavn og adgangskode").click()
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)  # in the same tab
    browser_page.screenshot("login-form-1400.png", full_page=False)
    page.set_viewport_size({"width": 768, "height": 1000})
    browser_page.screenshot("login-form-768.png", full_page=False)
    with Store(home) as store:
        actions = [e.action for e in store.audit_entries() if e.user == "anne"]
    assert actions.count(audit.LOGIN) == 1 and actions[-1] == audit.LOGOUT
