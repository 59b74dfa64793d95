"""Nyt møde: set up a meeting with its participants and their consent, the declaration to read
aloud or print at hand. Nothing is recorded here; a meeting without everyone's consent cannot be."""

from datetime import datetime, time, timezone

import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import choose
from dashboard.consent_text import declaration_html, declaration_markdown
from dashboard.data import store
from dashboard.format import channel_list, escape
from meetings.access import caseworkers_for_new_meeting, can_create_meeting, partners_for_new_meeting
from meetings.errors import MeetingError
from meetings.records import ROLE_LABELS, Consent, Participant
from medlyt.settings import organisation

MAX_CHANNEL = 16  # the inputs of the larger common audio interfaces
CONSENT_CHOICES = {"Ikke endnu": None, "Ja, mundtligt": "verbal", "Ja, skriftligt": "written"}
ONE_MICROPHONE, MICROPHONE_EACH = "Én mikrofon til alle", "En mikrofon til hver, der taler"
MICROPHONES_HELP = ("Med en mikrofon til hver (fx en lille mikrofon på reverset, hver på sin kanal i lydkortet) "
                    "måles taletid og samtidig tale præcist. Med én mikrofon skelnes stemmerne på lyden, og et "
                    "kort »ja« under den andens tale kan gå tabt.")


def consent_at(chosen: time) -> str:
    """Today at the time chosen (the machine's local time), as the record's UTC timestamp."""
    local = datetime.combine(datetime.now().date(), chosen).astimezone()
    return local.astimezone(timezone.utc).isoformat(timespec="seconds")


def consent_of(role: str) -> Consent | None:
    method = CONSENT_CHOICES[st.session_state[f"new_consent_{role}"]]
    if method is None:
        return None
    return Consent(given=True, method=method, recorded_at=consent_at(st.session_state[f"new_consent_time_{role}"]))


def consent_fields(role: str, label: str) -> None:
    left, right = st.columns([3, 1])
    left.radio(f"Samtykke fra {label.lower()}", list(CONSENT_CHOICES), key=f"new_consent_{role}", horizontal=True)
    right.time_input("Klokken", value=datetime.now().time().replace(second=0, microsecond=0),
                     key=f"new_consent_time_{role}", disabled=st.session_state.get(f"new_consent_{role}") == "Ikke endnu")


def microphone_fields(speaking: list[str]) -> None:
    st.subheader("Mikrofoner")
    st.radio("Hvordan optages samtalen?", [ONE_MICROPHONE, MICROPHONE_EACH], key="new_microphones",
             horizontal=True, help=MICROPHONES_HELP)
    if st.session_state.get("new_microphones") != MICROPHONE_EACH:
        return
    st.caption("Skriv, hvilken kanal på lydkortet hver persons mikrofon sidder på.")
    for column, (number, role) in zip(st.columns(len(speaking)), enumerate(speaking, start=1)):
        column.number_input(f"Kanal for {ROLE_LABELS[role].lower()}", min_value=1, max_value=MAX_CHANNEL,
                            value=number, step=1, key=f"new_channel_{role}")


def channel_of(role: str) -> int | None:
    if st.session_state.get("new_microphones") != MICROPHONE_EACH:
        return None
    return int(st.session_state[f"new_channel_{role}"])


