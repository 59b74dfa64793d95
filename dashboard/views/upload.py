"""Lyd ind: upload a meeting's recording, or record it here. The file goes to the server's own
address in chunks, with a progress bar (dashboard/upload.py); Streamlit's own uploader would hold
it whole in memory. Recording here starts the crash-safe recorder as a process of its own
(dashboard/recorder.py), whose input level the page shows; the Live page follows and stops it."""

import json
from urllib.parse import urljoin

import streamlit as st
import streamlit.components.v1 as components

from capture.level import read_level
from capture.recorder import RecorderError, input_devices, too_few_channels
from dashboard import recorder, sessions
from dashboard.auth import cookie_token, current_user, token
from dashboard.choice import pick_meeting
from dashboard.data import meeting_for, meetings_for, store
from dashboard.format import ACCENT_COLOUR, channel_list, clock, escape, text_font_face
from dashboard.processing import offer
from dashboard.upload import FILENAME_HEADER, UPLOAD_PATH, megabytes
from feedback.labels import channels_note
from meetings.access import can_add_recording
from meetings.errors import MeetingError
from meetings.redaction import redact
from medlyt.settings import data_home, upload_max_bytes

STORED = "gemt"
WATCH_EVERY_S = 2.0
LEVEL_EVERY_S = 0.5
FORMATS = ".wav,.mp3,.m4a,.flac,.ogg,.opus,.webm,.mp4,.aac,.wma,audio/*"

# In the page's own letters and sizes (14 px, as Streamlit's labels and buttons), so the frame
# does not look like another program's.
WIDGET = """<!doctype html><html lang="da"><head><meta charset="utf-8"><style>
{font_face}
body {{ font-family: "Source Sans", system-ui, sans-serif; font-size: 14px; line-height: 1.6; margin: 0;
        color: #31333f; }}
.pick {{ display: inline-block; margin-top: .25rem; padding: .5rem .75rem; border: 1px solid #bbb;
         border-radius: .5rem; cursor: pointer; }}
#file {{ position: absolute; opacity: 0; width: 1px; height: 1px; }}
#file:focus + .pick {{ outline: 2px solid {accent}; }}
#name {{ margin-left: .6rem; }}
button {{ margin-top: .8rem; min-height: 40px; padding: .25rem .75rem; font: inherit; background: {accent};
          color: #fff; border: 0; border-radius: .5rem; cursor: pointer; }}
button:disabled {{ background: #bbb; cursor: default; }}
progress {{ width: 100%; height: 1rem; margin-top: .8rem; }}
p {{ margin: .6rem 0 0; }}
</style></head><body>
<div>Lydfil (højst {limit_mb} MB)</div>
<input id="file" type="file" accept="{formats}" aria-label="Vælg lydfil">
<label class="pick" for="file">Vælg lydfil</label><span id="name">Ingen fil valgt</span>
<br><button id="send" type="button">Upload lyden</button>
<progress id="bar" max="100" value="0" hidden></progress>
<p id="said" role="status" aria-live="polite"></p>
<script>
const address = {address}, limit = {limit}, header = {header};
const file = document.getElementById("file"), send = document.getElementById("send");
const bar = document.getElementById("bar"), said = document.getElementById("said");
file.onchange = () => {{
  document.getElementById("name").textContent = file.files[0] ? file.files[0].name : "Ingen fil valgt";
  said.textContent = "";
}};
send.onclick = () => {{
  const chosen = file.files[0];
  if (!chosen) {{ said.textContent = "Vælg en lydfil først."; return; }}
  if (chosen.size > limit) {{ said.textContent = "Filen er for stor: højst {limit_mb} MB."; return; }}
  send.disabled = true; bar.hidden = false; bar.value = 0;
  const request = new XMLHttpRequest();
  request.open("POST", address);
  request.setRequestHeader(header, encodeURIComponent(chosen.name));
  request.upload.onprogress = (e) => {{
    if (e.lengthComputable) {{ bar.value = 100 * e.loaded / e.total; said.textContent = "Sender … " + Math.round(bar.value) + " %"; }}
  }};
  request.upload.onload = () => {{ bar.removeAttribute("value"); said.textContent = "Lyden pakkes ud og krypteres …"; }};
  request.onload = () => {{
    said.textContent = request.responseText; bar.hidden = true;
    if (request.status !== 200) {{ send.disabled = false; }}
  }};
  request.onerror = () => {{ said.textContent = "Forbindelsen blev afbrudt; intet er gemt. Prøv igen."; bar.hidden = true; send.disabled = false; }};
  request.send(chosen);
}};
</script></body></html>"""


