"""The Train tab's live view as numbers beside the app (no gradio here): ``GET /train/frame?token=T&after=V``
long-polls for a run's next frame and answers small JSON that the page's script draws on a canvas.

Each run's live view owns a slot under an unguessable token (``secrets.token_urlsafe``) that only its own
page is handed: a request without it, or with another, gets 403 / 404, so a browser never reaches another
user's run. The live view publishes a frame per refresh (its 2D layers as ``layers_2d.browser_frame``
makes them, the run's status, the curves' settings); the frame's JSON is made once per version. The curves
travel as columns: a request says how many points it has (``points=N``) and gets only the ones after; the
real points travel once (``real=1``). A waiting request sleeps on an event that ``publish`` sets from the
training side's thread: nobody polls in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import math
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

MAX_WAIT_S = 25.0  # the longest a long-poll is held before it is answered with the current frame
WATCHED_S = 3.0  # a run is watched in a browser while a request came in this long ago (or one waits)
MAX_POINTS = 20_000  # curve points per answer at most (a late page catches up in a few answers)
FRAME_PATH = "/train/frame"


@dataclass(eq=False)
class _Slot:
    """One run's latest frame and who waits for the next."""

    version: int = 0
    frame: bytes = b'{"mode":"none"}'  # the frame's JSON, made once per version
    curves: dict[str, np.ndarray] = field(default_factory=dict)  # the history's columns ("step" first)
    curves_b: dict[str, np.ndarray] | None = None  # run B's, in a comparison (its own steps)
    real: bytes = b"null"  # the real points' JSON (sent once per page)
    waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(default_factory=list)
    waiting: int = 0
    polled: float = -math.inf  # time.monotonic() of the last request


