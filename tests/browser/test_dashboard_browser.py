"""The dashboard in a real browser: log in, the demo meeting is listed, opens, and shows who spoke."""

import re
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import artifacts_dir

DEMO_TITLE = "Demomøde: oplæst dansk tale"
SPEAKER_LINE = re.compile(r"^(Sagsbehandler|Borger):$")  # the bold label in front of a transcript line
RENDER_TIMEOUT_MS = 30_000


def meeting_list(page):
    """The meeting table (a canvas; its accessible grid cells carry the text)."""
    return page.locator('[data-testid="stDataFrame"]').filter(
        has=page.locator('[role="gridcell"]', has_text=DEMO_TITLE))


def login_form(page):
    """medlyt's own login page (dashboard.server), where the server sends a browser without a login."""
    return page.locator("form").filter(has=page.get_by_label("Brugernavn"))


def log_in(page, user: str, password: str) -> None:
    form = login_form(page)
    form.get_by_label("Brugernavn").fill(user)
    form.get_by_label("Adgangskode").fill(password)
    form.get_by_role("button", name="Log ind").click()


def start_logged_in(dashboard, browser_page, home, user: str, password: str):
    """`medlyt dashboard` on `home`, its login page opened and `user` logged in; the page."""
    server = dashboard(home)
    page = browser_page.page
    page.goto(server.url, wait_until="commit")
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    log_in(page, user, password)
    return page


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


def test_an_observer_sets_up_a_meeting_with_consent_in_the_browser(tmp_path, dashboard, browser_page):
    """Nyt møde as a person clicks it: title, the caseworker, a microphone each on its channel,
    both consents, create; the meeting is in the store with both consents, registered in the
    observer's name, and each speaker's channel."""
    from meetings.store import Store
    from tests.dashboard.conftest import PASSWORD

    home = tmp_path / "home"
    with Store(home) as store:
        store.add_user("olga", "observatør", PASSWORD)
        store.add_user("anne", "sagsbehandler", PASSWORD)
    page = start_logged_in(dashboard, browser_page, home, "olga", PASSWORD)
    page.get_by_role("link", name="Nyt møde").click()
    page.get_by_role("heading", name="Nyt møde").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_role("textbox", name="Titel").fill("Opfølgningssamtale")
    page.get_by_role("textbox", name="Titel").press("Enter")
    for who in ("sagsbehandler", "borger"):
        group = page.get_by_role("radiogroup", name=f"Samtykke fra {who}")
        group.get_by_text("Ja, mundtligt").click()
    page.get_by_role("radiogroup", name="Hvordan optages samtalen?").get_by_text(
        "En mikrofon til hver, der taler").click()
    page.get_by_role("spinbutton", name="Kanal for borger").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.get_by_role("spinbutton", name="Kanal for sagsbehandler").input_value() == "1"
    assert page.get_by_role("spinbutton", name="Kanal for borger").input_value() == "2"
    browser_page.screenshot("new-meeting-1400.png")
    page.get_by_role("button", name="Opret mødet").click()
    page.get_by_text("Mødet er oprettet").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_text("Optag med 2 kanaler: kanal 1 sagsbehandler, kanal 2 borger.").wait_for(timeout=RENDER_TIMEOUT_MS)
    # The form is empty again, in the browser too: no consent shown that a next meeting has not got.
    for who in ("sagsbehandler", "borger"):
        group = page.get_by_role("radiogroup", name=f"Samtykke fra {who}")
        assert group.get_by_role("radio", name="Ikke endnu").is_checked()
    assert page.get_by_role("radio", name="Én mikrofon til alle").is_checked()
    assert page.get_by_role("textbox", name="Titel").input_value() == ""
    page.set_viewport_size({"width": 768, "height": 1000})
    browser_page.screenshot("new-meeting-768.png")
    with Store(home) as store:
        (meeting,) = store.list_meetings()
        given = [e.user for e in store.audit_entries(meeting.id) if e.action == "consent_given"]
    assert meeting.caseworker == "anne" and meeting.recorded_by == "olga" and not meeting.missing_consent
    assert given == ["olga", "olga"]
    assert {p.role: p.channel for p in meeting.speaking_participants} == {"sagsbehandler": 1, "borger": 2}