def render() -> None:
    user = current_user()
    st.title("Lyd ind")
    recorder.sweep(data_home())
    stored = just_stored(user)
    meetings = [m for m in meetings_for(user) if can_add_recording(user, m) and m.audio is None]
    if not meetings:
        if not stored:
            st.info("Ingen af dine møder venter på lyd. Opret et møde under **Nyt møde**.")
            st.page_link("views/new_meeting.py", label="Gå til Nyt møde", icon=":material/arrow_forward:")
        return
    meeting = pick_meeting(meetings, "upload_meeting")
    if meeting.missing_consent:
        missing = ", ".join(p.label.lower() for p in meeting.missing_consent)
        st.warning(f"Samtykke mangler fra {missing}. Der kan ikke uploades eller optages lyd, før det er givet.")
        st.page_link("views/consent.py", label="Registrér samtykke", icon=":material/arrow_forward:")
        return
    limit = upload_max_bytes()
    st.caption("Lyden krypteres, så snart den er modtaget, og kun mødets folk kan høre den. Når den er gemt, "
               "kan mødet transskriberes.")
    ticket = sessions.upload_ticket(token(), meeting.id, by_cookie=cookie_token() is not None)
    page = st.context.url or "http://127.0.0.1/"
    address = urljoin(page, f"{UPLOAD_PATH}/{ticket}")
    components.html(WIDGET.format(address=json.dumps(address), limit=limit, limit_mb=megabytes(limit),
                                  header=json.dumps(FILENAME_HEADER), formats=FORMATS, accent=ACCENT_COLOUR,
                                  font_face=text_font_face(urljoin(page, "static/media/"))),
                    height=200)
    if recorder.offered(st.context.ip_address, st.context.headers):
        record_here(user, meeting)
    watch(meeting.id)


def record_here(user, meeting) -> None:
    """Choose the microphone and start; then the level while it records."""
    st.subheader("Eller optag her")
    with store() as s:
        recording = meeting.id in s.recording_now()
    if recording or recorder.running(meeting.id) or recorder.failure(data_home(), meeting.id):
        follow_recording(meeting.id)
        return
    try:
        devices = input_devices()
    except RecorderError as error:
        st.info(str(error))
        return
    device = st.selectbox("Mikrofon", devices, format_func=lambda d: d.label, key="record_device")
    wanted = meeting.channels_wanted
    if wanted > 1:
        st.caption(f"Mødet optages med en mikrofon til hver, der taler: {channel_list(meeting)}.")
    too_few = device.channels < wanted
    if too_few:
        st.warning(too_few_channels(wanted, device.channels))
    st.button(f"Prøv mikrofonen ({recorder.CHECK_S} s)", key="record_check", on_click=recorder.check,
              args=(data_home(), meeting.id, device), disabled=too_few)
    check_key = recorder.check_key(meeting.id)
    if recorder.running(check_key) or recorder.failure(data_home(), check_key):
        follow_check(meeting.id)
    live = st.checkbox("Vis taletid og foreløbig tekst undervejs (live)", key="record_live",
                       help="Kræver mere af computeren: talen skrives ud, mens mødet foregår.")
    st.caption("Optageren kører som sit eget program på denne computer og gemmer lyden løbende, også hvis "
               "browseren lukkes. Du stopper den på siden Live.")
    if st.button("Start optagelsen", type="primary", key="record_start", disabled=too_few):
        recorder.start(data_home(), meeting.id, device, live, user.name)
        st.rerun()


