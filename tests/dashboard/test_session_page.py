"""The Sparring page through Streamlit's AppTest: step through the chosen moments, write the
leader's and the caseworker's notes, agree on development points, take the report away; and
only for those who may see the meeting.

Everything that writes does so on a meeting of its own, withdrawn afterwards, so the shared
meetings stay as the other dashboard tests expect them."""

import pytest

from dashboard.choice import NO_ACCESS
from meetings import audit
from meetings.records import review_key
from meetings.store import Store
from dashboard.data import REPORT_GONE
from tests.dashboard.conftest import AUDIO, LINES, PASSWORD, logged_in, processed_meeting, shown_text

SESSION = "views/session.py"
CITIZEN_TEXT = LINES[-1][3]  # the citizen's story: on the page, never in the report


def flags(home, meeting_id):
    with Store(home) as store:
        return store.analysis(meeting_id).flags


def discuss(home, meeting_id, *kinds) -> list:
    """Mark the first flag of each kind "drøftet", as the overview does; returns them by time."""
    chosen = []
    with Store(home) as store:
        for kind in kinds:
            flag = next(f for f in store.analysis(meeting_id).flags if f.kind == kind)
            store.review_flag(meeting_id, flag, "drøftet", by="anne")
            chosen.append(flag)
    return sorted(chosen, key=lambda f: f.start)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def step_heading(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### Øjeblik"))


def moment_form(at) -> str:
    """The notes form of the moment on screen (the other one is the whole session's)."""
    return next(t.key for t in at.text_area if t.key.endswith("-leder") and "-session-" not in t.key)[:-len("-leder")]


def test_steps_through_the_moments_marked_discussed(dashboard_home, own_meeting):
    chosen = discuss(dashboard_home.home, own_meeting, "closed_question_streak", "lexicon")
    at = logged_in("anne", meeting=own_meeting)
    at.switch_page(SESSION).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sparring: Sparringsmøde"
    assert "styrker såvel som opmærksomhedspunkter" in shown_text(at)
    assert step_heading(at) == "#### Øjeblik 1 af 2"
    assert button(at, "Forrige").disabled and not button(at, "Næste").disabled
    text = shown_text(at)
    assert "Mange lukkede spørgsmål i træk" in text and chosen[0].message in text
    assert "Har du søgt nogen job i denne uge?" in text  # the transcript around it
    assert at.get("audio")

    button(at, "Næste").click().run()
    assert step_heading(at) == "#### Øjeblik 2 af 2"
    assert button(at, "Næste").disabled and not button(at, "Forrige").disabled
    assert "Ordvalg" in shown_text(at) and chosen[1].message in shown_text(at)
    assert at.get("audio")
    button(at, "Forrige").click().run()
    assert step_heading(at) == "#### Øjeblik 1 af 2"
    with Store(dashboard_home.home) as store:
        viewed = [e for e in store.audit_entries(own_meeting) if e.action == audit.VIEWED]
    assert ("anne", "page=sparring") in [(e.user, e.detail) for e in viewed]


def test_without_discussed_moments_pick_them_among_strengths_and_concerns(dashboard_home, own_meeting):
    at = logged_in("anne", meeting=own_meeting)
    at.switch_page(SESSION).run()
    assert not at.exception, at.exception
    assert "Ingen øjeblikke er taget med fra Mødeoverblik" in at.info[0].value and "styrker" in at.info[0].value
    assert not any(m.value.startswith("#### Øjeblik") for m in at.markdown)  # nothing chosen yet
    pick = at.multiselect(key=f"session-pick-{own_meeting}")
    offered = " ".join(pick.options)
    assert "(styrke)" in offered and "(opmærksomhedspunkt)" in offered
    everything = flags(dashboard_home.home, own_meeting)
    strength = next(f for f in everything if f.tone == "strength")
    concern = next(f for f in everything if f.tone == "concern")
    pick.set_value([f"{f.kind}-{review_key(f)[1]}" for f in (strength, concern)]).run()
    assert not at.exception, at.exception
    assert step_heading(at) == "#### Øjeblik 1 af 2"
    assert concern.message in shown_text(at)  # by time: the concern comes first
    button(at, "Næste").click().run()
    assert strength.message in shown_text(at)


def test_notes_are_saved_with_who_wrote_them(dashboard_home, own_meeting):
    first, second = discuss(dashboard_home.home, own_meeting, "closed_question_streak", "lexicon")
    at = logged_in("lis", meeting=own_meeting)
    at.switch_page(SESSION).run()
    form = moment_form(at)
    at.text_area(key=f"{form}-leder").input("Tre lukkede spørgsmål i træk – prøv et hvad-spørgsmål.")
    at.button(key=f"{form}-save").click().run()
    assert not at.exception, at.exception
    assert "Din note er gemt." in [s.value for s in at.success]

    session_form = f"notes-{own_meeting}-session"
    # Empty, her own box and the caseworker's look alike; the placeholders tell them apart.
    own, hers = at.text_area(key=f"{session_form}-leder"), at.text_area(key=f"{session_form}-sagsbehandler")
    assert (own.placeholder, own.disabled) == ("Skriv din note her", False)
    assert (hers.placeholder, hers.disabled) == ("Ingen note endnu", True)
    at.text_area(key=f"{session_form}-leder").input("God stemning hele vejen.")
    at.button(key=f"{session_form}-save").click().run()

    button(at, "Næste").click().run()  # the second moment's notes are its own
    assert at.text_area(key=f"{moment_form(at)}-leder").value == ""
    button(at, "Forrige").click().run()
    assert at.text_area(key=f"{form}-leder").value.endswith("prøv et hvad-spørgsmål.")

    # The caseworker writes her own note on the same moment, and sees the leader's.
    anne = logged_in("anne", meeting=own_meeting)
    anne.switch_page(SESSION).run()
    assert anne.text_area(key=f"{form}-leder").value.endswith("prøv et hvad-spørgsmål.")
    anne.text_area(key=f"{form}-sagsbehandler").input("Jeg havde travlt.")
    anne.button(key=f"{form}-save").click().run()
    assert "Din note er gemt." in [s.value for s in anne.success]

    with Store(dashboard_home.home) as store:
        notes = store.session_notes(own_meeting)
        entries = [e for e in store.audit_entries(own_meeting) if e.action == audit.SESSION_NOTE_SAVED]
    assert notes[(review_key(first), "leder")].text.endswith("prøv et hvad-spørgsmål.")
    assert notes[(review_key(first), "leder")].by == "lis"
    assert notes[(review_key(first), "sagsbehandler")].text == "Jeg havde travlt."
    assert notes[(review_key(first), "sagsbehandler")].by == "anne"
    assert notes[(None, "leder")].text == "God stemning hele vejen." and notes[(None, "leder")].by == "lis"
    assert (review_key(second), "leder") not in notes
    assert [e.user for e in entries] == ["lis", "lis", "anne"]
    assert all("travlt" not in e.detail and "stemning" not in e.detail for e in entries)

    # Saving again without a change writes nothing.
    at.button(key=f"{form}-save").click().run()
    assert "Ingen ændringer at gemme." in [s.value for s in at.success]
    with Store(dashboard_home.home) as store:
        assert len([e for e in store.audit_entries(own_meeting) if e.action == audit.SESSION_NOTE_SAVED]) == 3


@pytest.mark.parametrize("writer, own, other", [("anne", "sagsbehandler", "leder"), ("lis", "leder", "sagsbehandler"),
                                               ("olga", "kollega", "sagsbehandler")])
def test_nobody_writes_the_other_persons_note(dashboard_home, own_meeting, writer, own, other):
    """The others' boxes are shown but closed; and even text put into one (as a crafted session
    state would) is never saved, nor is the note then printed in their name."""
    with Store(dashboard_home.home) as store:
        store.save_session_note(own_meeting, None, other, "Den rigtige note.", by={"leder": "lis"}.get(other, "anne"))
    at = logged_in(writer, meeting=own_meeting)
    at.switch_page(SESSION).run()
    session_form = f"notes-{own_meeting}-session"
    boxes = {t.key.removeprefix(f"{session_form}-"): t.disabled for t in at.text_area if t.key.startswith(session_form)}
    assert boxes == {"leder": own != "leder", "sagsbehandler": own != "sagsbehandler", "kollega": own != "kollega"}
    at.session_state[f"{session_form}-{other}"] = "Overskrevet."
    at.button(key=f"{session_form}-save").click().run()
    assert not at.exception, at.exception
    with Store(dashboard_home.home) as store:
        assert store.session_notes(own_meeting)[(None, other)].text == "Den rigtige note."


def test_the_colleague_who_sat_in_writes_her_own_note_and_the_others_read_it(dashboard_home, own_meeting, downloads):
    at = logged_in("olga", meeting=own_meeting)
    at.switch_page(SESSION).run()
    session_form = f"notes-{own_meeting}-session"
    at.text_area(key=f"{session_form}-kollega").input("Du lyttede godt, da borgeren fortalte om ryggen.")
    at.button(key=f"{session_form}-save").click().run()
    assert not at.exception, at.exception
    with Store(dashboard_home.home) as store:
        note = store.session_notes(own_meeting)[(None, "kollega")]
        saved = [e for e in store.audit_entries(own_meeting) if e.action == audit.SESSION_NOTE_SAVED]
    assert (note.text, note.by) == ("Du lyttede godt, da borgeren fortalte om ryggen.", "olga")
    assert (saved[-1].user, saved[-1].detail) == ("olga", "session author=kollega")
    anne = logged_in("anne", meeting=own_meeting)
    anne.switch_page(SESSION).run()
    box = anne.text_area(key=f"{session_form}-kollega")
    assert box.disabled and box.label == "Kollegaens note" and box.value == note.text
    report = downloads(anne.get("download_button")[1]).content.decode("utf-8")
    assert "**Kollega:** Du lyttede godt, da borgeren fortalte om ryggen." in report


def test_a_meeting_without_a_colleague_has_room_for_two_notes(dashboard_home):
    at = logged_in("bo", meeting=dashboard_home.meetings["bos"])  # nobody sat in
    at.switch_page(SESSION).run()
    form = f"notes-{dashboard_home.meetings['bos']}-session"
    assert [t.label for t in at.text_area if t.key.startswith(form)] == ["Lederens note", "Sagsbehandlerens note"]


def test_an_administrator_reading_the_sparring_writes_nothing(dashboard_home, own_meeting, monkeypatch):
    """An administrator the organisation lets read meetings may open the session, but takes no
    part in it: no note, no development point."""
    monkeypatch.setenv("MEDLYT_ADMIN_READS_CONTENT", "1")
    at = logged_in("root", meeting=own_meeting)
    at.switch_page(SESSION).run()
    assert not at.exception, at.exception
    assert all(t.disabled for t in at.text_area)
    assert at.button(key=f"notes-{own_meeting}-session-save").disabled
    assert not [b for b in at.button if b.label in ("Tilføj", "Fjern")]


def test_development_points_can_be_added_and_removed(dashboard_home, own_meeting):
    at = logged_in("anne", meeting=own_meeting)
    at.switch_page(SESSION).run()
    for text in ("Stil et åbent spørgsmål først", "Opsummér til sidst"):
        at.text_input(key=f"new-point-{own_meeting}").input(text)
        at.button(key=f"add-point-{own_meeting}-submit").click().run()
        assert not at.exception, at.exception
    assert "1. Stil et åbent spørgsmål først" in shown_text(at) and "2. Opsummér til sidst" in shown_text(at)
    assert at.text_input(key=f"new-point-{own_meeting}").value == ""  # ready for the next one
    with Store(dashboard_home.home) as store:
        points = store.development_points(own_meeting)
    assert [(p.text, p.by) for p in points] == [("Stil et åbent spørgsmål først", "anne"), ("Opsummér til sidst", "anne")]

    at.button(key=f"remove-point-{points[0].id}").click().run()
    assert not at.exception, at.exception
    assert "Stil et åbent spørgsmål først" not in shown_text(at) and "1. Opsummér til sidst" in shown_text(at)
    with Store(dashboard_home.home) as store:
        assert [p.text for p in store.development_points(own_meeting)] == ["Opsummér til sidst"]
        removed = [e for e in store.audit_entries(own_meeting) if e.action == audit.DEVELOPMENT_POINT_REMOVED]
    assert [e.user for e in removed] == ["anne"]


def test_the_report_downloads_hold_the_notes_and_are_logged(dashboard_home, own_meeting, downloads):
    first, _ = discuss(dashboard_home.home, own_meeting, "closed_question_streak", "lexicon")
    with Store(dashboard_home.home) as store:
        store.add_development_point(own_meeting, "Stil et åbent spørgsmål først", by="lis")
    at = logged_in("anne", meeting=own_meeting)
    at.switch_page(SESSION).run()
    form = moment_form(at)
    at.text_area(key=f"{form}-sagsbehandler").input("Jeg vil spørge <åbent>.")
    at.button(key=f"{form}-save").click().run()
    assert not at.exception, at.exception

    labels = [d.label for d in at.get("download_button")]
    assert labels == ["Hent rapport (HTML)", "Hent rapport (Markdown)"]
    html_file, markdown_file = (downloads(d) for d in at.get("download_button"))
    assert (html_file.filename, html_file.mimetype) == (f"sparring-{own_meeting}.html", "text/html")
    assert (markdown_file.filename, markdown_file.mimetype) == (f"sparring-{own_meeting}.md", "text/markdown")
    page, markdown = html_file.content.decode("utf-8"), markdown_file.content.decode("utf-8")
    assert "Jeg vil spørge &lt;åbent&gt;." in page and "<åbent>" not in page
    assert "Jeg vil spørge &lt;åbent&gt;." in markdown
    for report in (page, markdown):
        assert "Stil et åbent spørgsmål først" in report and first.message in report
        assert "Sparringsmøde" in report and "Borger" in report
        assert CITIZEN_TEXT not in report and "ondt" not in report  # no transcript of the citizen

    at.get("download_button")[0].click().run()
    at.get("download_button")[1].click().run()
    assert not at.exception, at.exception
    with Store(dashboard_home.home) as store:
        exported = [(e.user, e.detail) for e in store.audit_entries(own_meeting) if e.action == audit.EXPORTED]
    assert exported == [("anne", "format=html"), ("anne", "format=markdown")]


def test_the_colleague_who_sat_in_takes_part_in_the_moments_and_points(dashboard_home, own_meeting):
    discuss(dashboard_home.home, own_meeting, "closed_question_streak")
    at = logged_in("olga", meeting=own_meeting)
    at.switch_page(SESSION).run()
    assert not at.exception, at.exception
    assert step_heading(at) == "#### Øjeblik 1 af 1"
    form = moment_form(at)
    assert [t.key.removeprefix(f"{form}-") for t in at.text_area if t.key.startswith(form) and not t.disabled] == ["kollega"]
    assert at.button(key=f"add-point-{own_meeting}-submit")


def test_a_caseworker_cannot_open_another_caseworkers_session_by_link(dashboard_home):
    other = dashboard_home.meetings["bos"]
    at = logged_in("anne", meeting=other)
    at.switch_page(SESSION).run()
    assert at.error[0].value == NO_ACCESS
    assert "Bos møde" not in shown_text(at)
    assert not at.text_area and not at.get("download_button") and not at.get("audio")


def test_a_caseworker_cannot_open_another_caseworkers_session_through_session_state(dashboard_home):
    at = logged_in("anne")
    at.session_state["meeting_id"] = dashboard_home.meetings["bos"]
    at.switch_page(SESSION).run()
    assert at.error[0].value == NO_ACCESS
    assert "Bos møde" not in shown_text(at)
    assert not at.text_area and not at.get("download_button")
    with Store(dashboard_home.home) as store:
        viewed = [e for e in store.audit_entries(dashboard_home.meetings["bos"])
                  if e.action == audit.VIEWED and e.user == "anne"]
    assert viewed == []


@pytest.mark.parametrize("change", ["share revoked", "user removed", "meeting withdrawn"])
def test_the_report_is_built_at_the_click_and_only_for_who_may_still_have_it(dashboard_home, danish_dir, downloads,
                                                                            change):
    """Nothing of the report waits at an address while the page is open: it is made when the
    button is clicked, from the store as it is then. A share revoked, the user removed or the
    meeting withdrawn since the page was drawn gives one line and no content, and no export entry."""
    with Store(dashboard_home.home) as store:
        store.add_user("vera", "leder", PASSWORD)
        meeting_id = processed_meeting(store, danish_dir / AUDIO, "Rapportmøde", "anne", "olga")
        store.share(meeting_id, "vera", by="anne")
        store.save_session_note(meeting_id, None, "leder", "Fortroligt om forløbet.", by="vera")
    at = logged_in("vera", meeting=meeting_id)
    at.switch_page(SESSION).run()
    button = at.get("download_button")[0]
    assert button.proto.deferred_file_id and not button.proto.url  # no address until the click
    with Store(dashboard_home.home) as store:
        {"share revoked": lambda: store.unshare(meeting_id, "vera", by="anne"),
         "user removed": lambda: store.remove_user("vera"),
         "meeting withdrawn": lambda: store.withdraw(meeting_id)}[change]()
    report = downloads(button).content.decode("utf-8")
    assert report == REPORT_GONE and "Fortroligt" not in report
    with Store(dashboard_home.home) as store:
        if change != "meeting withdrawn":
            assert not [e for e in store.audit_entries(meeting_id) if e.action == audit.EXPORTED]
            store.withdraw(meeting_id)
        if store.user("vera") is not None:
            store.remove_user("vera")
