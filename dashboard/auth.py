"""Log ind: local users with roles, passwords checked by the store (Argon2id)."""

import time

import streamlit as st

from dashboard.data import store
from dashboard.format import escape
from meetings import audit
from meetings.errors import LoginThrottled
from meetings.records import USER_ROLE_LABELS, User
from medlyt.settings import session_limits

USER_KEY = "user"
STARTED_KEY = "session_started"  # time.time() of the login
ACTIVE_KEY = "session_active"  # time.time() of the last run on this user's behalf
ENDED_KEY = "session_ended"  # why the last session ended, for the login page to say


def current_user() -> User | None:
    """The logged-in user as the store knows them now, checked on every run and in every
    callback: a removed user is logged out at once, a changed role applies at once, and a
    session ends after the configured idle time and lifetime."""
    user = st.session_state.get(USER_KEY)
    if user is None and sso_enabled() and st.user.get("is_logged_in"):
        user = user_for_identity(st.user.get("email") or st.user.get("preferred_username"))
        if user is not None:
            start_session(user)
    if user is None:
        return None
    ended = session_over(time.time())
    if ended is None:
        with store() as s:
            fresh = s.user(user.name)
        if fresh is None:
            ended = "Din adgang til medlyt er ophørt. Kontakt en administrator, hvis det er en fejl."
    if ended is not None:
        end_session(ended)
        return None
    st.session_state[USER_KEY] = fresh
    st.session_state[ACTIVE_KEY] = time.time()
    return fresh


def start_session(user: User) -> None:
    st.session_state[USER_KEY] = user
    st.session_state[STARTED_KEY] = st.session_state[ACTIVE_KEY] = time.time()


def session_over(now: float) -> str | None:
    """Why the session has run out, or None while it lasts."""
    limits = session_limits()
    started = st.session_state.get(STARTED_KEY, 0.0)
    active = st.session_state.get(ACTIVE_KEY, 0.0)
    if now - started > limits.lifetime_s:
        return f"Du er logget ud, fordi der er gået mere end {limits.lifetime_s / 3600:g} timer, siden du loggede ind."
    if now - active > limits.idle_s:
        return f"Du er logget ud efter {limits.idle_s / 60:g} minutter uden aktivitet."
    return None


def end_session(reason: str) -> None:
    """Forget everything this browser session held (typed text, chosen meetings), keep the reason."""
    st.session_state.clear()
    st.session_state[ENDED_KEY] = reason


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
    if (reason := st.session_state.pop(ENDED_KEY, None)) is not None:
        st.info(reason)
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
        try:
            with store() as s:
                user = s.authenticate(name.strip(), password, client=st.context.ip_address)
        except LoginThrottled as wait:
            st.error(str(wait))
            return
        if user is None:
            st.error("Forkert brugernavn eller adgangskode.")
        else:
            start_session(user)
            st.rerun()


def sidebar(user: User) -> None:
    st.sidebar.markdown(f"**{escape(user.name)}** · {USER_ROLE_LABELS.get(user.role, user.role)}")
    if st.sidebar.button("Log ud"):
        st.session_state.clear()
        if sso_enabled() and st.user.get("is_logged_in"):
            st.logout()
        st.rerun()
