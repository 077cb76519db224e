"""Class tab (teacher mode, ``--teacher-password``): every student watches the run the teacher shows,
read-only, and can copy its settings into their own Train tab; the teacher signs in, shows their run
or a student's, and sees the wall of the class's runs.

Students' views come from one shared snapshot (classroom.Broadcast) drawn at most once per
CLASS_REFRESH_S for all of them. The page long-polls ``GET /class/frame`` (server/class_frame.py, a
plain route on the app's own server, outside Gradio's queue: a watcher costs one small JSON answer per
drawing) and fetches the pictures it names; ``/class_watch`` still streams the same view to scripts.
Every teacher-only handler checks the caller's session is signed in as the teacher.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import gradio as gr

from ganlab.data import DATASETS
from ganlab.server.class_frame import ClassFrames, FrameFeed
from ganlab.server.classroom import Broadcast, Classroom, NotTeacher, Snapshot
from ganlab.server.store import SessionStore
from ganlab.server.wall import sort_rows, wall_table
from ganlab.ui.classroom.live import NOTHING, describe, head_text, live_view, notes_text, signed_in
from ganlab.ui.classroom.view import ClassPainter, Wall
from ganlab.ui.context import TabContext
from ganlab.ui.request import session_id, yield_cpu_to_training

CLASS_REFRESH_S = 0.75  # the class view is redrawn at most this often, for all watchers together
WATCH_POLL_S = 0.2  # how often a watcher looks for a new snapshot (a dict read: no drawing)
WALL_REFRESH_S = 2.0  # the teacher's wall of thumbnails
ORDERS = ["alarms first", "step", "code"]
# The tab: its title, its id (a lesson link's tab=), its docs page and what to try first (see ui/context.py)
LABEL, ID, DOCS = "Class", "class", "docs/teaching.md"
INTRO = ("The teacher's run, live: its curves, samples and 2D view, read-only.\nPress **Copy the teacher's "
         "settings** to train the same run yourself in the Train tab.")


class ClassTab:
    """Handlers of the Class tab, bound to the store, the classroom and the Train tab's handlers."""

    def __init__(self, store: SessionStore, classroom: Classroom, train: Any, form: dict[str, Any]):
        self.store, self.classroom, self.form = store, classroom, form
        self.painter = ClassPainter(store, classroom, train)
        self.broadcast = Broadcast(self.painter.draw, CLASS_REFRESH_S)
        classroom.on_change = self.broadcast.expire
        self.wall_view = Wall(store, classroom)
        self.feed = FrameFeed(self.snapshot, CLASS_REFRESH_S, quiet=yield_cpu_to_training)
        self.frames = ClassFrames(self.feed, describe, allowed=signed_in)  # GET /class/frame, /class/picture
        self._watchers: dict[str, object] = {}  # sid -> token of its class stream (a newer one takes over)

    def snapshot(self) -> Snapshot:
        """The shared snapshot (drawn in the calling thread if it is due, or if it shows another run
        than the one shown now: a run started or ended since is drawn at once, not a refresh later)."""
        if self._stale():
            self.broadcast.expire()
        return self.broadcast.latest()

    def _stale(self) -> bool:
        """Whether the snapshot is of another run than the shown one (or of none while one is shown)."""
        sid, current = self.classroom.shown, self.broadcast.current
        running = sid is not None and sid in self.store.jobs()
        return current.sid != sid if running else current.status != "none"

    # -- everybody -------------------------------------------------------------------------
    def class_view(self, request: gr.Request) -> dict:
        """The shown run: status, step, label, last record; or {"status": "none"}."""
        return self.snapshot().api()

    async def watch(self, request: gr.Request):
        """Stream the shown run's panels to this session while its Class tab is open."""
        sid, token = session_id(request), object()
        self._watchers[sid] = token
        sent = -1
        while self._watchers.get(sid) is token:
            due = self.broadcast.due() or self._stale()
            snap = await anyio.to_thread.run_sync(self._draw_quietly) if due else self.broadcast.current
            if snap.version != sent:
                sent = snap.version
                yield self.outputs(snap)
            await asyncio.sleep(WATCH_POLL_S)

    def _draw_quietly(self) -> Snapshot:
        yield_cpu_to_training()  # drawing for the class is less urgent than training
        return self.snapshot()

    def leave(self, request: gr.Request) -> None:
        """This session left the Class tab (or closed): its stream ends."""
        self._watchers.pop(session_id(request), None)

    def closed(self, request: gr.Request) -> None:
        """The browser tab closed: stop its stream, drop its sign-in (and its showing)."""
        self.leave(request)
        self.classroom.forget(session_id(request))

    @staticmethod
    def outputs(snap: Snapshot) -> tuple:
        """The Class tab's outputs for a snapshot, in CLASS_OUTPUTS order: few outputs, as each one costs
        the server a conversion per watcher per update."""
        p = snap.panels
        if snap.status == "none":
            return (NOTHING, None, None, None, "", stamp(snap))
        return head_text(snap), p.get("curves"), p.get("picture"), p.get("quality"), notes_text(snap), stamp(snap)

    def copy_settings(self, request: gr.Request):
        """Fill the caller's own Train form with the shown run's settings (a server folder or another
        session's upload is not copied: the student keeps their own dataset)."""
        snap = self.snapshot()
        if snap.config is None:
            gr.Warning(NOTHING)
            return (*(gr.skip() for _ in self.form), NOTHING)
        values = [gr.skip() if name == "dataset" and value not in DATASETS else value
                  for name, value in ((n, snap.config.get(n)) for n in self.form)]
        return (*values, f"Copied the settings of **{snap.label}** into your Train tab: press ▶ Start there.")

    # -- the teacher -----------------------------------------------------------------------
    def sign_in(self, password: str, request: gr.Request):
        """Sign this session in as the teacher (a wrong password waits longer each time)."""
        ok, message = self.classroom.sign_in(session_id(request), password)
        if not ok:
            gr.Warning(message)
        return f"**{message}**", gr.Column(visible=ok), gr.Timer(active=ok), ""

    def _teacher(self, request: gr.Request) -> str:
        sid = session_id(request)
        try:
            self.classroom.require_teacher(sid)
        except NotTeacher as e:
            raise gr.Error(str(e)) from None
        return sid

    def show_mine(self, request: gr.Request) -> str:
        """Show the teacher's own run (their Train tab's) to the class."""
        sid = self._teacher(request)
        self.classroom.show(sid, sid)
        if sid not in self.store.jobs():
            return "Your next run is shown to the class once you start it in the Train tab."
        return "Your run is shown to the class."

    def show_code(self, code: str, request: gr.Request) -> str:
        """Show the student run with this wall code to the class."""
        sid = self._teacher(request)
        target = self.classroom.sid_of(code, [s for s in self.store.jobs() if s != sid])
        if target is None:
            return f"No student run has the code `{(code or '').strip()}`: pick one on the wall."
        self.classroom.show(sid, target)
        return f"Run `{self.classroom.code(target)}` is shown to the class."

    def hide(self, request: gr.Request) -> str:
        """Show nothing to the class."""
        self.classroom.show(self._teacher(request), None)
        return "Nothing is shown to the class now."

    def wall(self, order: str, alarms_only: bool, request: gr.Request):
        """The wall: one thumbnail per active student run, with its code, step and alarm badges."""
        self._teacher(request)
        rows = sort_rows(self.wall_view.rows(), order, bool(alarms_only))
        return [(r.thumb, r.caption()) for r in rows if r.thumb], wall_table(rows)

    @staticmethod
    def picked(evt: gr.SelectData) -> str:
        """The code of the thumbnail the teacher clicked (the caption starts with it)."""
        caption = evt.value.get("caption") if isinstance(evt.value, dict) else str(evt.value or "")
        return (caption or "").split(" · ")[0]

    def close(self) -> None:
        """Free the class display and the wall's thumbnails (the server stops)."""
        self.feed.close()
        self.painter.close()
        self.wall_view.close()