def test_a_recording_is_uploaded_with_progress_and_bad_files_leave_nothing(tmp_path, dashboard, browser_page,
                                                                           danish_dir, monkeypatch):
    """Lyd ind in a real browser: the file goes over HTTP in chunks to the server's own address;
    a text file named .wav, an empty file and one above the limit each get one Danish line and
    leave nothing; the address answers this login only; the real recording is stored sealed."""
    import http.client
    from urllib.parse import urlsplit

    from meetings import audit
    from meetings.records import Consent, Participant, now_iso
    from meetings.store import Store
    from tests.dashboard.conftest import PASSWORD

    monkeypatch.setenv("MEDLYT_UPLOAD_MAX_MB", "2")  # the server inherits it; ap_dan.wav is 1.2 MB
    home = tmp_path / "home"
    consent = Consent(True, "verbal", now_iso())
    with Store(home) as store:
        store.add_user("olga", "observatør", PASSWORD)
        store.add_user("anne", "sagsbehandler", PASSWORD)
        meeting = store.create_meeting("Samtale til upload", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger", consent=consent)], recorded_by="olga")
    page = start_logged_in(dashboard, browser_page, home, "olga", PASSWORD)
    page.get_by_role("link", name="Lyd ind").click()
    page.get_by_role("heading", name="Lyd ind").wait_for(timeout=RENDER_TIMEOUT_MS)
    widget = page.frame_locator("iframe").first
    said = widget.locator("#said")

    def send(path: Path, expected: str) -> None:
        widget.locator("#file").set_input_files(str(path))
        widget.get_by_role("button", name="Upload lyden").click()
        said.filter(has_text=expected).wait_for(timeout=60_000)

    not_sound = tmp_path / "noter.wav"
    not_sound.write_text("Dette er ikke lyd.\n" * 50)
    send(not_sound, "Intet er gemt")
    empty = tmp_path / "tom.wav"
    empty.write_bytes(b"")
    send(empty, "Filen er tom")
    too_large = tmp_path / "stor.wav"
    too_large.write_bytes(bytes(3 * 1024 * 1024))
    send(too_large, "Filen er for stor: højst 2 MB")  # said before a byte is sent

    # Past the page's own check, the server refuses it too, and the address is this login's only.
    frame = next(f for f in page.frames if f != page.main_frame)
    address = frame.evaluate("address")
    status = frame.evaluate("""async (address) => (await fetch(address, {method: "POST",
        body: new Blob([new Uint8Array(3 * 1024 * 1024)])})).status""", address)
    assert status == 413
    parts = urlsplit(address)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", parts.path, body=(danish_dir / "ap_dan.wav").read_bytes())  # no cookie
    assert conn.getresponse().status == 403
    conn.close()
    with Store(home) as store:
        assert store.get_meeting(meeting.id).audio is None
        assert not list((home / "audio").iterdir())

    widget.locator("#file").set_input_files(str(danish_dir / "ap_dan.wav"))
    browser_page.screenshot("upload-chosen-1400.png")
    widget.get_by_role("button", name="Upload lyden").click()
    page.get_by_text("er gemt og krypteret (0 min. 37 s)").wait_for(timeout=60_000)  # the page, back once stored
    page.set_viewport_size({"width": 768, "height": 1000})
    browser_page.screenshot("upload-done-768.png")
    with Store(home) as store:
        stored = store.get_meeting(meeting.id)
        attached = [e for e in store.audit_entries(meeting.id) if e.action == audit.AUDIO_ATTACHED]
    assert stored.status == "recorded" and stored.audio.source_name == "ap_dan.wav"
    assert abs(stored.audio.duration_s - 37.0) < 1.5
    assert [e.user for e in attached] == ["olga"]


def log_out_and_in(page, user: str, password: str) -> None:
    """Log out with the sidebar's button and log in as `user` in the same tab, as on a shared PC."""
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Log ud").click()
    page.get_by_role("link", name="Log ind med brugernavn og adgangskode").click()
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    log_in(page, user, password)
    page.locator('[data-testid="stSidebar"]').get_by_text(user, exact=True).wait_for(timeout=RENDER_TIMEOUT_MS)


def test_the_whole_path_as_an_observer_and_then_a_leader(home_with_model, dashboard, browser_page, danish_dir):
    """Nobody opens a terminal. The observer: new meeting with consent, upload the demo recording,
    transcribe it (a real worker process, the real model), name the voices, see the flags,
    correct a word. The caseworker shares it with her leader (sharing is hers alone to decide).
    The leader: opens the shared meeting, writes her note in the sparring, and downloads the
    report with the note in it. A screenshot of every step, path-NN-*.png."""
    from meetings import audit
    from meetings.store import Store
    from medlyt.cli import DEMO_AUDIO
    from tests.dashboard.conftest import PASSWORD

    step = iter(range(1, 100))

    def shot(name: str) -> Path:
        browser_page.wait_until_settled()
        return browser_page.screenshot(f"path-{next(step):02d}-{name}.png")

    with Store(home_with_model) as store:
        store.add_user("olga", "observatør", PASSWORD)
        store.add_user("anne", "sagsbehandler", PASSWORD)
        store.add_user("lis", "leder", PASSWORD)
    page = start_logged_in(dashboard, browser_page, home_with_model, "olga", PASSWORD)
    sidebar = page.locator('[data-testid="stSidebarNav"]')
    page.get_by_role("link", name="Nyt møde").click()
    page.get_by_role("textbox", name="Titel").fill("Hele vejen")
    page.get_by_role("textbox", name="Titel").press("Enter")
    for who in ("sagsbehandler", "borger"):
        page.get_by_role("radiogroup", name=f"Samtykke fra {who}").get_by_text("Ja, mundtligt").click()
    page.get_by_role("button", name="Opret mødet").click()
    page.get_by_text("Mødet er oprettet").wait_for(timeout=RENDER_TIMEOUT_MS)
    shot("observer-new-meeting")

    page.get_by_role("link", name="Lyd ind").last.click()
    page.get_by_role("heading", name="Lyd ind").wait_for(timeout=RENDER_TIMEOUT_MS)
    widget = page.frame_locator("iframe").first
    widget.locator("#file").set_input_files(str(DEMO_AUDIO))  # a mock caseworker–citizen exchange, read Danish
    widget.get_by_role("button", name="Upload lyden").click()
    page.get_by_text("er gemt og krypteret").wait_for(timeout=60_000)
    shot("observer-uploaded")

    page.get_by_role("button", name="Transskribér mødet nu").click()
    page.get_by_text("Behandlingen er færdig").wait_for(timeout=180_000)
    shot("observer-transcribed")
    page.get_by_role("link", name="Til mødeoverblikket").click()
    page.get_by_text("Taletid").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    shot("observer-overview-before-names")
    with Store(home_with_model) as store:
        (meeting,) = store.list_meetings()
        job = store.latest_job(meeting.id)
        voices = store.speakers(meeting.id)
    assert meeting.status == "processed" and job.state == "done" and job.queued_by == "olga"

    # Who is who: the first voice is the caseworker, every other one the citizen.
    page.get_by_role("link", name="Gå til Hvem er hvem").click()
    page.get_by_role("heading", name="Hvem er hvem: Hele vejen").wait_for(timeout=RENDER_TIMEOUT_MS)
    for index, _voice in enumerate(voices):
        role = "Sagsbehandler" if index == 0 else "Borger"
        browser_page.wait_until_settled()
        chooser = page.locator('[data-testid="stSelectbox"]').filter(has_text="Det er").nth(index)
        chosen = chooser.locator("input").first  # the picker shows its value there

        def shows_role() -> bool:
            return role in chosen.input_value() + " " + (chosen.get_attribute("aria-label") or "")

        for _attempt in range(3):  # under load a choice can land while the page is redrawn: see it taken
            chooser.click()
            page.get_by_role("option", name=role, exact=True).click()
            browser_page.wait_until_settled()
            if shows_role():
                break
        assert shows_role()
        saved = page.get_by_text(f"Stemmen er nu {role.lower()}")
        for _attempt in range(3):  # a CI run saw a press land while the page redrew, and be lost: press again
            page.get_by_role("button", name="Gem", exact=True).nth(index).click()
            try:
                saved.wait_for(timeout=RENDER_TIMEOUT_MS // 3)
                break
            except PlaywrightTimeout:
                browser_page.wait_until_settled()
        saved.wait_for(timeout=RENDER_TIMEOUT_MS)
    shot("observer-voices-named")
    sidebar.get_by_role("link", name="Mødeoverblik").click()
    page.get_by_role("heading", name="Markerede øjeblikke").wait_for(timeout=RENDER_TIMEOUT_MS)
    shot("observer-flags")

    # Correct a word in the first line.
    sidebar.get_by_role("link", name="Transskription").click()
    page.get_by_role("heading", name="Ret teksten").wait_for(timeout=RENDER_TIMEOUT_MS)
    text = page.get_by_role("textbox", name="Linjens tekst")
    first_word, rest = text.input_value().split(" ", 1)
    corrected = f"Rettet {rest}"
    text.fill(corrected)
    text.press("Control+Enter")  # Streamlit takes a text area's value on Ctrl+Enter or when it loses focus
    browser_page.wait_until_settled()
    page.get_by_role("button", name="Gem teksten").click()
    page.get_by_text("Teksten er rettet.").wait_for(timeout=RENDER_TIMEOUT_MS)
    shot("observer-word-corrected")
    with Store(home_with_model) as store:
        named = {v.role for v in store.speakers(meeting.id)}
        lines = [s.text.strip() for s in store.segments(meeting.id, words=False)]
        flags = store.analysis(meeting.id).flags
    assert named == ({"sagsbehandler", "borger"} if len(voices) > 1 else {"sagsbehandler"})
    assert corrected in lines and first_word != "Rettet"
    print(f"\n{len(voices)} voices named, {len(flags)} flags after naming")

    log_out_and_in(page, "anne", PASSWORD)
    page.get_by_text("Deling (ikke delt)").click()
    page.get_by_text("Jeg vil give lederen adgang").click()
    page.get_by_role("button", name="Del mødet").click()
    page.get_by_text("Deling (delt med lis)").wait_for(timeout=RENDER_TIMEOUT_MS)
    shot("caseworker-shares-with-leader")

    log_out_and_in(page, "lis", PASSWORD)
    page.get_by_role("button", name="Åbn mødet").click()
    page.get_by_role("heading", name="Hele vejen").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_text("Taletid").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    shot("leader-opens-the-meeting")

    sidebar.get_by_role("link", name="Sparring").click()
    page.get_by_role("heading", name="Sparring: Hele vejen").wait_for(timeout=RENDER_TIMEOUT_MS)
    session_notes = page.locator(f".st-key-reflow-notes-{meeting.id}-session")
    note = "Fin struktur i samtalen; næste gang flere åbne spørgsmål."
    session_notes.get_by_role("textbox", name="Lederens note").fill(note)
    session_notes.get_by_role("button", name="Gem min note").click()
    page.get_by_text("Din note er gemt.").wait_for(timeout=RENDER_TIMEOUT_MS)
    shot("leader-note")

    button = page.get_by_role("button", name="Hent rapport (HTML)")
    with page.expect_download(timeout=RENDER_TIMEOUT_MS) as download:
        button.click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == f"sparring-{meeting.id}.html"
    assert "Hele vejen" in report and note in report
    # The report as the leader opens it: in the same guarded browser, so it may fetch nothing.
    opened = page.context.new_page()
    try:
        opened.set_content(report)
        picture = artifacts_dir() / f"path-{next(step):02d}-leader-report.png"
        opened.screenshot(path=str(picture), full_page=True)
    finally:
        opened.close()
    with Store(home_with_model) as store:
        (saved,) = store.session_notes(meeting.id).values()
        exported = [(e.user, e.detail) for e in store.audit_entries(meeting.id) if e.action == audit.EXPORTED]
        shared = [e.user for e in store.audit_entries(meeting.id) if e.action == audit.SHARED]
    assert (saved.text, saved.by) == (note, "lis")
    assert exported == [("lis", "format=html")] and shared == ["anne"]


def test_recording_here_shows_the_level_and_is_stopped_from_live(tmp_path, dashboard, browser_page, danish_dir,
                                                                monkeypatch):
    """Optag her in a real browser: the microphone check and then the recorder process the
    dashboard starts play a real Danish recording at real-time pace through the microphone's
    interface (the server inherits MEDLYT_SIMULATE_MICROPHONE); the page's meter follows the
    level they write; Live stops the recording; the way onward is the transcription."""
    from capture.recorder import SIMULATED_MICROPHONE_ENV
    from meetings import audit
    from meetings.records import Consent, Participant, now_iso
    from meetings.store import Store
    from tests.dashboard.conftest import PASSWORD

    monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(danish_dir / "ap_dan.wav"))
    home = tmp_path / "home"
    consent = Consent(True, "verbal", now_iso())
    with Store(home) as store:
        store.add_user("olga", "observatør", PASSWORD)
        store.add_user("anne", "sagsbehandler", PASSWORD)
        meeting = store.create_meeting("Optaget her", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger", consent=consent)], recorded_by="olga")
    page = start_logged_in(dashboard, browser_page, home, "olga", PASSWORD)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Lyd ind").click()
    page.get_by_role("heading", name="Eller optag her").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_role("button", name="Start optagelsen").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    browser_page.screenshot("record-here-1-choose.png")
    page.get_by_role("button", name="Prøv mikrofonen (10 s)").click()
    page.get_by_text(re.compile(r"Prøve · lydniveau")).wait_for(timeout=RENDER_TIMEOUT_MS)
    time.sleep(1.0)
    browser_page.screenshot("record-here-2-check.png", full_page=False)
    page.get_by_role("button", name="Start optagelsen").click()
    page.get_by_text(re.compile(r"Optager · 00:0[3-9] · lydniveau")).wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.screenshot("record-here-3-level.png", full_page=False)

    page.get_by_role("link", name="Følg og stop optagelsen på Live").click()
    page.get_by_role("button", name="Stop optagelsen ...").click()
    page.get_by_role("button", name="Ja, stop optagelsen").click()
    page.get_by_text("Optagelsen er stoppet efter").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    browser_page.screenshot("record-here-4-stopped-on-live.png")
    page.get_by_role("link", name="Til transskriptionen").click()
    page.get_by_role("button", name="Transskribér mødet nu").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    browser_page.screenshot("record-here-5-to-transcription.png")
    with Store(home) as store:
        stored = store.get_meeting(meeting.id)
        started = [e.user for e in store.audit_entries(meeting.id) if e.action == audit.RECORDING_STARTED]
    assert stored.status == "recorded" and 3.0 < stored.audio.duration_s < 37.0
    assert started == ["olga"]


def test_without_a_microphone_lyd_ind_says_so_in_one_line_and_the_upload_remains(tmp_path, dashboard, browser_page,
                                                                                 monkeypatch):
    """The machine as it is: where it has no microphone (no sound system, as on the test
    machines), the page says so in one Danish line, offers no start, and the upload is there."""
    import pytest

    from capture.recorder import NO_MICROPHONE, SIMULATED_MICROPHONE_ENV, RecorderError, input_devices
    from meetings.records import Consent, Participant, now_iso
    from meetings.store import Store
    from tests.dashboard.conftest import PASSWORD

    monkeypatch.delenv(SIMULATED_MICROPHONE_ENV, raising=False)
    try:
        devices = input_devices()
    except RecorderError:
        devices = []
    if devices:
        pytest.skip(f"this machine has a microphone ({devices[0].label}); the AppTest covers none")
    home = tmp_path / "home"
    consent = Consent(True, "verbal", now_iso())
    with Store(home) as store:
        store.add_user("olga", "observatør", PASSWORD)
        store.add_user("anne", "sagsbehandler", PASSWORD)
        meeting = store.create_meeting("Uden mikrofon", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger", consent=consent)], recorded_by="olga")
    page = start_logged_in(dashboard, browser_page, home, "olga", PASSWORD)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Lyd ind").click()
    page.get_by_text(NO_MICROPHONE).wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    browser_page.screenshot("record-here-no-microphone.png")
    assert page.get_by_role("button", name="Start optagelsen").count() == 0
    assert page.frame_locator("iframe").first.get_by_role("button", name="Upload lyden").is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in page.content()
    with Store(home) as store:
        assert store.get_meeting(meeting.id).audio is None and store.recording_now() == []
