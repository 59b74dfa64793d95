"""Møder: the meetings this user may see, with balance and flags at a glance."""

from datetime import date, timedelta

import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import choose
from dashboard.data import meetings_for, store
from dashboard.format import STATUS_LABELS, clock, escape, percent
from meetings import audit
from meetings.access import ADMIN_READS_CONTENT_ENV, admin_reads_content, can_share
from meetings.errors import MeetingError
from meetings.redaction import redact


def log_list_view(user) -> None:
    """The list itself is a view too: once per session, with the user."""
    if st.session_state.get("list_logged"):
        return
    st.session_state["list_logged"] = True
    with store() as s:
        s.log(audit.VIEWED, None, user.name, "page=moeder")


def render() -> None:
    user = current_user()
    st.title("Møder")
    meetings = meetings_for(user)
    log_list_view(user)
    if not meetings:
        if user.role == "admin" and not admin_reads_content():
            st.info("Som administrator styrer du brugere, opbevaring og revisionslog, men ser ikke mødernes "
                    "indhold. Et møde vises for sagsbehandleren i mødet, sparringspartneren der optog det, og "
                    f"de ledere, det er delt med. Organisationen kan give administratorer adgang ({ADMIN_READS_CONTENT_ENV}=1).")
        else:
            st.info("Der er ingen møder, du har adgang til. Et møde vises for sagsbehandleren i mødet, "
                    "sparringspartneren der optog det, og de ledere, det er delt med. Prøv `medlyt demo`.")
        return
    rows = []
    with store() as s:
        for m in meetings:
            analysis = s.analysis(m.id) if m.status == "processed" else None
            speakers = {sp.id: sp for sp in s.speakers(m.id)} if analysis else {}
            shares = {speakers[w].role: b["share"] for w, b in (analysis.balance.items() if analysis else [])
                      if w in speakers and speakers[w].role}
            rows.append({
                "Dato": m.created_at[:16].replace("T", " "),
                "Titel": redact(m.title),
                "Varighed": clock(m.audio.duration_s) if m.audio else "–",
                "Status": STATUS_LABELS.get(m.status, m.status),
                "Sagsbehandlerens andel": percent(shares.get("sagsbehandler")) if analysis else "–",
                "Markeringer": len(analysis.flags) if analysis else 0,
                "Delt med": ", ".join(m.shared_with) or "–",
                "Slettes": m.delete_after or "–",
                "Id": m.id,
            })
    st.dataframe(rows, hide_index=True, width="stretch")

    labels = {m.id: f"{m.created_at[:10]} · {redact(m.title)}" for m in meetings}
    chosen = st.selectbox("Åbn et møde", list(labels), format_func=labels.get, key="open_meeting")
    if st.button("Åbn mødeoverblik", type="primary"):
        choose(chosen)
        st.switch_page("pages/overview.py", query_params={"meeting": chosen})

    meeting = next(m for m in meetings if m.id == chosen)
    if can_share(user, meeting):
        share_form(user, meeting)
    if user.role in ("leder", "admin"):
        retention_form(user, meeting)


def retention_form(user, meeting) -> None:
    """A leader may keep one meeting longer than the organisation's period, with a reason."""
    with st.expander(f"Gem mødet længere (slettes {meeting.delete_after})"):
        until = st.date_input("Ny slettedato", value=date.fromisoformat(meeting.delete_after) + timedelta(days=30),
                              key="retention_until", format="YYYY-MM-DD")
        reason = st.text_input("Begrundelse (skriv ikke borgerens navn)", key="retention_reason")
        if st.button("Forlæng"):
            try:
                with store() as s:
                    changed = s.extend_retention(meeting.id, until.isoformat(), reason, by=user.name)
            except MeetingError as error:
                st.error(str(error))
            else:
                st.success(f"Mødet slettes nu {changed.delete_after}.")


def share_form(user, meeting) -> None:
    with store() as s:
        leaders = [u.name for u in s.users() if u.role == "leder"]
    with st.expander("Del mødet med en leder"):
        if not leaders:
            st.caption("Der er ingen ledere blandt brugerne.")
            return
        leader = st.selectbox("Leder", leaders, key="share_leader")
        sure = st.checkbox("Jeg vil give lederen adgang til lyd, transskription og markeringer i dette møde.",
                           key="share_sure")
        if st.button("Del mødet", disabled=not sure):
            with store() as s:
                s.share(meeting.id, leader, by=user.name)
            st.success(f"Mødet er delt med {escape(leader)}.")


render()
