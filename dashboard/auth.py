"""Who is logged in, for every page run and callback: a login held by the server
(dashboard.sessions), begun at the login form (dashboard.server) or by single sign-on."""

import streamlit as st

from dashboard import sessions
from dashboard.format import escape
from meetings import audit, web_sessions
from meetings.records import USER_ROLE_LABELS, User

TOKEN_KEY = "login_token"  # a login begun in this tab by single sign-on, which sets no cookie of ours
ENDED_KEY = "session_ended"  # why the last login ended, for the login page to say
LOGIN_URL = "/medlyt/login"


def cookie_token() -> str | None:
    cookie = st.context.cookies.get(sessions.COOKIE)
    return cookie if isinstance(cookie, str) and cookie else None  # AppTest's stand-in client gives a mock


def token() -> str | None:
    return cookie_token() or st.session_state.get(TOKEN_KEY)


def current_user() -> User | None:
    """The logged-in user as the store knows them now, checked on every run and in every
    callback: a removed user is logged out at once, a changed role applies at once, and a
    login ends after the configured idle time and lifetime."""
    held = token()
    if held is None and sso_enabled() and st.user.get("is_logged_in"):
        held = sso_login(st.user.get("email") or st.user.get("preferred_username"))
    user, why = sessions.resolve(held)
    if user is None:
        reason = sessions.why_text(why) if why is not None else st.session_state.get(ENDED_KEY)
        st.session_state.clear()  # typed text, chosen meetings: nothing outlives the login
        if reason is not None:
            st.session_state[ENDED_KEY] = reason
        if why in (web_sessions.IDLE, web_sessions.LIFETIME) and sso_enabled() and st.user.get("is_logged_in"):
            st.logout()  # or single sign-on would log the same person straight back in
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
    with sessions.store() as s:
        user = s.user(identity)
        if user is not None:
            s.log(audit.LOGIN, None, user.name, "sso")
    return user


def sso_login(identity: str | None) -> str | None:
    """A login for a single sign-on identity, held by this tab; its token."""
    user = user_for_identity(identity)
    if user is None:
        return None
    st.session_state[TOKEN_KEY] = sessions.open_login(user.name)
    return st.session_state[TOKEN_KEY]


def login_page() -> None:
    # Nothing to navigate before a login: the sidebar left from the last page would stand empty.
    st.html("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'] "
            "{ display: none; }</style>")
    st.title("medlyt – log ind")
    if (reason := st.session_state.get(ENDED_KEY)) is not None:
        st.info(reason)
    if sso_enabled():
        if st.user.get("is_logged_in"):
            st.error("Du er logget ind, men har ingen rolle i medlyt. Bed en administrator om at oprette dig "
                     f"med brugernavnet {escape(st.user.get('email') or st.user.get('preferred_username') or '–')} "
                     "og den rolle, du skal have.")
        if st.button("Log ind med organisationens single sign-on", type="primary"):
            st.login()
    # Our own page: it sets the login's cookie, which a page drawn by Streamlit cannot.
    st.markdown(f'<a href="{LOGIN_URL}" target="_self">Log ind med brugernavn og adgangskode</a>',
                unsafe_allow_html=True)


def sidebar(user: User) -> None:
    st.sidebar.markdown(f"**{escape(user.name)}** · {USER_ROLE_LABELS.get(user.role, user.role)}")
    if st.sidebar.button("Log ud"):
        sessions.log_out(token())
        st.session_state.clear()
        st.session_state[ENDED_KEY] = sessions.why_text(web_sessions.LOGGED_OUT)
        if sso_enabled() and st.user.get("is_logged_in"):
            st.logout()
        st.rerun()
