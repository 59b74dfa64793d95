"""A recording uploaded from the page "Lyd ind": taken in chunks straight into a private scratch
directory (meetings/scratch.py), never whole in the server's memory, then decoded, sealed and
recorded as `medlyt import` does. A file that is too large, empty or not sound gets one Danish
line, and nothing is kept."""

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from capture.source import AudioError
from dashboard import sessions
from meetings import private, scratch
from meetings.errors import MeetingError
from medlyt.settings import upload_max_bytes

UPLOAD_PATH = "/medlyt/upload"
FILENAME_HEADER = "x-medlyt-filename"


def plain(status: int, text: str) -> Response:
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def safe_name(sent: str | None) -> str:
    """The file's own name (kept, sealed, as where the recording came from), without any path."""
    from urllib.parse import unquote

    name = unquote(sent or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f]", "", name).strip(" .")[:120]
    return name or "optagelse"


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f}".replace(",", ".")


def store_recording(meeting_id: str, path, user: str):
    from medlyt.pipeline import import_recording

    with sessions.store() as s:
        return import_recording(s, meeting_id, path, None, by=user)


async def upload(request: Request) -> Response:
    from dashboard.server import same_origin

    if not same_origin(request):
        return plain(403, "Upload kun fra medlyts egen side.")
    status, why, user, meeting_id = await run_in_threadpool(
        sessions.uploader, request.path_params["ticket"], request.cookies.get(sessions.COOKIE))
    if status != 200:
        return plain(status, why)
    limit = upload_max_bytes()
    too_large = f"Filen er for stor: højst {megabytes(limit)} MB. Intet er gemt."
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return plain(413, too_large)
    with scratch.directory() as tmp:
        path = tmp / safe_name(request.headers.get(FILENAME_HEADER))
        size = 0
        with private.create(path) as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    return plain(413, too_large)
                out.write(chunk)
        if size == 0:
            return plain(400, "Filen er tom. Intet er gemt.")
        try:
            meeting = await run_in_threadpool(store_recording, meeting_id, path, user.name)
        except AudioError as error:
            return plain(400, f"{error} Intet er gemt.")
        except MeetingError as error:
            return plain(409, str(error))
    minutes, seconds = divmod(round(meeting.audio.duration_s), 60)
    return plain(200, f"Lyden er gemt: {minutes} min. {seconds} s, krypteret.")
