"""Samtykke: register a participant's consent when it comes after the meeting was set up, and
register its withdrawal, which deletes the meeting exactly as `medlyt consent --withdrawn` does."""

import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import MEETING_KEY, pick_meeting
from dashboard.consent_text import METHODS, consent_state
from dashboard.data import meetings_for, store
from dashboard.format import escape
from meetings.access import can_manage_consent
from meetings.errors import MeetingError

def render() -> None:
    user = current_user()
    st.title("Samtykke")
    # Said after the page is drawn again with the new consent (a message before st.rerun is lost).
    done = st.session_state.pop(DONE, None)
    if done:
        st.success(done)
    meetings = [m for m in meetings_for(user) if can_manage_consent(user, m)]
    if not meetings:
        st.info("Ingen møder, hvor du registrerer samtykke. Opret et under **Nyt møde**.")
        st.page_link("views/new_meeting.py", label="Gå til Nyt møde", icon=":material/arrow_forward:")
        return
    meeting = pick_meeting(meetings, "consent_meeting")
    st.dataframe([{"Deltager": p.label, "Samtykke": consent_state(p)} for p in meeting.participants],
                 hide_index=True)
    register_form(user, meeting)
    withdraw_form(user, meeting)


DONE = "consent_done"  # what the last registration did, said once on the next run


def register_form(user, meeting) -> None:
    missing = meeting.missing_consent
    if not missing:
        if meeting.audio is None:
            st.info("Alle, der taler, har givet samtykke. Næste skridt: upload optagelsen, eller optag mødet, "
                    "under Lyd ind.")
            st.page_link("views/upload.py", label="Gå til Lyd ind", icon=":material/arrow_forward:",
                         query_params={"meeting": meeting.id})
        else:
            st.caption("Alle, der taler, har givet samtykke.")
        return
    st.subheader("Registrér samtykke")
    labels = {p.role: p.label for p in missing}
    role = st.selectbox("Deltager", list(labels), format_func=labels.get, key="consent_role")
    method = st.radio("Hvordan", list(METHODS), format_func=METHODS.get, key="consent_method", horizontal=True)
    if st.button("Registrér samtykket", type="primary", key="consent_register"):
        try:
            with store() as s:
                s.record_consent(meeting.id, role, True, method, by=user.name)
        except MeetingError as error:
            st.error(str(error))
        else:
            st.session_state[DONE] = f"Samtykke registreret for {escape(labels[role].lower())} ({METHODS[method]})."
            st.rerun()


def withdraw_form(user, meeting) -> None:
    consented = [p for p in meeting.participants if p.speaks and p.has_consented]
    if not consented:
        return
    with st.expander("En deltager trækker sit samtykke tilbage"):
        st.warning("Når samtykket trækkes tilbage, slettes mødet med det samme: lyd, tekst, markeringer, noter "
                   "og udviklingspunkter. Det kan ikke fortrydes. Tilbage er kun en note i revisionsloggen om, "
                   "at et møde er slettet, og hvorfor.")
        labels = {p.role: p.label for p in consented}
        role = st.selectbox("Hvem trækker samtykket tilbage", list(labels), format_func=labels.get,
                            key="withdraw_role")
        method = st.radio("Hvordan", list(METHODS), format_func=METHODS.get, key="withdraw_method", horizontal=True)
        sure = st.checkbox("Jeg har forstået, at mødet slettes helt.", key="withdraw_sure")
        if st.button("Træk samtykket tilbage og slet mødet", disabled=not sure, key="withdraw_go"):
            try:
                with store() as s:
                    s.record_consent(meeting.id, role, False, method, by=user.name)
            except MeetingError as error:
                st.error(str(error))
                return
            st.session_state.pop(MEETING_KEY, None)
            st.query_params.pop("meeting", None)
            st.session_state.pop("withdraw_sure", None)
            st.session_state[DONE] = "Samtykket er trukket tilbage, og mødet er slettet med al dets lyd og tekst."
            st.rerun()


render()
