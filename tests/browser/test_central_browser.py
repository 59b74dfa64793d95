"""Central mode in a real browser: two dashboard processes on one PostgreSQL database, as behind
a load balancer. A login is held by the database, so it is the same on both, and so is its end."""

from meetings.store import Store
from tests.browser.pages import RENDER_TIMEOUT_MS, log_in, login_form
from tests.dashboard.conftest import AUDIO, PASSWORD, processed_meeting


def test_two_dashboard_processes_share_one_database_and_one_login(tmp_path, dashboard, browser_page, danish_dir,
                                                                  postgres_url, monkeypatch):
    home = tmp_path / "home"
    with Store(home, database=postgres_url, upgrade=True) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        processed_meeting(store, danish_dir / AUDIO, "Centralt møde", "anne", None)
    monkeypatch.setenv("MEDLYT_DATABASE_URL", postgres_url)
    first, second = dashboard(home), dashboard(home)
    page = browser_page.page
    page.goto(first.url, wait_until="commit")
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    log_in(page, "anne", PASSWORD)
    page.get_by_role("button", name="Åbn mødet").click()
    page.get_by_role("heading", name="Centralt møde").first.wait_for(timeout=RENDER_TIMEOUT_MS)

    page.goto(second.url, wait_until="commit")  # the other process: the same login, no form
    page.get_by_role("heading", name="Møder").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert login_form(page).count() == 0
    browser_page.screenshot("central-second-dashboard.png")
    browser_page.wait_until_settled()
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Log ud").click()
    page.get_by_text("Du er logget ud.").wait_for(timeout=RENDER_TIMEOUT_MS)

    page.goto(first.url, wait_until="commit")  # logged out on one is logged out on both
    login_form(page).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    with Store(home) as store:
        assert [e.action for e in store.audit_entries() if e.user == "anne"][-1] == "logout"
