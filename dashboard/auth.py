"""Log ind: local users with roles, passwords checked by the store (Argon2id)."""

import streamlit as st

from dashboard.data import store
from meetings import audit
from meetings.records import USER_ROLE_LABELS, User

USER_KEY = "user"


def current_user() -> User | None:
    user = st.session_state.get(USER_KEY)
    if user is None and sso_enabled() and st.user.get("is_logged_in"):
        user = user_for_identity(st.user.get("email") or st.user.get("preferred_username"))
        if user is not None:
            st.session_state[USER_KEY] = user
    return user


def sso_enabled() -> bool:
    """Single sign-on is on when the organisation has put an [auth] section (Streamlit's OIDC
    settings) in secrets.toml in the data directory; `medlyt dashboard` hands that file over."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        return False


def user_for_identity(identity: str | None) -> User | None:
    """A signed-in identity gets the role of the local user with that name (an e-mail address
    or user name): the identity provider says who someone is, medlyt what they may see."""
    if not identity:
        return None
    with store() as s:
        user = s.user(identity)
        if user is not None:
            s.log(audit.LOGIN, None, user.name, "sso")
    return user


def login_page() -> None:
    st.title("medlyt – log ind")
    with store() as s:
        has_users = bool(s.users())
    if not has_users:
        st.info("Der er ingen brugere endnu. Opret den første: `medlyt user add NAVN --role admin`")
        return
    if sso_enabled():
        if st.user.get("is_logged_in"):
            st.error("Du er logget ind, men har ingen rolle i medlyt. Bed en administrator om at oprette dig: "
                     f"`medlyt user add {st.user.get('email') or 'NAVN'} --role ...`")
        if st.button("Log ind med organisationens single sign-on", type="primary"):
            st.login()
        st.caption("Eller log ind med en lokal bruger:")
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
        if sso_enabled() and st.user.get("is_logged_in"):
            st.logout()
        st.rerun()
