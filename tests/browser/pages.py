"""What the browser tests share: the dashboard's login page and logging in, and how long a page
may take to draw."""

RENDER_TIMEOUT_MS = 30_000
DEMO_TITLE = "Demomøde: oplæst dansk tale"


def meeting_list(page):
    """The meeting table (a canvas; its accessible grid cells carry the text)."""
    return page.locator('[data-testid="stDataFrame"]').filter(
        has=page.locator('[role="gridcell"]', has_text=DEMO_TITLE))


ACCENT_RGB = "rgb(47, 93, 138)"  # dashboard.format.ACCENT_COLOUR as the browser computes it


def background(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


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



def log_out_and_in(page, user: str, password: str) -> None:
    """Log out with the sidebar's button and log in as `user` in the same tab, as on a shared PC."""
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Log ud").click()
    page.get_by_role("link", name="Log ind med brugernavn og adgangskode").click()
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    log_in(page, user, password)
    page.locator('[data-testid="stSidebar"]').get_by_text(user, exact=True).wait_for(timeout=RENDER_TIMEOUT_MS)


def olga_and_annes_meeting(home, title: str, channels: tuple[int | None, int | None] = (None, None)):
    """Olga (observatør) and Anne (sagsbehandler) as users of `home`, and Anne's meeting `title`
    with everyone's consent, recorded by Olga (with a microphone each on `channels`, if given);
    the meeting."""
    from meetings.store import Store
    from tests.consented import consented_meeting
    from tests.dashboard.conftest import PASSWORD

    with Store(home) as store:
        store.add_user("olga", "observatør", PASSWORD)
        store.add_user("anne", "sagsbehandler", PASSWORD)
        return consented_meeting(store, title, caseworker="anne", recorded_by="olga", channels=channels)
