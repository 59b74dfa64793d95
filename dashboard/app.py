"""medlyt dashboard: log in, then the meetings this user may see and each meeting's overview.

Thin pages: reading and writing go through meetings.store, numbers and words about them come
from feedback/; access is decided by meetings.access (dashboard.data applies it).
"""

import streamlit as st

from dashboard.auth import current_user, login_page, sidebar

st.set_page_config(page_title="medlyt", page_icon="🎧", layout="wide")

user = current_user()
if user is None:
    st.navigation([st.Page(login_page, title="Log ind", url_path="login")], position="hidden").run()
else:
    sidebar(user)
    st.navigation([
        st.Page("pages/meetings.py", title="Møder", url_path="moeder", default=True),
        st.Page("pages/overview.py", title="Mødeoverblik", url_path="overblik"),
    ]).run()
