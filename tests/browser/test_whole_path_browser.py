"""The whole path in a real browser, as the people who use it take it: an observer from a new
meeting to the processed recording, then a leader who was invited."""

from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

from tests.browser.conftest import artifacts_dir
from tests.browser.pages import RENDER_TIMEOUT_MS, log_out_and_in, start_logged_in


def test_the_whole_path_as_an_observer_and_then_a_leader(home_with_model, dashboard, browser_page, danish_dir):
    """Nobody opens a terminal. The observer: new meeting with consent, upload the demo recording,
    transcribe it (a real worker process, the real model), name the voices, see the flags,
    correct a word. The caseworker shares it with her leader (sharing is hers alone to decide).
    The leader: opens the shared meeting, writes her note in the sparring, and downloads the
    report with the note in it. A screenshot of every step, path-NN-*.png."""
    from meetings import audit
    from meetings.store import Store
    from medlyt.cli.serve import DEMO_AUDIO
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
    expect(page.get_by_text("Næste skridt: mødet transskriberes")).to_have_count(0)  # the page is drawn anew
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
    shot("observer-who-is-who")
    for index, _voice in enumerate(voices):
        role = "Sagsbehandler" if index == 0 else "Borger"
        browser_page.wait_until_settled()
        chooser = page.locator('[data-testid="stSelectbox"]').filter(has_text="Det er").nth(index)
        chosen = chooser.locator("input").first  # the picker shows its value there
        for _attempt in range(3):  # under load a choice can land while the page is redrawn: see it taken
            chooser.click()
            page.get_by_role("option", name=role, exact=True).click()
            browser_page.wait_until_settled()
            try:
                expect(chosen).to_have_value(role, timeout=5_000)
                break
            except AssertionError:
                continue
        expect(chosen).to_have_value(role, timeout=5_000)
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