@st.fragment(run_every=LEVEL_EVERY_S)
def follow_check(meeting_id: str) -> None:
    """The chosen microphone's level for a few seconds before the recording; nothing is kept."""
    home, key = data_home(), recorder.check_key(meeting_id)
    failed = recorder.failure(home, key)
    if failed:
        st.error(f"Mikrofonen kunne ikke prøves: {failed}")
        return
    level = read_level(recorder.level_path(home, key))
    if level is not None:
        st.progress(level.fraction, text=f"Prøve · lydniveau {level.peak_db:.0f} dB · sig noget, og se måleren bevæge sig")
        if level.quiet:
            st.warning("Mikrofonen hører næsten ingenting. Tjek at den er tændt, ikke slået fra og tæt nok på.")
    elif recorder.running(key):
        st.caption("Mikrofonen åbnes …")
    else:
        st.caption("Prøven er slut. Intet af den er gemt.")


@st.fragment(run_every=LEVEL_EVERY_S)
def follow_recording(meeting_id: str) -> None:
    """The level the recorder process writes; nothing of the sound itself reaches this page."""
    home = data_home()
    failed = recorder.failure(home, meeting_id)
    if failed:
        st.error(f"Optageren stoppede med en fejl: {failed}")  # at the start or later (a full disk)
        st.button("Prøv igen", key="record_again", on_click=recorder.forget, args=(meeting_id,))
        return
    level = read_level(recorder.level_path(home, meeting_id))
    if level is not None:
        st.progress(level.fraction, text=f"Optager · {clock(int(level.seconds))} · lydniveau {level.peak_db:.0f} dB")
        if level.quiet:
            st.warning("Mikrofonen hører næsten ingenting. Tjek at den er tændt, ikke slået fra og tæt nok på.")
    elif recorder.running(meeting_id):
        st.info("Optageren starter …")
    else:  # started elsewhere (`medlyt record`, another browser): no level to show here
        st.info("Mødet bliver optaget nu.")
    st.page_link("views/live.py", label="Følg og stop optagelsen på Live", icon=":material/arrow_forward:",
                 query_params={"meeting": meeting_id})


@st.fragment(run_every=WATCH_EVERY_S)
def watch(meeting_id: str) -> None:
    """The upload happens beside Streamlit (the widget cannot talk back to the page): look for
    the stored recording, and draw the page anew when it is there. Looking is not the user's
    activity, so it does not ask for the login (which would keep an idle login alive); the page
    drawn anew does, and shows nothing the login may no longer see."""
    try:
        with store() as s:
            recorded = s.get_meeting(meeting_id).audio is not None
    except MeetingError:
        return
    if recorded:
        st.query_params.update({"meeting": meeting_id, STORED: "1"})
        st.rerun(scope="app")


def just_stored(user) -> bool:
    """After an upload the page comes back with ?gemt=1: say so, and what happens next."""
    if not st.query_params.get(STORED):
        return False
    meeting = meeting_for(user, st.query_params.get("meeting"))
    if meeting is None or meeting.audio is None:
        return False
    minutes, seconds = divmod(round(meeting.audio.duration_s), 60)
    st.success(f"Lyden til {escape(redact(meeting.title))} er gemt og krypteret ({minutes} min. {seconds} s).")
    if note := channels_note(meeting):
        st.warning(note)
    if meeting.status != "processed":
        st.caption("Næste skridt: mødet transskriberes, før overblik og markeringer kan vises. Det tager nogle "
                   "minutter; du kan lukke siden imens.")
    offer(user, meeting)
    return True


try:
    render()
except ValueError as error:  # a mistyped MEDLYT_UPLOAD_MAX_MB
    st.error(str(error))
