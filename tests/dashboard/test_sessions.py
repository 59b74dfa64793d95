"""A dashboard login lasts only as long as it should: the user is checked against the store on
every run and in every callback, and a session ends after its idle time and its lifetime.

Each test that changes users or shares does so on users and meetings of its own."""

import contextlib
import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import TOKEN_KEY
from meetings import audit
from meetings.store import Store
from tests.dashboard.conftest import APP, PASSWORD, age_logins, logged_in, shown_text

SESSION = "views/session.py"


@pytest.fixture
def temporary_admin(dashboard_home, monkeypatch):
    monkeypatch.setenv("MEDLYT_ADMIN_READS_CONTENT", "1")  # so the administrator has meetings to lose
    with Store(dashboard_home.home) as store:
        store.add_user("tove", "admin", PASSWORD)
    yield "tove"
    with Store(dashboard_home.home) as store:
        if store.user("tove") is not None:
            store.remove_user("tove")


def listed_ids(at) -> list[str]:
    return list(at.dataframe[0].value["Id"]) if at.dataframe else []


def on_login_page(at) -> bool:
    return any(t.value == "medlyt – log ind" for t in at.title)


def test_a_removed_user_is_logged_out_at_the_next_click(dashboard_home, temporary_admin):
    at = logged_in(temporary_admin)
    assert dashboard_home.meetings["annes"] in listed_ids(at) and not on_login_page(at)
    with Store(dashboard_home.home) as store:
        store.remove_user(temporary_admin, by="cli:root")
    at.run()
    assert not at.exception, at.exception
    assert on_login_page(at)
    assert "din adgang til medlyt er ophørt" in shown_text(at)
    assert not listed_ids(at)  # no meeting listed any more


def test_a_changed_role_applies_at_once(dashboard_home, temporary_admin):
    at = logged_in(temporary_admin)
    assert dashboard_home.meetings["bos"] in listed_ids(at)
    # The admin becomes an observer who recorded nothing. medlyt has no command for it yet
    # (removing and adding the user again ends her logins, see above), so the row changes.
    with Store(dashboard_home.home) as store:
        db = store.db_path
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE users SET role = 'observatør' WHERE name = ?", (temporary_admin,))
    at.run()
    assert not at.exception, at.exception
    assert not on_login_page(at) and not listed_ids(at)


def test_an_idle_session_ends(dashboard_home):
    at = logged_in("anne")
    assert not on_login_page(at)
    age_logins(dashboard_home.home, "anne", active=31 * 60)  # the default idle limit is 30 minutes
    at.run()
    assert on_login_page(at) and "efter 30 minutter uden aktivitet" in shown_text(at)


def test_the_idle_limit_comes_from_configuration(dashboard_home, monkeypatch):
    monkeypatch.setenv("MEDLYT_SESSION_IDLE_MINUTES", "5")
    at = logged_in("anne")
    age_logins(dashboard_home.home, "anne", active=4 * 60)
    at.run()
    assert not on_login_page(at)  # four minutes idle: still in
    age_logins(dashboard_home.home, "anne", active=6 * 60)
    at.run()
    assert on_login_page(at) and "efter 5 minutter uden aktivitet" in shown_text(at)


def test_a_session_ends_after_its_lifetime_however_active(dashboard_home):
    at = logged_in("anne")
    age_logins(dashboard_home.home, "anne", started=11 * 3600)  # the default lifetime is 10 hours
    at.run()
    assert on_login_page(at) and "mere end 10 timer" in shown_text(at)


def test_a_mistyped_session_setting_is_one_danish_line(dashboard_home, monkeypatch):
    monkeypatch.setenv("MEDLYT_SESSION_HOURS", "ti")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["MEDLYT_SESSION_HOURS='ti' er ikke et positivt tal. Ret eller fjern indstillingen."]


@pytest.mark.parametrize("action", ["save a note", "add a point", "remove a point"])
def test_a_revoked_share_stops_the_open_sparring_page_writing(dashboard_home, own_meeting, action):
    """The leader's Sparring page is open when the caseworker stops sharing: what the page still
    offers (save the leader's note, add or remove a development point) writes nothing."""
    with Store(dashboard_home.home) as store:
        store.add_development_point(own_meeting, "Opsummér til sidst", by="anne")
        point = store.development_points(own_meeting)[0]
    at = logged_in("lis", meeting=own_meeting)
    at.switch_page(SESSION).run()
    assert at.title[0].value == "Sparring: Sparringsmøde"
    session_form = f"notes-{own_meeting}-session"
    at.text_area(key=f"{session_form}-leder").input("Skrevet efter delingen stoppede.")
    at.text_input(key=f"new-point-{own_meeting}").input("Nyt punkt efter delingen")
    button = {"save a note": f"{session_form}-save", "add a point": f"add-point-{own_meeting}-submit",
              "remove a point": f"remove-point-{point.id}"}[action]

    with Store(dashboard_home.home) as store:
        store.unshare(own_meeting, "lis", by="anne")
    at.button(key=button).click().run()
    assert not at.exception, at.exception
    with Store(dashboard_home.home) as store:
        assert store.session_notes(own_meeting) == {}
        assert [p.text for p in store.development_points(own_meeting)] == ["Opsummér til sidst"]
    assert "Skrevet efter" not in shown_text(at) and "Opsummér til sidst" not in shown_text(at)


def test_a_new_password_ends_the_users_open_logins(dashboard_home, temporary_admin):
    at = logged_in(temporary_admin)
    assert not on_login_page(at)
    with Store(dashboard_home.home) as store:
        store.set_password(temporary_admin, "et-helt-andet-kodeord-9", by="cli:root")
    at.run()
    assert on_login_page(at) and "adgangskode er skiftet" in shown_text(at)


def test_logging_out_ends_the_login_on_the_server(dashboard_home, temporary_admin):
    at = logged_in(temporary_admin)
    token = at.session_state[TOKEN_KEY]
    at.sidebar.button[0].click().run()
    assert on_login_page(at) and "Du er logget ud." in shown_text(at)
    with Store(dashboard_home.home) as store:
        login = store.web_session(token)
        entries = store.audit_entries()
    assert login.ended == "logout"
    assert (entries[-1].action, entries[-1].user, entries[-1].detail) == (audit.LOGOUT, temporary_admin, "reason=logout")
    # The same token, presented again (a copied cookie), opens nothing.
    again = AppTest.from_file(APP, default_timeout=30)
    again.session_state[TOKEN_KEY] = token
    again.run()
    assert on_login_page(again) and not listed_ids(again)


def test_an_idle_login_is_written_as_ended_in_the_audit_log(dashboard_home, temporary_admin):
    at = logged_in(temporary_admin)
    age_logins(dashboard_home.home, temporary_admin, active=31 * 60)
    at.run()
    with Store(dashboard_home.home) as store:
        entry = store.audit_entries()[-1]
    assert (entry.action, entry.user, entry.detail) == (audit.LOGOUT, temporary_admin, "reason=idle")
