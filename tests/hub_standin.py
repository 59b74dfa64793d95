"""A local stand-in for the Hugging Face Hub: a real HTTP server speaking enough of the hub's
protocol that huggingface_hub itself talks to it (point HF_ENDPOINT at `Hub.url`).

It answers
  GET /api/models/{repo}[/revision/{rev}]?blobs=True   model info with siblings, sizes, blob ids
                                                       and LFS sha256, as HfApi.model_info reads it
  GET|HEAD /{repo}/resolve/{rev}/{file}                the file, with X-Repo-Commit, ETag,
                                                       X-Linked-Etag/-Size (LFS), Content-Length
                                                       and Range requests (206, Content-Range)
and can misbehave on purpose: cut the connection mid-file once, answer 503 after that cut, serve
altered bytes, or announce a size that does not fit on the disk.
"""

import hashlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHUNK = 1 << 20
COMMIT = "5eed" * 10  # the commit every revision resolves to here (40 hex digits, like the hub's)
LFS_FILES = ("model.bin",)  # the hub keeps large files in Git LFS; small ones in git itself


@dataclass(frozen=True)
class RepoFile:
    path: Path
    size: int
    lfs_sha256: str | None
    blob_id: str  # git's id: of the content for small files, of the LFS pointer for LFS files


def describe(directory: Path) -> dict[str, RepoFile]:
    """The files of a model directory as the hub would list them."""
    files = {}
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        size = path.stat().st_size
        if path.name in LFS_FILES:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
            pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{h.hexdigest()}\nsize {size}\n".encode()
            files[path.name] = RepoFile(path, size, h.hexdigest(), _git_blob_id(pointer))
        else:
            files[path.name] = RepoFile(path, size, None, _git_blob_id(path.read_bytes()))
    return files


def _git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class Hub:
    repos: dict[str, dict[str, RepoFile]]
    cut_once: set[str] = field(default_factory=set)  # files whose first GET stops halfway
    fail_after_cut: bool = False  # then answer 503 for them, as an overloaded hub does
    tamper: set[str] = field(default_factory=set)  # files served with one byte flipped
    announced_size: dict[str, int] = field(default_factory=dict)  # sizes the listing claims instead
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, Range)
    cut_at: dict[str, int] = field(default_factory=dict)  # file -> offset where it was cut

    def start(self) -> "Hub":
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the test reads `requests` instead
                pass

            def do_HEAD(self):
                self._answer(body=False)

            def do_GET(self):
                self._answer(body=True)

            def _answer(self, body: bool):
                path = unquote(urlsplit(self.path).path)
                hub.requests.append((self.command, path, self.headers.get("Range")))
                try:
                    if path.startswith("/api/models/"):
                        self._model_info(path.removeprefix("/api/models/"))
                    elif "/resolve/" in path:
                        repo, rest = path.lstrip("/").split("/resolve/", 1)
                        self._file(repo, rest.split("/", 1)[1], body)
                    else:
                        self._error(404, "EntryNotFound")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _model_info(self, rest: str):
                repo = rest.split("/revision/", 1)[0]
                if repo not in hub.repos:
                    return self._error(404, "RepoNotFound")
                siblings = []
                for name, f in hub.repos[repo].items():
                    size = hub.announced_size.get(name, f.size)
                    sibling = {"rfilename": name, "size": size, "blobId": f.blob_id}
                    if f.lfs_sha256:
                        sibling["lfs"] = {"sha256": f.lfs_sha256, "size": size, "pointerSize": 134}
                    siblings.append(sibling)
                self._json({"id": repo, "modelId": repo, "sha": COMMIT, "private": False, "siblings": siblings})

            def _file(self, repo: str, name: str, body: bool):
                f = hub.repos.get(repo, {}).get(name)
                if f is None:
                    return self._error(404, "EntryNotFound")
                if body and name in hub.cut_at and hub.fail_after_cut:
                    return self._error(503, None)
                start = 0
                asked = self.headers.get("Range")
                if asked and asked.startswith("bytes=") and asked.endswith("-"):
                    start = int(asked[len("bytes="):-1])
                self.send_response(206 if start else 200)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{f.lfs_sha256 or f.blob_id}"')
                if f.lfs_sha256:
                    self.send_header("X-Linked-Etag", f'"{f.lfs_sha256}"')
                    self.send_header("X-Linked-Size", str(f.size))
                self.send_header("Accept-Ranges", "bytes")
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{f.size - 1}/{f.size}")
                self.send_header("Content-Length", str(f.size - start))
                self.end_headers()
                if not body:
                    return
                stop = f.size
                if name in hub.cut_once and name not in hub.cut_at:
                    stop = start + (f.size - start) // 2
                    hub.cut_at[name] = stop
                flip = f.size // 2 if name in hub.tamper else -1
                with open(f.path, "rb") as source:
                    source.seek(start)
                    offset = start
                    while offset < stop:
                        chunk = bytearray(source.read(min(CHUNK, stop - offset)))
                        if offset <= flip < offset + len(chunk):
                            chunk[flip - offset] ^= 0xFF
                        self.wfile.write(chunk)
                        offset += len(chunk)
                if stop < f.size:  # the network gives out: the promised bytes never come
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True

            def _json(self, data: dict):
                payload = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _error(self, status: int, code: str | None):
                payload = json.dumps({"error": code or "unavailable"}).encode()
                self.send_response(status)
                if code:
                    self.send_header("X-Error-Code", code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def gets(self, name: str) -> list[str | None]:
        """The Range header of every GET of `name` (None: from the start)."""
        return [r for method, path, r in self.requests if method == "GET" and path.endswith(f"/resolve/{COMMIT}/{name}")]


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once, as with no network."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
