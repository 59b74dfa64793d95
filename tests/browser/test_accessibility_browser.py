"""Issue 20, point 13: WCAG 2.1 AA in a real browser. axe-core (from the npm registry, pinned with
its integrity hash in tests/browser/axe/package-lock.json and installed by `make axe`, never
fetched here) is injected into every page of the dashboard: no serious or critical violation on
any of them. And the sparring flow by keyboard alone: Tab, Enter and Space, no mouse."""

import json
from pathlib import Path

import pytest

from tests.browser.pages import ACCENT_RGB, RENDER_TIMEOUT_MS, background, log_in, login_form

AXE = Path(__file__).with_name("axe") / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.0 and 2.1, levels A and AA; what axe calls best practice is not asked for.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary.replace(/\\s+/g, " "))}));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} mangler: kør `make axe` (npm ci efter tests/browser/axe/package-lock.json)")
    return AXE.read_text()


def violations(browser_page, axe_source: str, streamlit: bool = True) -> list[dict]:
    """axe's serious and critical WCAG 2.1 A/AA violations on the page as it is now drawn (a
    Streamlit page once it has settled; medlyt's own login page as it is)."""
    page = browser_page.page
    if streamlit:
        browser_page.wait_until_settled()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    return [v for v in page.evaluate(RUN_AXE, WCAG_AA) if v["impact"] in BLOCKING]


def test_every_page_has_no_serious_wcag_violation(trust_home, dashboard, browser_page, axe_source):  # noqa: F811
    """Each page at 1400 px and again at 768 px (a tablet: other layout, other contrasts)."""
    from meetings.store import Store

    meeting = trust_home["ready"]
    with Store(trust_home["home"]) as store:  # moments taken along, so Sparring shows its stepper
        for flag in store.analysis(meeting).flags[:2]:
            store.review_flag(meeting, flag, "drøftet", "Lyt til starten sammen.", by="olga")
    server = dashboard(trust_home["home"])
    page = browser_page.page
    found: dict[str, list] = {}

    def check(name: str, streamlit: bool = True) -> None:
        for width in (1400, 768):
            page.set_viewport_size({"width": width, "height": 1000})
            found[f"{name} ({width} px)"] = violations(browser_page, axe_source, streamlit)
        page.set_viewport_size({"width": 1400, "height": 1000})

    page.goto(server.url, wait_until="commit")
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    check("log ind", streamlit=False)
    assert background(login_form(page).get_by_role("button", name="Log ind")) == ACCENT_RGB
    # In the app's letters: Streamlit's font, from its server before anyone is logged in.
    assert page.evaluate("async () => { await document.fonts.ready; "
                         "return [...document.fonts].map(f => f.family + ' ' + f.status); }") == ["Source Sans loaded"]
    log_in(page, "anne", trust_home["password"])
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    check("moeder")

    query = f"?meeting={meeting}"
    pages = [("nyt-moede", "", "Nyt møde"), ("samtykke", "", "Samtykke"), ("lyd-ind", "", "Lyd ind"),
             ("live", "", "Live"), ("overblik", query, "Nøgletal"),
             ("hvem-er-hvem", query, "Hvem er hvem: Opfølgning i browseren"),
             ("transskription", query, "Taletid"), ("sparring", query, "Øjeblik 1 af 2"),
             ("udvikling", "", "Udvikling"), ("findes-ikke", "", None)]
    for path, params, heading in pages:
        page.goto(f"{server.url}/{path}{params}", wait_until="commit")
        if heading is None:
            page.get_by_text("Siden findes ikke", exact=True).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        else:
            page.get_by_role("heading", name=heading).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        check(path)
        if path == "nyt-moede":  # a microphone each: a channel field for each speaker
            page.get_by_text("En mikrofon til hver, der taler").click()
            page.get_by_role("spinbutton", name="Kanal for borger").wait_for(timeout=RENDER_TIMEOUT_MS)
            check("nyt-moede, en mikrofon til hver")
        if path == "transskription":  # search hits stand out, unsure words among them
            page.get_by_label("Søg i teksten").fill("du")
            page.get_by_label("Søg i teksten").press("Enter")
            page.get_by_text("træf i", exact=False).first.wait_for(timeout=RENDER_TIMEOUT_MS)
            check("transskription, søgning")
    assert len(found) == 2 * (len(pages) + 4)
    print("\n" + json.dumps(found, ensure_ascii=False, indent=1))
    assert {name: v for name, v in found.items() if v} == {}


