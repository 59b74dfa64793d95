"""The dashboard's web server, as `medlyt dashboard` starts it: Streamlit's app (dashboard/app.py)
plus what Streamlit cannot do itself, because it needs a real HTTP response: the login form that
sets the session cookie, the sound of a moment for a live login only, a recording uploaded in
chunks (dashboard/upload.py), and a gate in front of Streamlit's own media and pages.
"""

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard import sessions
from dashboard.data import SOUND_PATH
from dashboard.format import ACCENT_COLOUR, text_font_face
from dashboard.upload import UPLOAD_PATH, upload
from meetings.errors import LoginThrottled

LOGIN_PATH = "/medlyt/login"
MAX_FORM_BYTES = 4096
# Streamlit's own machinery: its websocket and health check, its scripts and styles. The
# websocket needs no gate: every page run asks dashboard.sessions itself.
OPEN_PREFIXES = ("/_stcore/", "/static/", "/component/", "/auth/", "/favicon", "/medlyt/")


def token_of(request: Request) -> str | None:
    return request.cookies.get(sessions.COOKIE)


def sso_enabled() -> bool:
    from dashboard.auth import sso_enabled as enabled

    return enabled()


# ---- the login form -------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="da"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>medlyt – log ind</title>
<style>
{font_face}
body {{ font-family: "Source Sans", system-ui, sans-serif; background: #f6f6f3; color: #1f1f1f; margin: 0; }}
main {{ max-width: 24rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: .5rem;
        box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.5rem; margin-top: 0; }}
label {{ display: block; margin: 1rem 0 .3rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .6rem; font: inherit; border: 1px solid #888;
         border-radius: .3rem; }}
button {{ margin-top: 1.5rem; padding: .6rem 1.2rem; font: inherit; background: {accent}; color: #fff;
          border: 0; border-radius: .3rem; cursor: pointer; }}
.error {{ background: #fde8e6; color: #7a1b0d; padding: .7rem; border-radius: .3rem; }}
.info {{ background: #e8f0fb; color: #173f73; padding: .7rem; border-radius: .3rem; }}
</style></head>
<body><main>
<h1>medlyt – log ind</h1>
{message}
<form method="post" action="{action}">
<label for="name">Brugernavn</label>
<input id="name" name="name" autocomplete="username" required autofocus value="{name}">
<label for="password">Adgangskode</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log ind</button>
</form>
{sso}
</main></body></html>
"""


def safe_next(target: str | None) -> str:
    """Only a path on this server: a login never sends anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_page(message: str = "", kind: str = "error", name: str = "", next_path: str = "/", status: int = 200) -> HTMLResponse:
    shown = f'<p class="{kind}" role="alert">{html.escape(message)}</p>' if message else ""
    sso = ('<p><a href="/">Log ind med organisationens single sign-on</a></p>' if sso_enabled() else "")
    body = PAGE.format(message=shown, action=html.escape(f"{LOGIN_PATH}?next={quote(next_path)}"),
                       name=html.escape(name), sso=sso, accent=ACCENT_COLOUR,
                       font_face=text_font_face("/static/media/"))
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def no_users() -> bool:
    with sessions.store() as s:
        return not s.users()


def authenticate(name: str, password: str, client: str | None):
    with sessions.store() as s:
        return s.authenticate(name, password, client=client)


async def login(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if await run_in_threadpool(no_users):
        return login_page("Der er ingen brugere endnu. Opret den første: medlyt user add NAVN --role admin", "info")
    if request.method == "GET":
        why = request.query_params.get("why")
        return login_page(sessions.why_text(why) if why else "", "info", next_path=next_path)
    if not same_origin(request):
        return login_page("Log ind fra medlyts egen side.", status=403)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return login_page("Forkert brugernavn eller adgangskode.", status=400)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    name, password = form.get("name", "").strip(), form.get("password", "")
    client = request.client.host if request.client else None
    try:
        user = await run_in_threadpool(authenticate, name, password, client)
    except LoginThrottled as wait:
        return login_page(str(wait), name=name, next_path=next_path, status=429)
    if user is None:
        return login_page("Forkert brugernavn eller adgangskode.", name=name, next_path=next_path, status=401)
    token = await run_in_threadpool(sessions.open_login, user.name)
    response = RedirectResponse(next_path, status_code=303)
    # No expiry: the browser forgets it when it closes; the server ends it sooner (idle, lifetime).
    response.set_cookie(sessions.COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


def same_origin(request: Request) -> bool:
    """A login posted from another site's page is refused (a browser names the page's origin)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host")


# ---- the sound of a moment ------------------------------------------------------------------


async def sound(request: Request) -> Response:
    status, content = await run_in_threadpool(sessions.sound_for, request.path_params["ticket"], token_of(request))
    if status != 200:
        return Response(content, status_code=status, media_type="text/plain; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
    return ranged(content, request.headers.get("range"))


def ranged(content: bytes, asked: str | None) -> Response:
    """The WAV whole, or the byte range the player asks for: a player seeks (to where a moment
    starts) only in a file served in ranges."""
    headers = {"Cache-Control": "no-store", "Accept-Ranges": "bytes"}
    found = re.fullmatch(r"bytes=(\d*)-(\d*)", (asked or "").strip())
    if found is None or found.groups() == ("", ""):
        return Response(content, media_type="audio/wav", headers=headers)
    size = len(content)
    first, last = found.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(size - 1, int(last)) if last else size - 1
    if start > end or start >= size:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(content[start:end + 1], status_code=206, media_type="audio/wav", headers=headers)


# ---- the gate in front of Streamlit ---------------------------------------------------------


class Gate:
    """Streamlit's media (a report just downloaded, a chart) only to a live login; a page asked
    for without one goes to the login form, with the reason when one has just ended."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        path = request.url.path
        if path.startswith("/media/"):
            user, _why = await run_in_threadpool(sessions.resolve, token_of(request))
            if user is None:
                return await Response("Du er ikke logget ind.", status_code=403)(scope, receive, send)
        elif request.method == "GET" and not path.startswith(OPEN_PREFIXES) and not sso_enabled():
            token = token_of(request)
            user, why = await run_in_threadpool(sessions.resolve, token)
            # Without a cookie, a link followed from another site's page may still have a login:
            # SameSite=Strict leaves the cookie off that first request, not off the page's own.
            cross_site = token is None and request.headers.get("sec-fetch-site") == "cross-site"
            if user is None and not cross_site:
                target = path + (f"?{request.url.query}" if request.url.query else "")
                where = f"{LOGIN_PATH}?next={quote(target)}" + (f"&why={why}" if why else "")
                return await RedirectResponse(where, status_code=303)(scope, receive, send)
        if request.method == "GET" and not path.startswith(OPEN_PREFIXES):
            return await in_danish(self.app, scope, receive, send)
        return await self.app(scope, receive, send)


# ---- Streamlit's page in Danish -------------------------------------------------------------
# Streamlit's page says lang="en" (a screen reader then reads Danish with English sounds), is
# titled "Streamlit", and its own few words ("Skip to main content", "Choose an option", "Page
# not found") are English. The page is rewritten on its way out: lang="da", our title, and a
# small script (dashboard/danish.js) that puts Danish words in place of Streamlit's.

SCRIPTS = {"dansk.js": Path(__file__).with_name("danish.js"),  # Streamlit's words in Danish
           "kladder.js": Path(__file__).with_name("drafts.js"),  # ask before a draft note is lost
           "tablet.js": Path(__file__).with_name("tablet.js")}  # a page chosen on a tablet gets the whole width


def danish_page(body: bytes) -> bytes:
    text = body.decode("utf-8")
    text = text.replace('<html lang="en">', '<html lang="da">', 1).replace("<title>Streamlit</title>", "<title>medlyt</title>", 1)
    tags = "".join(f'<script src="/medlyt/{name}"></script>' for name in SCRIPTS)
    return text.replace("</head>", f"{tags}</head>", 1).encode("utf-8")


async def in_danish(app, scope, receive, send):
    """Streamlit's answer to a page request, its HTML made Danish (danish_page); anything else
    passes untouched. Asked for uncompressed, so the HTML can be read."""
    scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
    started: dict = {}
    parts: list[bytes] = []

    async def rewrite(message):
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if not headers.get(b"content-type", b"").startswith(b"text/html"):
                started["pass"] = True
                return await send(message)
            started["message"] = message
            return None
        if started.get("pass"):
            return await send(message)
        parts.append(message.get("body", b""))
        if message.get("more_body"):
            return None
        body = danish_page(b"".join(parts))
        head = started["message"]
        headers = [(k, v) for k, v in head.get("headers", []) if k.lower() != b"content-length"]
        await send({**head, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    await app(scope, receive, rewrite)


async def script(request: Request) -> Response:
    return Response(SCRIPTS[request.url.path.rsplit("/", 1)[-1]].read_text(encoding="utf-8"),
                    media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})


app = st.App(
    Path(__file__).with_name("app.py"),
    routes=[Route(LOGIN_PATH, login, methods=["GET", "POST"]), Route(SOUND_PATH + "/{ticket}", sound),
            Route(UPLOAD_PATH + "/{ticket}", upload, methods=["POST"]),
            *(Route(f"/medlyt/{name}", script) for name in SCRIPTS)],
    middleware=[Middleware(Gate)],
)
