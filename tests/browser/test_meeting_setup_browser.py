"""Before there is anything to show, in a real browser: Nyt møde (a meeting with consent, a
microphone each), Lyd ind (an upload with progress, bad files) and Optag her (the level, stopped
from Live; no microphone)."""

import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.pages import ACCENT_RGB, RENDER_TIMEOUT_MS, background, olga_and_annes_meeting, start_logged_in


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
    # The accent is medlyt's calm blue, not Streamlit's red: white on it reads (6.9:1).
    create = page.get_by_role("button", name="Opret mødet")
    assert background(create) == ACCENT_RGB
    create.click()
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
    from meetings.store import Store
    from tests.dashboard.conftest import PASSWORD

    monkeypatch.setenv("MEDLYT_UPLOAD_MAX_MB", "2")  # the server inherits it; ap_dan.wav is 1.2 MB
    home = tmp_path / "home"
    meeting = olga_and_annes_meeting(home, "Samtale til upload")
    page = start_logged_in(dashboard, browser_page, home, "olga", PASSWORD)
    page.get_by_role("link", name="Lyd ind").click()
    page.get_by_role("heading", name="Lyd ind").wait_for(timeout=RENDER_TIMEOUT_MS)
    widget = page.frame_locator("iframe").first
    said = widget.locator("#said")
    widget.locator("#send").wait_for(timeout=RENDER_TIMEOUT_MS)
    frame = next(f for f in page.frames if f != page.main_frame)
    # The frame writes in the page's letters (Streamlit's font from its own server) and sizes.
    fonts = frame.evaluate("async () => { await document.fonts.ready; "
                           "return [...document.fonts].map(f => f.family + ' ' + f.status); }")
    assert fonts == ["Source Sans loaded"]
    label_size = page.get_by_text("Møde", exact=True).first.evaluate("e => getComputedStyle(e).fontSize")
    expect(widget.locator("#send")).to_have_css("font-size", label_size)

    def send(path: Path, expected: str) -> None:
        widget.locator("#file").set_input_files(str(path))
        button = widget.get_by_role("button", name="Upload lyden")
        expect(button).to_have_css("background-color", ACCENT_RGB)  # enabled, in medlyt's blue
        button.click()
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


def test_recording_here_shows_the_level_and_is_stopped_from_live(tmp_path, dashboard, browser_page, danish_dir,
                                                                monkeypatch):
    """Optag her in a real browser: the microphone check and then the recorder process the
    dashboard starts play a real Danish recording at real-time pace through the microphone's
    interface (the server inherits MEDLYT_SIMULATE_MICROPHONE); the page's meter follows the
    level they write; Live stops the recording; the way onward is the transcription."""
    from capture.recorder import SIMULATED_MICROPHONE_ENV
    from meetings import audit
    from meetings.store import Store
    from tests.dashboard.conftest import PASSWORD

    monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(danish_dir / "ap_dan.wav"))
    home = tmp_path / "home"
    meeting = olga_and_annes_meeting(home, "Optaget her")
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


def test_a_meeting_with_a_microphone_each_is_not_started_on_a_mono_microphone(tmp_path, dashboard, browser_page,
                                                                             danish_dir, monkeypatch):
    """Set up with a microphone for each speaker: Lyd ind names each one's channel, and where the
    input has one channel only it says so in one Danish line and offers neither check nor start."""
    from capture.recorder import SIMULATED_MICROPHONE_ENV, too_few_channels
    from tests.dashboard.conftest import PASSWORD

    monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(danish_dir / "ap_dan.wav"))  # mono
    home = tmp_path / "home"
    olga_and_annes_meeting(home, "Reversmikrofoner", channels=(1, 2))
    page = start_logged_in(dashboard, browser_page, home, "olga", PASSWORD)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Lyd ind").click()
    page.get_by_text(too_few_channels(2, 1)).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_text("kanal 1 sagsbehandler, kanal 2 borger").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.get_by_role("button", name="Start optagelsen").is_disabled()
    assert page.get_by_role("button", name="Prøv mikrofonen (10 s)").is_disabled()
    browser_page.wait_until_settled()
    browser_page.screenshot("record-here-too-few-channels-1400.png")
    page.set_viewport_size({"width": 768, "height": 1000})
    browser_page.wait_until_settled()
    browser_page.screenshot("record-here-too-few-channels-768.png")


def test_without_a_microphone_lyd_ind_says_so_in_one_line_and_the_upload_remains(tmp_path, dashboard, browser_page,
                                                                                 monkeypatch):
    """The machine as it is: where it has no microphone (no sound system, as on the test
    machines), the page says so in one Danish line, offers no start, and the upload is there."""
    import pytest

    from capture.recorder import NO_MICROPHONE, SIMULATED_MICROPHONE_ENV, RecorderError, input_devices
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
    meeting = olga_and_annes_meeting(home, "Uden mikrofon")
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
