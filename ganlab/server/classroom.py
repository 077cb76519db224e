"""Teacher mode's state (no gradio here): who is signed in as the teacher, which run is shown to the
class, each session's anonymous code, and the class view's one shared snapshot.

A wrong password is answered after a delay that doubles with each failure of that browser session
(1, 2, 4, 8 s, then 8 s each), and attempts of one session are answered one at a time, so firing
many at once does not get round the delay. The class view is drawn at most once per ``refresh_s``
for every watcher together (``Broadcast``): its cost does not grow with the number of students.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

PASSWORD_ENV = "GANLAB_TEACHER_PASSWORD"  # the teacher's password when no --teacher-password is given
FIRST_DELAY_S, MAX_DELAY_S = 1.0, 8.0  # the wait after a wrong password: doubles per failure, capped
CODE_LENGTH = 6  # hex digits of a session's anonymous code on the wall


class NotTeacher(PermissionError):
    """The caller's session is not signed in as the teacher."""


def failure_delay(failures: int) -> float:
    """Seconds to wait before answering the ``failures``-th wrong password of a session."""
    return 0.0 if failures <= 0 else min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - 1))


@dataclass(frozen=True)
class Snapshot:
    """The class view as drawn at one moment: what every watcher is sent until the next drawing."""

    version: int = 0  # bumped at each drawing (watchers send only a new version)
    drawn: float = 0.0  # time.time() of the drawing
    sid: str | None = None  # the session whose run is shown (never sent to a browser)
    status: str = "none"  # the run's status, or "none" when no run is shown
    step: int = 0
    label: str = ""  # model on dataset, and the shown run's anonymous code
    last: dict | None = None  # the run's last per-step record
    config: dict | None = None  # the shown run's settings (the form's values)
    panels: dict[str, Any] = field(default_factory=dict)  # the drawn panels by LiveView name

    def api(self) -> dict:
        """What /class_view returns."""
        if self.status == "none":
            return {"status": "none"}
        return {"status": self.status, "step": self.step, "label": self.label, "last": self.last}


class Broadcast:
    """One shared snapshot, redrawn by ``draw()`` at most once per ``refresh_s``; a watcher that
    finds a drawing under way takes the previous snapshot instead of waiting or drawing again."""

    def __init__(self, draw: Callable[[int], Snapshot], refresh_s: float, clock: Callable[[], float] = time.monotonic):
        self._draw, self.refresh_s, self._clock = draw, refresh_s, clock
        self._lock = threading.Lock()
        self._latest = Snapshot()
        self._at = float("-inf")
        self.drawings = 0  # how many times it drew (tests and the benchmark read it)

    @property
    def current(self) -> Snapshot:
        """The last snapshot drawn, without drawing."""
        return self._latest

    def due(self) -> bool:
        """True when the snapshot is older than ``refresh_s`` (the next ``latest()`` draws)."""
        return self._clock() - self._at >= self.refresh_s

    def latest(self) -> Snapshot:
        """The current snapshot, redrawn first if it is older than ``refresh_s`` and nobody is drawing.
        A drawing that changed nothing keeps the old snapshot (its version), so watchers send nothing."""
        if not self.due() or not self._lock.acquire(blocking=False):
            return self._latest
        try:
            if self.due():  # another watcher may have drawn meanwhile
                old = self._latest
                new = self._draw(old.version + 1)
                self.drawings += 1
                if replace(new, version=old.version, drawn=old.drawn) != old:
                    self._latest = new
                self._at = self._clock()
            return self._latest
        finally:
            self._lock.release()

    def expire(self) -> None:
        """Draw afresh at the next ``latest()`` (another run was shown, or none)."""
        self._at = float("-inf")


class Classroom:
    """The teacher's sign-in, the shown run and the sessions' anonymous codes, for one server."""

    def __init__(self, password: str, sleep: Callable[[float], None] = time.sleep):
        if not password:
            raise ValueError("teacher mode needs a non-empty password")
        self._password = password.encode()
        self._sleep = sleep  # injectable: the tests check the delays without waiting for them
        self._salt = secrets.token_bytes(16)  # codes cannot be turned back into session ids
        self._lock = threading.Lock()
        self._attempts: dict[str, threading.Lock] = {}  # sid -> held while its attempt is answered
        self._failures: dict[str, int] = {}
        self._teachers: set[str] = set()
        self._shown: str | None = None
        self.on_change: Callable[[], None] = lambda: None  # called when another run is shown (or none)

    # -- signing in ------------------------------------------------------------------------
    def sign_in(self, sid: str, password: str) -> tuple[bool, str]:
        """Check the password for this session: (True, message) signed in, or (False, message)
        after this session's growing delay."""
        with self._lock:
            attempt = self._attempts.setdefault(sid, threading.Lock())
        with attempt:
            if hmac.compare_digest(str(password or "").encode(), self._password):
                with self._lock:
                    self._teachers.add(sid)
                    self._failures.pop(sid, None)
                return True, "Signed in as the teacher."
            with self._lock:
                failures = self._failures[sid] = self._failures.get(sid, 0) + 1
            wait = failure_delay(failures)
            self._sleep(wait)
            nxt = failure_delay(failures + 1)
            return False, (f"Wrong teacher password (attempt {failures}); answered after {wait:g} s, and the next "
                           f"wrong one waits {nxt:g} s. Students do not need to sign in: the Class view is for all.")

    def is_teacher(self, sid: str) -> bool:
        """True when this session signed in with the teacher's password."""
        with self._lock:
            return sid in self._teachers

    def require_teacher(self, sid: str) -> None:
        """Raise NotTeacher unless this session is signed in as the teacher."""
        if not self.is_teacher(sid):
            raise NotTeacher("Only the teacher can do this: sign in with the teacher's password first.")

    def forget(self, sid: str) -> None:
        """The session ended: drop its sign-in, its failures and, if its run was shown, the showing."""
        with self._lock:
            self._teachers.discard(sid)
            self._failures.pop(sid, None)
            self._attempts.pop(sid, None)
            changed = self._shown == sid
            if changed:
                self._shown = None
        if changed:
            self.on_change()

    # -- the shown run ---------------------------------------------------------------------
    @property
    def shown(self) -> str | None:
        """The session whose run the class sees, or None."""
        with self._lock:
            return self._shown

    def show(self, teacher_sid: str, sid: str | None) -> None:
        """Show session ``sid``'s run to the class (None: show nothing); teacher only."""
        self.require_teacher(teacher_sid)
        with self._lock:
            self._shown = sid
        self.on_change()

    def code(self, sid: str) -> str:
        """This session's anonymous code: the same for the server's lifetime, no way back to the session."""
        return hmac.new(self._salt, sid.encode(), hashlib.sha256).hexdigest()[:CODE_LENGTH]

    def sid_of(self, code: str, sids: list[str]) -> str | None:
        """The session among ``sids`` whose code is ``code`` (None if there is none)."""
        code = (code or "").strip().lower()
        return next((sid for sid in sids if self.code(sid) == code), None) if code else None
