"""The login form and the server's gate over real HTTP, against `medlyt dashboard` as users start
it: the form sets an HttpOnly, SameSite=Strict cookie for a login the server holds; a page or a
media file asked for without a live login goes nowhere; the sound of a moment answers only the
login that asked for it, and only while that login lasts and may see the meeting.

The login tests use users of their own, so the throttle and the audit checks see only them."""

import http.client
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import sessions
from meetings import audit
from meetings.errors import LoginThrottled
from meetings.store import Store
from tests.browser.conftest import Dashboard
from tests.dashboard.conftest import AUDIO, PASSWORD, age_logins, logged_in, processed_meeting

OVERVIEW = "views/overview.py"


@pytest.fixture(scope="module")
def server(dashboard_data, tmp_path_factory):
    server = Dashboard(dashboard_data.home, tmp_path_factory.mktemp("login-server") / "dashboard.log")
    server.wait_healthy()
    yield server
    server.stop()


@pytest.fixture
def person(dashboard_home):
    """A caseworker of this test's own (no meetings), gone again afterwards."""
    name = f"p{time.monotonic_ns() % 10**9}"
    with Store(dashboard_home.home) as store:
        store.add_user(name, "sagsbehandler", PASSWORD)
    yield name
    with Store(dashboard_home.home) as store:
        store.remove_user(name)