FOCUSED = """() => { const e = document.activeElement;
    if (!e || e === document.body) return "";
    const label = (e.labels && e.labels[0]) || e.closest("label");
    // A control's own words; not those of a container that takes focus to scroll (its whole text).
    const own = label ? label.innerText : (["BUTTON", "A"].includes(e.tagName) ? e.innerText : "");
    return [e.tagName, e.type || "", e.getAttribute("aria-label") || "", (own || "").trim()].join("|"); }"""


def tab_to(page, *wanted: str, limit: int = 120) -> str:
    """Press Tab until the focused element's description (tag|type|aria-label|text) holds all
    of `wanted`; fails if it is not reached within `limit` presses: a keyboard user would be stuck."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if all(part in focused for part in wanted):
            return focused
        seen.append(focused)
    pytest.fail(f"{wanted!r} not reached by Tab; focus went through: {seen}")


def test_the_sparring_flow_by_keyboard_alone(trust_home, dashboard, browser_page):  # noqa: F811
    """Take a moment along on the overview, with a note, and write one's own note on it in
    Sparring: Tab to move, Space and Enter to choose and press, typing to write. No mouse."""
    from meetings.store import Store

    meeting = trust_home["ready"]
    server = dashboard(trust_home["home"])
    page = browser_page.page
    page.goto(server.url, wait_until="commit")
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    assert "Brugernavn" in page.evaluate(FOCUSED)  # the login page starts in the name field
    page.keyboard.type("anne")
    tab_to(page, "Adgangskode")
    page.keyboard.type(trust_home["password"])
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()

    # Møder: the picker already holds the meeting that can be shown; Tab to "Åbn mødet", Enter.
    tab_to(page, "BUTTON|", "|Åbn mødet")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Nøgletal").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()

    # Mødeoverblik, the first moment: Space on "Tag med", a note, Enter on "Gem".
    tab_to(page, "INPUT|radio|", "|Tag med")
    page.keyboard.press("Space")
    browser_page.wait_until_settled()
    assert page.get_by_role("radio", name="Tag med").is_checked()
    tab_to(page, "TEXTAREA|", "Note til sparringen")
    page.keyboard.type("Godt åbent spørgsmål.")
    tab_to(page, "BUTTON|", "|Gem")
    page.keyboard.press("Enter")
    page.get_by_text("Tages med i sparringen.").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()

    # To Sparring through the page list in the sidebar.
    tab_to(page, "A|", "|Sparring")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Øjeblik 1 af 1").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.wait_until_settled()
    assert page.get_by_text("Godt åbent spørgsmål.").count() >= 1  # the note followed the moment
    tab_to(page, "TEXTAREA|", "Sagsbehandlerens note")
    page.keyboard.type("Jeg vil prøve det igen.")
    tab_to(page, "BUTTON|", "|Gem min note")
    page.keyboard.press("Space")
    page.get_by_text("Din note er gemt.").wait_for(timeout=RENDER_TIMEOUT_MS)
    browser_page.screenshot(f"tastatur-sparring-{page.viewport_size['width']}.png")

    with Store(trust_home["home"]) as store:
        reviews = list(store.reviews(meeting).values())
        notes = store.session_notes(meeting)
    assert [(r.status, r.note, r.by) for r in reviews] == [("drøftet", "Godt åbent spørgsmål.", "anne")]
    assert [(n.text, n.by) for (moment, author), n in notes.items() if author == "sagsbehandler"] == \
        [("Jeg vil prøve det igen.", "anne")]