def render() -> None:
    user = current_user()
    st.title("Nyt møde")
    if not can_create_meeting(user):
        st.info("Din rolle kan ikke oprette møder. Spørg en observatør, en leder eller en administrator.")
        return
    with store() as s:
        users = s.users()
        retention_days = s.retention_days()
    caseworkers = caseworkers_for_new_meeting(user, [u.name for u in users if u.role == "sagsbehandler"])
    partners = partners_for_new_meeting(user, [u.name for u in users if u.role in ("observatør", "leder")])

    with st.expander("Samtykkeerklæring: læs den op, eller print den til underskrift", expanded=False):
        org = organisation()
        st.markdown(declaration_markdown(org, retention_days))
        st.download_button("Hent erklæringen til print (HTML)", declaration_html(org, retention_days),
                           file_name="samtykkeerklaering.html", mime="text/html")

    if not caseworkers or not partners:
        missing = "en sagsbehandler" if not caseworkers else "en observatør eller leder, der kan sidde med"
        st.info(f"Der mangler {missing} blandt brugerne. En administrator opretter brugere under Brugere.")
        return

    st.text_input("Titel", key="new_title", placeholder="Fx Opfølgningssamtale",
                  help="Skriv ikke borgerens navn eller CPR-nummer i titlen.")
    st.selectbox("Sagsbehandler", caseworkers, key="new_caseworker", disabled=len(caseworkers) == 1)
    st.selectbox("Sidder med og optager (sparringspartner)", partners, key="new_partner", disabled=len(partners) == 1)
    st.checkbox("En bisidder deltager", key="new_with_companion")

    speaking = ["sagsbehandler", "borger"] + (["bisidder"] if st.session_state.get("new_with_companion") else [])
    microphone_fields(speaking)

    st.subheader("Samtykke")
    st.caption("Alle, der taler i samtalen, skal give samtykke, før der optages. Den, der sidder med uden at "
               f"tale, behøver ikke. Samtykket registreres i dit navn ({escape(user.name)}).")
    for role in speaking:
        consent_fields(role, ROLE_LABELS[role])

    st.button("Opret mødet", type="primary", key="new_create", on_click=create, args=(user, speaking))
    if st.session_state.get("new_error"):
        st.error(st.session_state.pop("new_error"))
    created = st.session_state.get("new_created")
    if created:
        next_step(created)


def create(user, speaking: list[str]) -> None:
    """On the click, before the page is drawn again: a created meeting empties the form, so a
    second click does not make a second meeting."""
    participants = [Participant(role=role, label=ROLE_LABELS[role], speaks=True, consent=consent_of(role),
                                channel=channel_of(role),
                                user=st.session_state["new_caseworker"] if role == "sagsbehandler" else None)
                    for role in speaking]
    participants.append(Participant(role="observatør", label=ROLE_LABELS["observatør"], speaks=False))
    try:
        with store() as s:
            meeting = s.create_meeting(st.session_state.get("new_title", ""), participants,
                                       recorded_by=st.session_state["new_partner"], by=user.name)
    except MeetingError as error:
        st.session_state["new_error"] = str(error)
        return
    empty_form(speaking)
    st.session_state["new_created"] = meeting.id
    choose(meeting.id)


def empty_form(speaking: list[str]) -> None:
    """Each field back to its first value. Set, not deleted: a deleted widget state is drawn anew
    on the server, but the browser went on showing the old choice (a consent that was not given)."""
    st.session_state["new_title"] = ""
    st.session_state["new_with_companion"] = False
    st.session_state["new_microphones"] = ONE_MICROPHONE
    for role in speaking:
        st.session_state[f"new_consent_{role}"] = next(iter(CONSENT_CHOICES))
        st.session_state.pop(f"new_channel_{role}", None)  # not drawn with one microphone


def next_step(meeting_id: str) -> None:
    with store() as s:
        meeting = s.get_meeting(meeting_id)
    missing = [p.label.lower() for p in meeting.missing_consent]
    st.success(f"Mødet er oprettet: {escape(meeting.title)}.")
    if meeting.channels_wanted > 1:
        st.caption(f"Optag med {meeting.channels_wanted} kanaler: {channel_list(meeting)}.")
    if missing:
        st.warning(f"Samtykke mangler fra {', '.join(missing)}. Der kan ikke optages, før det er givet: "
                   "registrér det under **Samtykke**, når det foreligger.")
    else:
        st.info("Alle, der taler, har givet samtykke. Næste skridt: upload optagelsen under **Lyd ind**, eller "
                "optag med medlyts optager på mødecomputeren og følg optagelsen under **Live**.")
        st.page_link("views/upload.py", label="Gå til Lyd ind", icon=":material/arrow_forward:")
    st.page_link("views/meetings.py", label="Gå til Møder", icon=":material/arrow_forward:")


render()