def stamp(snap: Snapshot) -> dict:
    """When the snapshot was drawn and of which step: the benchmark measures the pictures' age from it."""
    return {"version": snap.version, "drawn": snap.drawn, "step": snap.step, "status": snap.status}


def _layout() -> dict[str, Any]:
    """The Class tab's components by name (the watchers' outputs, then the copy and teacher panels)."""
    plain = dict(latex_delimiters=[])
    picture = dict(type="filepath", interactive=False, buttons=[], format="png")
    c: dict[str, Any] = {}
    gr.Markdown("**The run the teacher shows to the class**, live and read-only. Copy its settings to try "
                "them in your own Train tab.")
    c["copy"] = gr.Button("Copy the teacher's settings into my Train tab", elem_id="class-copy")
    c["copied"] = gr.Markdown(**plain)
    c["live"] = live_view()  # the page's view: long-polls /class/frame while the tab is open
    with gr.Column(visible=False):  # /class_watch's outputs (scripts stream them; the page does not)
        c["status"] = gr.Markdown(NOTHING, **plain)  # label, step, speed, the settings
        c["curves"] = gr.Image(label="Losses and D's verdicts", **picture)
        c["picture"] = gr.Image(label="Samples / 2D view", **picture)
        c["quality"] = gr.Image(label="Quality meter", **picture)
        c["notes"] = gr.Markdown(**plain)  # reading, alarms, quality, legend
        c["stamp"] = gr.JSON()
        c["watch"] = gr.Button("Watch")
    with gr.Accordion("Teacher", open=False):
        with gr.Row():
            c["password"] = gr.Textbox(type="password", label="Teacher's password", scale=3)
            c["sign_in"] = gr.Button("Sign in", scale=1)
        c["signed"] = gr.Markdown(**plain)
        with gr.Column(visible=False) as c["panel"]:
            with gr.Row():
                c["show_mine"] = gr.Button("Show my run to the class", variant="primary")
                c["hide"] = gr.Button("Stop showing")
            c["shown_md"] = gr.Markdown(**plain)
            gr.Markdown("**The class's runs** (anonymous codes; thumbnails every few seconds). Click one, then "
                        "show it to the class.")
            with gr.Row():
                c["order"] = gr.Radio(ORDERS, value=ORDERS[0], label="Sort")
                c["alarms_only"] = gr.Checkbox(False, label="Only runs with alarms")
            c["gallery"] = gr.Gallery(label="Students' runs", elem_id="class-wall", columns=6, height=420,
                                      object_fit="contain", allow_preview=False, format="png", fit_columns=False)
            with gr.Row():
                c["code"] = gr.Textbox(label="Run code", scale=2)
                c["show_code"] = gr.Button("Show this run to the class", scale=1)
            c["table"] = gr.Markdown(elem_id="class-wall-table", **plain)
    c["timer"] = gr.Timer(WALL_REFRESH_S, active=False)
    return c


