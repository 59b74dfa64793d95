"""medlyt dashboard: log in, then the meetings this user may see and each meeting's overview.

Thin pages (dashboard/views/; not pages/, which Streamlit would also list and run without this
app around them): reading and writing go through meetings.store, numbers and words about them come
from feedback/; access is decided by meetings.access (dashboard.data applies it).
"""

import altair  # noqa: F401  imported while the login page shows, so opening a meeting is quick
import streamlit as st

from dashboard.auth import current_user, login_page, sidebar
from dashboard.data import purge_due
from meetings.errors import MeetingError
from medlyt.settings import session_limits

st.set_page_config(page_title="medlyt", page_icon="🎧", layout="wide")
# Tables hold what citizens said: no "Download as CSV" or copy from them; downloads are our own
# masked, audited exports (the report on Sparring).
st.set_option("client.disableDataExport", True)
# Charts have their own toolbar, which that option leaves alone: no picture download and no copy
# of the chart's data from there either (fullscreen and "Show data" stay; their table has no download).
st.html("""<style>
[data-testid="stElementToolbar"] button[aria-label="Download as PNG"],
[data-testid="stElementToolbar"] button[aria-label="Copy Vega-Lite spec"] { display: none; }
/* What was said inside a moment is quoted: at full contrast, marked by a bar, never faint. */
[data-testid="stMarkdownContainer"] blockquote { color: inherit; opacity: 1; border-left: 4px solid #1565c0; }
[data-testid="stMarkdownContainer"] blockquote p { color: inherit; }
/* WCAG 2.1 AA (4.5:1): Streamlit's small grey text (captions, the labels of boxes shown but not
   editable, such as the other person's note) is too faint on white; a darker grey still reads
   as secondary. */
[data-testid="stCaptionContainer"], [data-testid]:has(:disabled, [aria-disabled="true"]) > [data-testid="stWidgetLabel"] {
  opacity: 1; }
[data-testid="stCaptionContainer"] p, [data-testid="stCaptionContainer"] code,
[data-testid]:has(:disabled, [aria-disabled="true"]) > [data-testid="stWidgetLabel"] p { color: #5e5d5b; }
/* A transcript line is a button (dashboard/line_click.js): it shows it under the pointer and in focus. */
.st-key-transcript-lines [data-testid="stMarkdownContainer"] p[role="button"] {
  cursor: pointer; border-radius: 0.25rem; padding: 0.1rem 0.25rem; margin-left: -0.25rem; }
.st-key-transcript-lines [data-testid="stMarkdownContainer"] p[role="button"]:hover { background: #eef3fb; }
.st-key-transcript-lines [data-testid="stMarkdownContainer"] p[role="button"]:focus-visible {
  outline: 2px solid #1565c0; outline-offset: 1px; }
/* On a tablet (768 px) side-by-side parts of a page (transcript and corrections, the two charts)
   go one under the other, each at full width, instead of squeezing. A page marks such a row by
   putting it in a container whose key starts with "reflow". */
@media (max-width: 1000px) {
  [class*="st-key-reflow"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  [class*="st-key-reflow"] [data-testid="stColumn"] { flex: 1 1 100% !important; width: 100% !important;
                                                      min-width: 100% !important; }
}
</style>""")
if "purged" not in st.session_state:  # once per visit: a server may run for days
    try:
        st.session_state["purged"] = purge_due()
    except MeetingError as error:  # e.g. the encryption key is missing: say so, show nothing
        st.error(str(error))
        st.stop()

try:
    session_limits()
except ValueError as error:  # a mistyped MEDLYT_SESSION_* setting: say which, show nothing
    st.error(str(error))
    st.stop()

user = current_user()
if user is None:
    st.navigation([st.Page(login_page, title="Log ind", url_path="login")], position="hidden").run()
else:
    sidebar(user)
    st.navigation([
        st.Page("views/meetings.py", title="Møder", url_path="moeder", default=True),
        st.Page("views/new_meeting.py", title="Nyt møde", url_path="nyt-moede"),
        st.Page("views/consent.py", title="Samtykke", url_path="samtykke"),
        st.Page("views/upload.py", title="Lyd ind", url_path="lyd-ind"),
        st.Page("views/live.py", title="Live", url_path="live"),
        st.Page("views/overview.py", title="Mødeoverblik", url_path="overblik"),
        st.Page("views/speakers.py", title="Hvem er hvem", url_path="hvem-er-hvem"),
        st.Page("views/transcript.py", title="Transskription", url_path="transskription"),
        st.Page("views/session.py", title="Sparring", url_path="sparring"),
        st.Page("views/development.py", title="Udvikling", url_path="udvikling"),
    ]).run()
