"""Logging in: guessable passwords refused, repeated failures slowed down per name and per
client, every failed attempt in the audit log with the name tried; on the real store."""

import time

import pytest

from meetings import audit, throttle
from meetings.errors import LoginThrottled
from meetings.store import MeetingError, Store

PASSWORD = "en-lang-adgangskode"


@pytest.mark.parametrize("password, why", [
    ("12345678", "let at gætte"),
    ("aaaaaaaa", "let at gætte"),
    ("qwertyuiop", "let at gætte"),
    ("sommer2024", "let at gætte"),
    ("kodeord123", "let at gætte"),
    ("        ", "kun være mellemrum"),
    ("annette-annette", "brugernavnet"),
    ("Annette2026", "brugernavnet"),
    ("kort", "mindst 8 tegn"),
])
def test_guessable_passwords_are_refused(medlyt_home, password, why):
    with Store(medlyt_home) as store:
        with pytest.raises(MeetingError, match=why):
            store.add_user("annette", "sagsbehandler", password)
        store.add_user("annette", "sagsbehandler", PASSWORD)
        with pytest.raises(MeetingError, match=why):
            store.set_password("annette", password)


def test_a_passphrase_of_random_words_is_accepted(medlyt_home):
    with Store(medlyt_home) as store:
        store.add_user("annette", "sagsbehandler", "blyant-kaktus-regnvejr")
        assert store.authenticate("annette", "blyant-kaktus-regnvejr") is not None


def test_the_command_lines_actor_names_cannot_be_user_names(medlyt_home):
    with Store(medlyt_home) as store:
        with pytest.raises(MeetingError, match="kolon"):
            store.add_user("cli:root", "admin", PASSWORD)


def test_a_failed_login_records_the_name_tried_and_the_client(medlyt_home):
    with Store(medlyt_home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        assert store.authenticate("anne", "forkert-gæt-her", client="10.0.0.7") is None
        assert store.authenticate("ukendt", PASSWORD) is None
        failed = [e for e in store.audit_entries() if e.action == audit.LOGIN_FAILED]
    assert [(e.user, e.detail) for e in failed] == [(None, "tried=anne\tclient=10.0.0.7"), (None, "tried=ukendt")]
    assert all("forkert" not in e.detail for e in failed)  # never the password


def test_repeated_failures_for_a_name_make_it_wait_even_with_the_right_password(medlyt_home):
    with Store(medlyt_home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        for _ in range(throttle.FREE_PER_NAME + 1):
            assert store.authenticate("anne", "forkert-gæt-her") is None
        with pytest.raises(LoginThrottled, match=r"Prøv igen om (1 sekund|2 sekunder)\.") as waiting:
            store.authenticate("anne", PASSWORD)
        assert 0 < waiting.value.wait_s <= 2
        # Another name is not held up by anne's failures.
        store.add_user("bo", "sagsbehandler", PASSWORD)
        assert store.authenticate("bo", PASSWORD) is not None
        time.sleep(waiting.value.wait_s + 0.1)
        assert store.authenticate("anne", PASSWORD) is not None  # the wait is over; the count starts afresh
        assert store.authenticate("anne", "forkert-gæt-her") is None
        assert store.authenticate("anne", PASSWORD) is not None
        refused = [e for e in store.audit_entries() if e.action == audit.LOGIN_FAILED and "throttled=1" in e.detail]
    assert len(refused) == 1


def test_one_client_trying_many_names_is_slowed_down(medlyt_home):
    with Store(medlyt_home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        for i in range(throttle.FREE_PER_CLIENT + 1):
            assert store.authenticate(f"navn{i}", "forkert-gæt-her", client="10.0.0.9") is None
        with pytest.raises(LoginThrottled):
            store.authenticate("anne", PASSWORD, client="10.0.0.9")
        assert store.authenticate("anne", PASSWORD, client="10.0.0.10") is not None


def test_the_wait_doubles_and_is_capped():
    now = 10_000.0
    assert throttle.wait_s([now - 1] * 5, now, free=5) == 0
    assert throttle.wait_s([now - 1] * 6, now, free=5) == 1  # 2 s from the last failure
    assert throttle.wait_s([now] * 8, now, free=5) == 8
    assert throttle.wait_s([now] * 40, now, free=5) == throttle.MAX_WAIT_S
    assert throttle.wait_s([now - throttle.WINDOW_S - 1] * 40, now, free=5) == 0  # old failures do not count
