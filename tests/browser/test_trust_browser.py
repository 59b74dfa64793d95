"""Issue 20 in a real browser, at 1400 px and at 768 px (a tablet): every page in Danish (no
English UI string, lang="da"), key figures not cut off, side-by-side parts reflowing on the
tablet, a meeting that cannot be shown saying why, and a reload that keeps the page.
Screenshots of each page at both widths land in test-artifacts/ (trust-<page>-<width>.png)."""

import re

import pytest

from tests.browser.pages import RENDER_TIMEOUT_MS, start_logged_in

# Streamlit's own English words that the page must not show (text, placeholders, labels).
ENGLISH = ["Skip to main content", "Choose an option", "Choose options", "Page not found", "Press Enter",
           "Running...", "No results", "Fullscreen", "Show data", "Made with Streamlit", "Deploy",
           "You have requested page", "Clear all", "Help for", "Collapse sidebar", "Expand sidebar", "Please wait"]
ENGLISH_ON_PAGE = """(words) => {
    const found = [];
    const text = document.body.innerText;
    for (const w of words) if (text.includes(w)) found.push("text: " + w);
    for (const e of document.querySelectorAll("[placeholder], [aria-label], [title]")) {
        for (const name of ["placeholder", "aria-label", "title"]) {
            const value = e.getAttribute(name) || "";
            for (const w of words) if (value.includes(w)) found.push(name + ": " + value);
            if (value === "Open") found.push(name + ": " + value);  // a dropdown's arrow: a word too short to search for
        }
    }
    return found;
}"""
# Key figures, and the words on buttons: none cut off ("3,4 /…", "Sæt bogm…").
CUT_FIGURES = """() => [...document.querySelectorAll(
        '[data-testid="stMetricValue"], [data-testid="stMetricLabel"], [data-testid^="stBaseButton"] p')]
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > 0; })  // shown, not folded away
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.innerText.includes("…"))
    .map(e => e.innerText)"""
# Pickers showing their choice cut off ("7 · 00:12 · Sagsbehandler: Ellers kan det give en sankt"),
# and data grids running past the page's edge (a grid wider than its columns scrolls inside itself).
CUT_PICKERS_AND_TABLES = """() => {
    const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > 0; };
    const main = document.querySelector('[data-testid="stMain"]').getBoundingClientRect();
    return [
        ...[...document.querySelectorAll('[data-testid="stSelectbox"] input')].filter(shown)
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => "picker: " + e.value),
        ...[...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(shown)
            .filter(e => e.getBoundingClientRect().right > main.right + 1).map(e => "grid: " + e.innerText.slice(0, 40)),
    ];
}"""


def check_danish(browser_page, name: str) -> None:
    """No English UI string, lang="da", no key figure cut; then the screenshot."""
    page = browser_page.page
    browser_page.wait_until_settled()
    assert page.evaluate("document.documentElement.lang") == "da"
    assert page.evaluate(ENGLISH_ON_PAGE, ENGLISH) == [], name
    assert page.evaluate(CUT_FIGURES) == [], name
    assert page.evaluate(CUT_PICKERS_AND_TABLES) == [], name
    if page.viewport_size["width"] < 1000:  # on a tablet the page has the whole width, no sidebar beside it
        main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        assert main["width"] > 0.8 * page.viewport_size["width"], name
    browser_page.screenshot(f"trust-{name}-{page.viewport_size['width']}.png")


def go(page, link: str, only_there):
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link).click()
    only_there.first.wait_for(timeout=RENDER_TIMEOUT_MS)