CLASS_OUTPUTS = ("status", "curves", "picture", "quality", "notes", "stamp")


def lay_out(store: SessionStore, classroom: Classroom, train: Any, form: dict[str, Any]) -> ClassTab:
    """Lay out the Class tab and wire its events; ``train`` is the Train tab's
    handlers, ``form`` its settings boxes (filled by "Copy the teacher's settings")."""
    tab = ClassTab(store, classroom, train, form)
    c = _layout()
    hidden = dict(show_progress="hidden")
    c["watch"].click(tab.watch, None, [c[n] for n in CLASS_OUTPUTS], api_name="class_watch", concurrency_limit=None,
                     **hidden)
    c["copy"].click(tab.copy_settings, None, [*form.values(), c["copied"]], api_name="class_copy")
    c["sign_in"].click(tab.sign_in, c["password"], [c["signed"], c["panel"], c["timer"], c["password"]],
                       api_name="class_sign_in", concurrency_limit=4)
    c["show_mine"].click(tab.show_mine, None, c["shown_md"], api_name="class_show_mine")
    c["hide"].click(tab.hide, None, c["shown_md"], api_name="class_hide")
    c["show_code"].click(tab.show_code, c["code"], c["shown_md"], api_name="class_show_code")
    wall = dict(fn=tab.wall, inputs=[c["order"], c["alarms_only"]], outputs=[c["gallery"], c["table"]], **hidden)
    c["timer"].tick(api_name="class_wall", **wall)
    c["order"].change(api_visibility="private", **wall)
    c["alarms_only"].change(api_visibility="private", **wall)
    c["gallery"].select(tab.picked, None, c["code"], api_visibility="private")
    gr.api(tab.class_view, api_name="class_view")
    return tab


def wire(demo: gr.Blocks, tab: ClassTab) -> None:
    """A closed page ends its /class_watch stream and drops its sign-in (and its showing)."""
    demo.unload(tab.closed)


def available(ctx: TabContext) -> bool:
    """Only in teacher mode (a classroom)."""
    return ctx.classroom is not None


def build(ctx: TabContext) -> None:
    """The Class tab in the app, after the Train tab (its copy button fills the Train tab's form)."""
    train, form = ctx.shared["train"]
    shown = lay_out(ctx.store, ctx.classroom, train, form)
    ctx.routes.extend(shown.frames.routes())  # GET /class/frame and /class/picture on the app's own server
    ctx.after.append(lambda demo: wire(demo, shown))
