"""The class view as plain HTTP beside the app (no gradio here): ``GET /class/frame?after=V`` long-polls
for the shown run's next drawing and answers small JSON; ``GET /class/picture/<n>.png`` serves only the
pictures a recent frame named.

Every waiting client shares one drawing per interval: a single pump task asks for the snapshot (the
painter draws it if it is due, in one low-priority thread) and wakes all the waiters at once through
an ``asyncio.Condition``; nobody polls in a loop, and nothing is drawn while nobody waits. A frame's
JSON is made (and gzipped) once per version and sent as the same bytes to every client, so a watcher
costs the server one small response per drawing, not a Gradio message. A frame carries URLs only
(relative to the frame's own URL), never a file-system path; the pictures are numbered by this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import itertools
import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ganlab.server.classroom import Snapshot

MAX_WAIT_S = 25.0  # the longest a long-poll is held before it is answered with the current frame
PICTURES = ("curves", "picture", "quality")  # the snapshot's picture panels a frame names
KEEP_PICTURES = 48  # picture files fetchable at once (a few frames' worth: a client may lag a drawing)
KEEP_BYTES = 12  # pictures held in memory: every watcher fetches the same few
FRAME_PATH, PICTURE_PATH = "/class/frame", "/class/picture"

log = logging.getLogger(__name__)


class FrameFeed:
    """Long-polls over a shared snapshot: ``after(v)`` returns once a frame other than version ``v`` is
    current (or at the timeout); one pump draws once per ``refresh_s`` while anyone waits."""

    def __init__(self, snapshot: Callable[[], Snapshot], refresh_s: float,
                 quiet: Callable[[], None] = lambda: None):
        self._snapshot, self.refresh_s = snapshot, refresh_s
        # one drawing thread, lowered once (``quiet``): drawing for the class is less urgent than training
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="class-frame", initializer=quiet)
        self._cond: asyncio.Condition | None = None
        self._pump: asyncio.Task | None = None
        self._waiting = 0
        self._latest = Snapshot()
        self._checked = -math.inf  # time.monotonic() of the pump's last look at the snapshot
        self.rounds = 0  # how many times the pump looked (tests and the benchmark read it)

    @property
    def latest(self) -> Snapshot:
        """The last snapshot the pump got."""
        return self._latest

    def _fresh(self) -> bool:
        return time.monotonic() - self._checked < 2 * self.refresh_s + 1.0

    async def after(self, version: int, timeout: float) -> Snapshot:
        """The current frame once it is fresh and not version ``version`` (a version this server never
        made counts as old), or after ``timeout`` seconds the current one as it is."""
        if self._cond is None:
            self._cond = asyncio.Condition()
        cond = self._cond
        self._waiting += 1
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._run())
        try:
            async with cond:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(
                        cond.wait_for(lambda: self._fresh() and self._latest.version != version), timeout)
                return self._latest
        finally:
            self._waiting -= 1

    async def _run(self) -> None:
        """Look at the snapshot once per interval while anyone waits; wake them all at each look."""
        loop = asyncio.get_running_loop()
        while self._waiting > 0:
            try:
                snap = await loop.run_in_executor(self._executor, self._snapshot)
            except Exception:
                log.exception("drawing the class frame failed")
                snap = self._latest
            assert self._cond is not None
            async with self._cond:
                self._latest, self._checked = snap, time.monotonic()
                self.rounds += 1
                self._cond.notify_all()
            await asyncio.sleep(self.refresh_s)

    def close(self) -> None:
        """Stop the drawing thread (the server stops)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