@pytest.mark.parametrize("width", [1400, 768])
def test_every_page_is_danish_readable_and_reflows(trust_home, dashboard, browser_page, width):
    page = start_logged_in(dashboard, browser_page, trust_home["home"], "anne", trust_home["password"])
    page.set_viewport_size({"width": width, "height": 1000})
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.get_by_text("Gå til hovedindholdet", exact=True).count() == 1  # Streamlit's skip link, in Danish
    check_danish(browser_page, "moeder")

    # The picker opens on the meeting that can be shown, not the one still waiting for consent.
    page.get_by_role("button", name="Åbn mødet").click()
    page.get_by_role("heading", name="Nøgletal").wait_for(timeout=RENDER_TIMEOUT_MS)
    check_danish(browser_page, "overblik")
    if width == 768:  # the two charts one under the other, each at full width
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        first, second = charts.nth(0).bounding_box(), charts.nth(1).bounding_box()
        assert second["y"] > first["y"] + first["height"] - 5 and second["width"] > 0.8 * first["width"]

    page.reload()  # F5 keeps the page and the meeting
    page.get_by_role("heading", name="Nøgletal").wait_for(timeout=RENDER_TIMEOUT_MS)

    # On a tablet the sidebar is folded away: open it to navigate, as a user taps the menu.
    def nav(link, only_there):
        if width == 768 and not page.locator('[data-testid="stSidebarNav"]').is_visible():
            page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.click()
        go(page, link, only_there)
        if width == 768:  # choosing a page folds the sidebar away again (dashboard/tablet.js), in its own time
            page.locator('[data-testid="stSidebarNav"]').wait_for(state="hidden", timeout=RENDER_TIMEOUT_MS)

    nav("Transskription", page.get_by_label("Søg i teksten"))
    browser_page.wait_until_settled()
    # The longest line chosen (by a click on it), so the picker shows the longest choice.
    page.locator(".st-key-transcript-lines p").filter(has_text="Jeg har faktisk erfaring").click()
    page.locator(".st-key-transcript-lines p").filter(has_text="▶ 00:18").wait_for(timeout=RENDER_TIMEOUT_MS)
    check_danish(browser_page, "transskription")
    # The transcript box holds many lines, not four: at least 400 px high, all eight lines of this meeting in view.
    box = page.locator(".st-key-transcript-lines")
    assert box.bounding_box()["height"] >= 400
    assert box.evaluate("""b => { const top = b.getBoundingClientRect().top, bottom = b.getBoundingClientRect().bottom;
        return [...b.querySelectorAll('[data-testid="stMarkdownContainer"] p')]
            .filter(p => { const r = p.getBoundingClientRect(); return r.top >= top && r.bottom <= bottom; }).length; }""") >= 8
    if width == 768:  # the transcript at full width, not squeezed beside the corrections
        lines = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Ikke endnu.").last
        main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        assert lines.bounding_box()["width"] > 0.8 * main["width"]

    nav("Sparring", page.get_by_role("heading", name="Udviklingspunkter"))
    check_danish(browser_page, "sparring")
    nav("Udvikling", page.get_by_role("heading", name="Udvikling"))
    check_danish(browser_page, "udvikling")
    nav("Live", page.get_by_text("Ingen optagelse er i gang"))
    check_danish(browser_page, "live")

    # A meeting that cannot be shown yet says why, in the user's words, never a command.
    page.goto(f"{page.url.split('?')[0].rsplit('/', 1)[0]}/overblik?meeting={trust_home['waiting']}",
              wait_until="commit")
    page.get_by_text("Sagsbehandler og Borger har ikke givet samtykke til optagelse endnu.").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert not re.search(r"medlyt \w+|Kør:", page.inner_text("body"))
    check_danish(browser_page, "mangler-samtykke")


@pytest.mark.parametrize("width", [1400, 768])
def test_one_voice_where_two_speak_warns_beside_the_balance(trust_home, dashboard, browser_page, width):
    """The attribution could not tell the voices apart: the warning stands under the balance,
    readable whole at both widths (screenshots trust-en-stemme-<width>.png)."""
    page = start_logged_in(dashboard, browser_page, trust_home["home"], "anne", trust_home["password"])
    page.set_viewport_size({"width": width, "height": 1000})
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.goto(f"{page.url.split('?')[0].rsplit('/', 1)[0]}/overblik?meeting={trust_home['one_voice']}",
              wait_until="commit")
    warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="Der er kun fundet én stemme")
    warning.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert "fordelingen mellem deltagerne kan ikke læses her" in warning.inner_text()
    assert warning.bounding_box()["width"] > 200
    check_danish(browser_page, "en-stemme")


def test_an_unknown_address_says_so_in_danish(trust_home, dashboard, browser_page):
    page = start_logged_in(dashboard, browser_page, trust_home["home"], "anne", trust_home["password"])
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.goto(f"{page.url.split('?')[0].rsplit('/', 1)[0]}/findes-ikke", wait_until="commit")
    page.get_by_text("Siden findes ikke", exact=True).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    check_danish(browser_page, "side-findes-ikke")


