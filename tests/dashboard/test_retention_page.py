"""Retention in the dashboard: each meeting's deletion day in the list, a leader extending one
with a reason, and what is due deleted when someone opens the dashboard."""

import sqlite3
from datetime import timedelta

import pytest

from meetings import audit, retention
from meetings.errors import MeetingWithdrawn
from meetings.store import DB_NAME, Store
from tests.consented import consented_meeting
from tests.dashboard.conftest import PASSWORD, logged_in

TODAY = retention.today()


def meeting(store: Store, title: str) -> str:
    meeting_id = consented_meeting(store, title, caseworker="anne").id
    store.share(meeting_id, "lis", by="anne")
    return meeting_id


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    with Store(home) as store:
        for name, role in {"anne": "sagsbehandler", "lis": "leder"}.items():
            store.add_user(name, role, PASSWORD)
        ids = [meeting(store, "Første samtale"), meeting(store, "Anden samtale")]
    monkeypatch.setenv("MEDLYT_HOME", str(home))
    return home, ids


def test_a_leader_sees_the_deletion_day_and_keeps_a_meeting_longer_with_a_reason(home):
    home, (first, _second) = home
    at = logged_in("lis")
    table = at.dataframe[0].value
    assert set(table["Slettes"]) == {(TODAY + timedelta(days=30)).strftime("%d.%m.%Y")}  # one date format: dd.mm.åååå
    at.selectbox(key="open_meeting").set_value(first).run()
    wanted = TODAY + timedelta(days=90)
    at.date_input(key="retention_until").set_value(wanted)
    at.text_input(key="retention_reason").input("Bruges i sparringsforløbet i foråret")
    next(b for b in at.button if b.label == "Forlæng").click().run()
    assert not at.exception, at.exception
    assert f"Mødet slettes nu {wanted.strftime('%d.%m.%Y')}." in [s.value for s in at.success]
    # The table above says so at once, not after the next click.
    assert wanted.strftime("%d.%m.%Y") in list(at.dataframe[0].value["Slettes"])
    with Store(home) as store:
        assert store.get_meeting(first).delete_after == wanted.isoformat()
        entry = [e for e in store.audit_entries(first) if e.action == audit.RETENTION_EXTENDED][-1]
    assert entry.user == "lis"


def test_an_extension_without_a_reason_is_refused_on_the_page(home):
    home, (first, _second) = home
    at = logged_in("lis")
    at.selectbox(key="open_meeting").set_value(first).run()
    next(b for b in at.button if b.label == "Forlæng").click().run()
    assert "En forlængelse skal have en begrundelse." in [e.value for e in at.error]


def test_the_caseworker_cannot_extend(home):
    at = logged_in("anne")
    assert not [b for b in at.button if b.label == "Forlæng"]


def test_opening_the_dashboard_deletes_what_is_due(home):
    home, (first, second) = home
    with sqlite3.connect(home / DB_NAME) as db:
        db.execute("UPDATE meetings SET delete_after = ? WHERE id = ?", ((TODAY - timedelta(days=1)).isoformat(), first))
    at = logged_in("lis")
    assert list(at.dataframe[0].value["Id"]) == [second]
    with Store(home) as store, pytest.raises(MeetingWithdrawn):
        store.get_meeting(first)