class ClassFrames:
    """The two routes: a frame as JSON (made once per version by ``describe`` plus the numbers and
    the picture URLs) and the pictures it names. ``allowed`` checks the app's own sign-in, if any."""

    def __init__(self, feed: FrameFeed, describe: Callable[[Snapshot], dict[str, Any]],
                 allowed: Callable[[Request], Awaitable[bool]] | None = None, max_wait_s: float = MAX_WAIT_S):
        self.feed, self.describe, self.allowed, self.max_wait_s = feed, describe, allowed, max_wait_s
        self._numbers = itertools.count(1)
        self._pictures: OrderedDict[str, str] = OrderedDict()  # "<n>.png" -> the file's path
        self._ids: dict[str, str] = {}  # path -> "<n>.png"
        self._bytes: OrderedDict[str, bytes] = OrderedDict()  # the newest pictures' contents, by name
        self._body: tuple[tuple[int, float], bytes, bytes] | None = None  # the last frame's JSON (plain, gzip)

    def routes(self) -> list[BaseRoute]:
        """The routes to add to the app's own server (FastAPI(routes=...))."""
        return [Route(FRAME_PATH, self.frame, methods=["GET"]),
                Route(PICTURE_PATH + "/{name}", self.picture, methods=["GET"])]

    async def frame(self, request: Request) -> Response:
        """GET /class/frame?after=V[&wait=S]: the next frame after version V as JSON (long-poll)."""
        if self.allowed is not None and not await self.allowed(request):
            return JSONResponse({"error": "sign in first"}, status_code=401)
        try:
            after = int(request.query_params.get("after", "-1"))
            wait = float(request.query_params.get("wait", self.max_wait_s))
        except ValueError:
            return JSONResponse({"error": "after must be an integer, wait a number of seconds"}, status_code=400)
        wait = min(max(wait, 0.0), self.max_wait_s) if math.isfinite(wait) else self.max_wait_s
        snap = await self.feed.after(after, wait)
        raw, packed = self.body(snap)
        gz = "gzip" in request.headers.get("accept-encoding", "")
        return Response(packed if gz else raw, media_type="application/json",
                        headers={"Cache-Control": "no-store", "Vary": "Accept-Encoding", **_encoded(gz)})

    def body(self, snap: Snapshot) -> tuple[bytes, bytes]:
        """The frame's JSON bytes, plain and gzipped: made once per drawing, the same for every client."""
        key = (snap.version, snap.drawn)
        if self._body is None or self._body[0] != key:
            raw = json.dumps(self.fields(snap), separators=(",", ":")).encode()
            self._body = key, raw, gzip.compress(raw, 6, mtime=0)
        return self._body[1], self._body[2]

    def fields(self, snap: Snapshot) -> dict[str, Any]:
        """What a frame says: its version, step, drawing time, the run's status, the pictures' URLs
        (relative to the frame's URL) and what ``describe`` adds (texts a student sees)."""
        shown = snap.status != "none"
        pictures = {name: self._url(snap.panels.get(name)) if shown else None for name in PICTURES}
        return {"version": snap.version, "step": snap.step, "drawn_at": snap.drawn, "status": snap.status,
                "pictures": pictures, **self.describe(snap)}

    def _url(self, path: Any) -> str | None:
        """A picture file's URL, numbered here (the same number for the same file)."""
        if not isinstance(path, str) or not path:
            return None
        name = self._ids.get(path)
        if name is None:
            name = self._ids[path] = f"{next(self._numbers)}.png"
            self._pictures[name] = path
            while len(self._pictures) > KEEP_PICTURES:
                self._ids.pop(self._pictures.popitem(last=False)[1], None)
        return f"picture/{name}"

    async def picture(self, request: Request) -> Response:
        """GET /class/picture/<n>.png: a picture a recent frame named (404 for any other name)."""
        if self.allowed is not None and not await self.allowed(request):
            return JSONResponse({"error": "sign in first"}, status_code=401)
        name = request.path_params["name"]
        data = self._read(name)
        if data is None:
            return JSONResponse({"error": "no such picture (an older frame's, now deleted)"}, status_code=404)
        return Response(data, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=300", **_encoded(False)})

    def _read(self, name: str) -> bytes | None:
        """A named picture's bytes, read once for all the clients that fetch it (None: not named, or gone)."""
        if name in self._bytes:
            return self._bytes[name]
        path = self._pictures.get(name)
        if path is None:
            return None
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:  # replaced and deleted since the frame named it
            return None
        self._bytes[name] = data
        while len(self._bytes) > KEEP_BYTES:
            self._bytes.popitem(last=False)
        return data


def _encoded(gz: bool) -> dict[str, str]:
    """The Content-Encoding of a body made here: set, so Gradio's compression middleware does not
    compress the same bytes again for every client (a PNG is compressed already)."""
    return {"Content-Encoding": "gzip" if gz else "identity"}