def test_a_row_opens_its_meeting_and_a_note_typed_then_next_is_not_lost(trust_home, dashboard, browser_page):
    """Issue 20, points 6 and 2 as a user does them: click a meeting's row in the list; in
    Sparring type a note, step to the next moment and back without saving: it is still there."""
    from meetings.store import Store

    meeting_id = trust_home["ready"]
    with Store(trust_home["home"]) as store:
        flags = store.analysis(meeting_id).flags
        for flag in flags[:2]:
            store.review_flag(meeting_id, flag, "drøftet", "Lyt til starten sammen.", by="olga")
    page = start_logged_in(dashboard, browser_page, trust_home["home"], "anne", trust_home["password"])
    table = page.locator('[data-testid="stDataFrame"]')

    def click_row(title: str) -> None:
        # The grid is drawn on a canvas; its accessible cells name their row ("glide-cell-COL-ROW").
        # Click that row's selection box, the grid's first column (rows and header are 35 px high).
        cell = table.locator('[role="gridcell"]', has_text=title).first
        cell.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
        browser_page.wait_until_settled()
        row = int(cell.get_attribute("id").rsplit("-", 1)[1])
        grid = table.bounding_box()
        page.mouse.click(grid["x"] + 16, grid["y"] + 35 * (row + 1) + 17)

    # A meeting with nothing to show yet stays on the list, chosen, its status said below.
    click_row("Venter på samtykke")
    page.get_by_text("har ikke givet samtykke til optagelse endnu", exact=False).wait_for(timeout=RENDER_TIMEOUT_MS)
    chosen = page.locator('[data-testid="stSelectbox"]').first.locator("input").first  # the picker shows it
    assert "Venter på samtykke" in (chosen.input_value() + " " + (chosen.get_attribute("aria-label") or ""))
    click_row("Opfølgning i browseren")
    page.get_by_role("heading", name="Nøgletal").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert f"meeting={meeting_id}" in page.url

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Sparring").click()
    page.get_by_role("heading", name="Øjeblik 1 af 2").wait_for(timeout=RENDER_TIMEOUT_MS)
    # The preparation note followed the moment (the page may still be drawing below the heading).
    page.get_by_text("Lyt til starten sammen.").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    mine = page.get_by_label("Sagsbehandlerens note").first
    mine.fill("Her spurgte jeg for lukket.")
    page.get_by_role("button", name="Næste").click()  # no "Gem" first
    page.get_by_role("heading", name="Øjeblik 2 af 2").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    page.get_by_role("button", name="Forrige").click()
    page.get_by_role("heading", name="Øjeblik 1 af 2").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    assert page.get_by_label("Sagsbehandlerens note").first.input_value() == "Her spurgte jeg for lukket."
    assert page.get_by_text("Kladde: ikke gemt endnu", exact=False).count() >= 1
    browser_page.screenshot(f"trust-kladde-{page.viewport_size['width']}.png")


def test_a_reload_with_a_draft_note_asks_first(trust_home, dashboard, browser_page):
    """Point 2: a draft lives in the login's session; a reload or closing the tab would lose it,
    so the browser asks before leaving the page while one is there."""
    from meetings.store import Store

    meeting_id = trust_home["ready"]
    with Store(trust_home["home"]) as store:
        store.review_flag(meeting_id, store.analysis(meeting_id).flags[0], "drøftet", by="olga")
    page = start_logged_in(dashboard, browser_page, trust_home["home"], "anne", trust_home["password"])
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.goto(f"{page.url.split('?')[0].rsplit('/', 1)[0]}/sparring?meeting={meeting_id}", wait_until="commit")
    page.get_by_role("heading", name="Øjeblik 1 af 1").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    page.get_by_label("Sagsbehandlerens note").first.fill("Ikke gemt endnu")
    page.get_by_role("heading", name="Noter til hele sessionen").click()  # away from the box: the draft is kept
    page.get_by_text("Kladde: ikke gemt endnu", exact=False).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.evaluate("() => { location.reload(); }")  # as F5 does (page.reload would wait for the load)
    page.wait_for_timeout(1_000)
    assert asked == ["beforeunload"]
    assert page.get_by_label("Sagsbehandlerens note").first.input_value() == "Ikke gemt endnu"


def test_a_click_on_a_transcript_line_plays_it(trust_home, dashboard, browser_page):
    """Point 12: a click on a line (not only the picker) plays that line from its start; by
    keyboard, the arrow keys move between the lines and Enter plays the one in focus."""
    page = start_logged_in(dashboard, browser_page, trust_home["home"], "anne", trust_home["password"])
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.goto(f"{page.url.split('?')[0].rsplit('/', 1)[0]}/transskription?meeting={trust_home['ready']}",
              wait_until="commit")
    lines = page.locator('.st-key-transcript-lines [data-testid="stMarkdownContainer"] p')
    line = lines.filter(has_text="Ellers kan det give en sanktion")
    line.wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    assert line.get_attribute("role") == "button"  # announced as something to press
    assert page.evaluate("() => document.querySelector('audio').paused")  # nothing plays by itself

    line.click()
    page.wait_for_function("() => { const a = document.querySelector('audio'); "
                           "return a && a.autoplay && !a.paused && a.currentTime > 0; }", timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    assert line.inner_text().startswith("▶")  # the clicked line is the chosen one
    picker = page.locator('[data-testid="stSelectbox"]').first

    def picked() -> str:  # the line the picker shows as chosen
        box = picker.locator("input").first
        return box.input_value() + " " + (box.get_attribute("aria-label") or "") + " " + picker.inner_text()

    assert "00:12" in picked()
    assert page.evaluate("() => document.querySelector('audio').currentTime") >= 0.9  # from the line's start
    browser_page.screenshot(f"trust-linje-klikket-{page.viewport_size['width']}.png")

    # Keyboard: one Tab stop for the lines (the chosen one); arrow up, Enter plays the line before.
    assert lines.evaluate_all("ps => ps.filter(p => p.tabIndex === 0).length") == 1
    line.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    lines.filter(has_text="Ja.").filter(has_text="▶").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    assert "00:11" in picked()