def request(server, method: str, path: str, form: dict | None = None, cookie: str | None = None,
            headers: dict | None = None) -> http.client.HTTPResponse:
    """One request, redirects not followed (what the server answers is under test)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    sent = dict(headers or {})
    body = None
    if form is not None:
        body = urlencode(form)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie is not None:
        sent["Cookie"] = f"{sessions.COOKIE}={cookie}"
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    response.text = response.read().decode("utf-8", "replace")
    conn.close()
    return response


def log_in(server, name: str, password: str = PASSWORD, path: str = "/medlyt/login", **headers):
    return request(server, "POST", path, {"name": name, "password": password}, headers=headers)


def alert(response) -> str:
    found = re.search(r'role="alert">(.*?)</p>', response.text)
    return found.group(1) if found else ""


def test_the_right_password_sets_an_httponly_strict_cookie_for_a_login_the_server_holds(server, person):
    response = log_in(server, person, path="/medlyt/login?next=%2Fsparring%3Fmeeting%3Dabc")
    assert response.status == 303 and response.getheader("Location") == "/sparring?meeting=abc"
    header = response.getheader("Set-Cookie")
    cookie = SimpleCookie(header)[sessions.COOKIE]
    assert cookie["httponly"] and cookie["samesite"].lower() == "strict" and cookie["path"] == "/"
    assert not cookie["expires"] and not cookie["max-age"]  # gone when the browser closes
    with Store(server.home) as store:
        login = store.web_session(cookie.value)
        assert login.user.name == person and login.ended is None
        assert cookie.value not in store.db_path.read_bytes().decode("latin-1")  # only its hash is kept
    # A reload or a deep link with the cookie gets the page; without it, the login form.
    assert request(server, "GET", "/sparring?meeting=abc", cookie=cookie.value).status == 200
    away = request(server, "GET", "/sparring?meeting=abc")
    assert away.status == 303 and away.getheader("Location") == "/medlyt/login?next=/sparring%3Fmeeting%3Dabc"


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_and_are_logged(server, person):
    wrong = log_in(server, person, "forkert-gæt-her")
    unknown = log_in(server, "ingen-sådan", "forkert-gæt-her")
    assert (wrong.status, alert(wrong)) == (unknown.status, alert(unknown)) == (401, "Forkert brugernavn eller adgangskode.")
    assert wrong.getheader("Set-Cookie") is None
    with Store(server.home) as store:
        failed = [e.detail for e in store.audit_entries() if e.action == audit.LOGIN_FAILED][-2:]
    assert failed[0].startswith(f"tried={person}\tclient=127.0.0.1") and failed[1].startswith("tried=ingen-sådan")


def test_repeated_wrong_passwords_are_slowed_down_even_for_the_right_one(server, person):
    for _ in range(5):
        assert log_in(server, person, "forkert-gæt-her").status == 401
    with Store(server.home) as store:
        # The sixth starts a 2 s wait; waited out, the seventh a 4 s one, the eighth 8 s: long
        # enough for the form's try below on the slowest machine.
        assert store.authenticate(person, "forkert-gæt-her") is None
        for _ in range(2):
            with pytest.raises(LoginThrottled) as waiting:
                store.authenticate(person, "forkert-gæt-her")
            time.sleep(waiting.value.wait_s + 0.05)
            assert store.authenticate(person, "forkert-gæt-her") is None
    right = log_in(server, person)  # right, but not even tried during the wait
    assert right.status == 429 and right.getheader("Set-Cookie") is None
    assert re.fullmatch(r"For mange forkerte forsøg\. Prøv igen om (1 sekund|[2-8] sekunder)\.", alert(right))


def test_a_login_posted_from_another_site_is_refused(server, person):
    response = log_in(server, person, Origin="https://angriber.example")
    assert response.status == 403 and response.getheader("Set-Cookie") is None


@pytest.mark.parametrize("target", ["//angriber.example/", "https://angriber.example/", "/\\angriber.example"])
def test_after_login_the_form_sends_only_to_this_server(server, person, target):
    response = log_in(server, person, path="/medlyt/login?" + urlencode({"next": target}))
    assert response.status == 303 and response.getheader("Location") == "/"


def test_an_ended_login_sends_the_page_to_the_form_with_the_reason(server, person):
    cookie = SimpleCookie(log_in(server, person).getheader("Set-Cookie"))[sessions.COOKIE].value
    assert request(server, "GET", "/moeder", cookie=cookie).status == 200
    age_logins(server.home, person, active=31 * 60)
    ended = request(server, "GET", "/moeder", cookie=cookie)
    assert ended.status == 303 and ended.getheader("Location") == "/medlyt/login?next=/moeder&why=idle"
    form = request(server, "GET", ended.getheader("Location"))
    assert alert(form) == "Du er logget ud efter 30 minutter uden aktivitet."
    with Store(server.home) as store:
        assert store.web_session(cookie).ended == "idle"


def test_streamlits_media_answers_only_a_live_login(server, person):
    assert request(server, "GET", "/media/0123456789abcdef.wav").status == 403
    cookie = SimpleCookie(log_in(server, person).getheader("Set-Cookie"))[sessions.COOKIE].value
    assert request(server, "GET", "/media/0123456789abcdef.wav", cookie=cookie).status == 404  # Streamlit's own "no such file"
    with Store(server.home) as store:
        store.end_web_session(cookie, "logout")
    assert request(server, "GET", "/media/0123456789abcdef.wav", cookie=cookie).status == 403


def test_without_users_the_form_says_how_to_create_one(medlyt_home, tmp_path):
    server = Dashboard(medlyt_home, tmp_path / "dashboard.log")
    try:
        server.wait_healthy()
        first = request(server, "GET", "/")
        assert first.status == 303
        form = request(server, "GET", first.getheader("Location"))
        assert "Der er ingen brugere endnu" in alert(form) and "medlyt user add" in alert(form)
    finally:
        server.stop()


# ---- the sound of a moment: the ticket a page run hands out, redeemed as the server does ----


def sound_ticket_on_overview(at: AppTest) -> str:
    at.switch_page(OVERVIEW).run()
    assert not at.exception, at.exception
    address = at.get("audio")[0].proto.url
    assert urlsplit(address).path.startswith("/medlyt/lyd/")
    return address.rsplit("/", 1)[1]


def test_the_sound_plays_for_the_login_that_asked_and_stops_at_logout(dashboard_home, own_meeting):
    at = logged_in("anne", meeting=own_meeting)
    ticket = sound_ticket_on_overview(at)
    status, wav = sessions.sound_for(ticket, cookie=None)
    assert status == 200 and wav[:4] == b"RIFF" and len(wav) > 16000
    sessions.log_out(at.session_state["login_token"])
    assert sessions.sound_for(ticket, cookie=None)[0] == 403


def test_the_sound_stops_at_withdrawal_and_when_the_share_ends(dashboard_home, own_meeting, danish_dir):
    leader = logged_in("lis", meeting=own_meeting)
    ticket = sound_ticket_on_overview(leader)
    assert sessions.sound_for(ticket, cookie=None)[0] == 200
    with Store(dashboard_home.home) as store:
        store.unshare(own_meeting, "lis", by="anne")
    assert sessions.sound_for(ticket, cookie=None) == (404, "Lyden findes ikke (længere).")
    with Store(dashboard_home.home) as store:
        withdrawn = processed_meeting(store, danish_dir / AUDIO, "Trækkes tilbage", "anne", None)
    ticket = sound_ticket_on_overview(logged_in("anne", meeting=withdrawn))
    assert sessions.sound_for(ticket, cookie=None)[0] == 200
    with Store(dashboard_home.home) as store:
        store.withdraw(withdrawn)
    assert sessions.sound_for(ticket, cookie=None) == (404, "Lyden findes ikke (længere).")


def test_a_sound_address_of_a_cookie_login_needs_that_cookie(dashboard_home, own_meeting):
    token = sessions.open_login("anne")
    ticket = sessions.sound_ticket(token, own_meeting, 0.0, 2.0, by_cookie=True)
    assert sessions.sound_for(ticket, cookie=None)[0] == 403  # the address copied to another browser
    assert sessions.sound_for(ticket, cookie=sessions.open_login("anne"))[0] == 403
    assert sessions.sound_for(ticket, cookie=token)[0] == 200
    assert sessions.sound_for("ukendt", cookie=token)[0] == 404


def test_an_unknown_sound_address_and_one_without_login_answer_nothing(server):
    response = request(server, "GET", "/medlyt/lyd/ukendt")
    assert response.status == 404 and response.getheader("Content-Type").startswith("text/plain")