class TrainFrames:
    """The slots of the runs on screen, and the ``/train/frame`` route that serves them."""

    def __init__(self, allowed: Callable[[Request], Awaitable[bool]] | None = None, max_wait_s: float = MAX_WAIT_S):
        self.allowed, self.max_wait_s = allowed, max_wait_s
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()

    def open(self) -> str:
        """A new slot; its token (the secret a page needs to read it)."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._slots[token] = _Slot()
        return token

    def close(self, token: str | None) -> None:
        """Forget a slot (its run was released); a page still asking gets 404."""
        with self._lock:
            slot = self._slots.pop(token, None) if token else None
        if slot is not None:
            _wake(slot.waiters)

    def publish(self, token: str | None, frame: dict[str, Any], curves: dict[str, np.ndarray] | None = None,
                real: np.ndarray | None = None, curves_b: dict[str, np.ndarray] | None = None) -> int:
        """A run's new frame (plain JSON values), its curves' columns (float arrays, "step" first; a
        comparison's run B's in ``curves_b``) and, if given, its real points; wakes the waiting requests.
        Returns the new version (0: no such slot)."""
        raw = json.dumps(frame, separators=(",", ":"), allow_nan=False).encode()
        with self._lock:
            slot = self._slots.get(token) if token else None
            if slot is None:
                return 0
            slot.version += 1
            slot.frame = raw
            if curves is not None:
                slot.curves, slot.curves_b = curves, curves_b
            if real is not None:
                slot.real = json.dumps(np.round(np.asarray(real, np.float64), 3).tolist()).encode()
            waiters, slot.waiters = slot.waiters, []
            version = slot.version
        _wake(waiters)
        return version

    def watched(self, token: str | None) -> bool:
        """Whether a page reads this run's frames now (a request waits, or one came in the last WATCHED_S)."""
        slot = self._slots.get(token) if token else None
        return slot is not None and (slot.waiting > 0 or time.monotonic() - slot.polled < WATCHED_S)

    def routes(self) -> list[BaseRoute]:
        """The route to add to the app's own server (FastAPI(routes=...))."""
        return [Route(FRAME_PATH, self.frame, methods=["GET"])]

    async def frame(self, request: Request) -> Response:
        """GET /train/frame?token=T&after=V[&points=N][&real=1][&wait=S]: the run's frame once its version
        is not V (or after S seconds), with the curves' points after the first N and the real points."""
        if self.allowed is not None and not await self.allowed(request):
            return JSONResponse({"error": "sign in first"}, status_code=401)
        q = request.query_params
        token = q.get("token", "")
        if not token:
            return JSONResponse({"error": "a token is needed"}, status_code=403)
        slot = self._slots.get(token)
        if slot is None:
            return JSONResponse({"error": "no such run (closed, or another page's)"}, status_code=404)
        try:
            after, points = int(q.get("after", "-1")), max(0, int(q.get("points", "0")))
            points_b = max(0, int(q.get("points_b", "0")))
            wait = float(q.get("wait", self.max_wait_s))
        except ValueError:
            return JSONResponse({"error": "after and points must be integers, wait seconds"}, status_code=400)
        wait = min(max(wait, 0.0), self.max_wait_s) if math.isfinite(wait) else self.max_wait_s
        await self._wait(slot, after, wait)
        data, gz = self.answer(slot, points, q.get("real") == "1", "gzip" in request.headers.get("accept-encoding", ""),
                               points_b)
        return Response(data, media_type="application/json", headers={
            "Cache-Control": "no-store", "Vary": "Accept-Encoding", "Content-Encoding": "gzip" if gz else "identity"})

    def answer(self, slot: _Slot | str, points: int = 0, real: bool = False, gz: bool = True,
               points_b: int = 0) -> tuple[bytes, bool]:
        """What a request gets from a slot (or its token), and whether it is gzipped (only when asked for and
        over 512 bytes): the server's work per answer, as the route does it (the benchmark times it)."""
        if isinstance(slot, str):
            slot = self._slots[slot]
        slot.polled = time.monotonic()
        raw = self.body(slot, points, real, points_b)
        gz = gz and len(raw) > 512
        return (gzip.compress(raw, 1, mtime=0) if gz else raw), gz  # level 1: a third of level 6's CPU, 1.1× the bytes

    async def _wait(self, slot: _Slot, after: int, wait: float) -> None:
        """Return once the slot's version is not ``after`` (or after ``wait`` seconds)."""
        slot.polled = time.monotonic()
        event = asyncio.Event()
        with self._lock:
            if slot.version != after:
                return
            slot.waiters.append((asyncio.get_running_loop(), event))
        slot.waiting += 1
        try:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), wait)
        finally:
            slot.waiting -= 1
            slot.polled = time.monotonic()

    def body(self, slot: _Slot, points: int, real: bool, points_b: int = 0) -> bytes:
        """The answer's JSON: the frame (as published), the curves' points from ``points`` on (run B's from
        ``points_b`` on) and the real points if asked."""
        with self._lock:
            version, frame, columns, columns_b, real_json = (slot.version, slot.frame, slot.curves, slot.curves_b,
                                                             slot.real)
        curves = new_points(columns, points)
        parts = [b'{"version":', str(version).encode(), b',"frame":', frame, b',"curves":',
                 json.dumps(curves, separators=(",", ":")).encode()]
        if columns_b is not None:
            parts += [b',"curves_b":', json.dumps(new_points(columns_b, points_b), separators=(",", ":")).encode()]
        if real:
            parts += [b',"real":', real_json]
        return b"".join(parts) + b"}"


def new_points(columns: dict[str, np.ndarray], start: int) -> dict[str, Any]:
    """The columns' points from index ``start`` on (all from 0 when ``start`` is past their end: a new
    history), at most MAX_POINTS: the steps exact, the rest to 5 significant digits, NaN / ±inf as None."""
    n = len(columns.get("step", ()))
    if start > n:
        start = 0
    end = min(n, start + MAX_POINTS)
    out: dict[str, Any] = {"start": start, "total": n, "more": end < n}
    for key, values in columns.items():
        if key == "step":  # exact: a hover reads it
            out[key] = [int(v) for v in values[start:end].tolist()]
        else:
            out[key] = [float(f"{v:.5g}") if math.isfinite(v) else None for v in values[start:end].tolist()]
    return out


def _wake(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
    """Set each waiter's event in its own loop (publish runs in another thread)."""
    for loop, event in waiters:
        with contextlib.suppress(RuntimeError):  # the loop closed (the server stops)
            loop.call_soon_threadsafe(event.set)
