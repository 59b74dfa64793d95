"""Log ind: local users with roles, passwords checked by the store (Argon2id)."""

import streamlit as st

from dashboard.data import store
from meetings.records import USER_ROLE_LABELS, User

USER_KEY = "user"


def current_user() -> User | None:
    return st.session_state.get(USER_KEY)


def login_page() -> None:
    st.title("medlyt – log ind")
    with store() as s:
        has_users = bool(s.users())
    if not has_users:
        st.info("Der er ingen brugere endnu. Opret den første: `medlyt user add NAVN --role admin`")
        return
    with st.form("login"):
        name = st.text_input("Brugernavn")
        password = st.text_input("Adgangskode", type="password")
        submitted = st.form_submit_button("Log ind")
    if submitted:
        with store() as s:
            user = s.authenticate(name.strip(), password)
        if user is None:
            st.error("Forkert brugernavn eller adgangskode.")
        else:
            st.session_state[USER_KEY] = user
            st.rerun()


def sidebar(user: User) -> None:
    st.sidebar.markdown(f"**{user.name}** · {USER_ROLE_LABELS.get(user.role, user.role)}")
    if st.sidebar.button("Log ud"):
        st.session_state.clear()
        st.rerun()
