"""Playground panel "Can G draw this? Is it copying?": project a drawing or an upload into the
generator (target | projection | difference, the honest closeness report, and the found z put on the
Playground so the sliders move on from the student's own picture), the nearest training images of
the current picture, and the named directions (``directions_panel``).

Logic: ``ganlab.explore.project`` and ``ganlab.explore.nearest`` (tested without the UI); handlers
here turn their errors into ``gr.Error``. Named endpoints: ``project``, ``nearest``.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from ganlab.checkpoints import CheckpointError, resolve
from ganlab.config import ConfigError
from ganlab.explore.infogan import infogan_checkpoints
from ganlab.explore.nearest import NearestError, shared_indexes
from ganlab.explore.project import CHUNK, Projection, ProjectionError, Projector, load_projector, prepare_target
from ganlab.ui.components import Components
from ganlab.ui.gradio_fixes.inputs import brush_ready, unopened_image
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.playground import directions as directions_panel
from ganlab.ui.request import session_id

CANVAS = 280
MAX_PROJECTORS = 4  # generators kept compiled for projection (float32 copies, a few MB each)
SEARCH = "search all classes"
INTRO = ("**Can G draw this?** Draw a picture (the brush is ready) or upload one: the generator's latent "
         "space is searched for the z whose picture is closest (gradient descent through G, a few seconds). "
         "You see your picture | G's closest | the difference (red: your ink G could not draw; blue: ink G "
         "added), how close that is against real pictures, and the found z goes to the Playground above: "
         "the sliders move on from *your* picture (a new seed starts afresh).")
NEAREST_INTRO = ("**Is it copying?** The current picture beside the five training images nearest to it, in the "
                 "classifier's features (top row) and in pixels (bottom row), and how near a real image G never "
                 "saw typically gets. The first search indexes the training set (once per server, ~20 s).")


def start_from(origin: Any, name: Any, seed: Any, latent_dim: int) -> np.ndarray | None:
    """The projected z the Playground starts from, while the model and seed it was found at are unchanged."""
    if not isinstance(origin, dict) or origin.get("model") != name or origin.get("seed") != _int(seed):
        return None
    z = np.asarray(origin.get("z", ()), np.float32)
    return z if z.shape == (latent_dim,) else None


def _category(value: Any) -> int:
    """An InfoGAN category typed as text or a number, or a gr.Error."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise gr.Error(f"Category {value!r} is not a whole number (leave it empty to search all).") from None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def report(p: Projection, nearest: dict[str, tuple[float, float]] | None = None) -> str:
    """The closeness report (markdown): the verdict in plain words first, the measures behind a details fold."""
    found = (f"; G's class input {p.label_name}" if p.label_name else
             ("" if p.label is None else f"; category {p.label}"))
    feature = "" if p.feature_distance is None else f", feature distance {p.feature_distance:.2f}"
    details = [f"G's closest picture: pixel distance {p.pixel_distance:.3f} (RMS on 0..1){feature}; its z is "
               f"{p.z_length:.2f}× the length of a typical random z ({p.seconds:.1f} s: {p.restarts} restarts, "
               f"{p.steps} Adam steps{found})."]
    ref = p.reference
    if ref.projected_pixel:
        extra = "" if not ref.projected_feature else (f"; features {ref.projected_feature[0]:.2f}, 9 in 10 below "
                                                      f"{ref.projected_feature[1]:.2f}")
        details.append(f"Real test pictures ({ref.projected_images} never trained on) projected the same way reach "
                       f"pixel {ref.projected_pixel[0]:.3f} (median; 9 in 10 below {ref.projected_pixel[1]:.3f})"
                       f"{extra}.")
    if nearest:
        bits = [f"{k} {v[0]:.3f}" for k, v in nearest.items()]
        details.append(f"A real test picture's nearest *training* image is at {', '.join(bits)} (median).")
    fold = "\n\n".join(details)
    return f"> {p.verdict()}\n\n<details><summary>Details: the measures</summary>\n\n{fold}\n\n</details>"

class ProjectPanel:
    """Handlers of the panel; projectors and dataset indexes are built once per server, bounded."""

    def __init__(self, tab: Any, v: Any) -> None:
        self.tab, self.v, self.c = tab, v, Components()
        self._projectors: OrderedDict[tuple[str, int], Projector] = OrderedDict()
        self._lock = threading.Lock()
        self.indexes = shared_indexes()  # one index per dataset for the whole server (the Train tab's too)

    def projector(self, folder: Path) -> Projector:
        """The compiled projector of a checkpoint folder (loaded once per file version)."""
        file = Path(folder) / "generator.keras"
        key = (str(file.resolve()), file.stat().st_mtime_ns)
        with self._lock:
            if key not in self._projectors:
                self._projectors[key] = load_projector(folder)
                while len(self._projectors) > MAX_PROJECTORS:
                    self._projectors.popitem(last=False)
            self._projectors.move_to_end(key)
            return self._projectors[key]

    def _source(self, name: Any, request: Any) -> tuple[Path, Any]:
        """(checkpoint folder, Loaded) of a Playground generator, or (folder, None) of an InfoGAN (shipped or
        this session's): the InfoGAN panel's models are not in the Playground's list but project too."""
        if isinstance(name, str) and name not in self.tab.models(request):
            store, sid = self.tab.store, session_id(request)
            found = infogan_checkpoints(store.saved_models(sid) if store is not None and sid else {})
            if name in found:
                return resolve(found[name]), None
        loaded = self.tab.loaded(name, request)
        return loaded.path, loaded

    def _project(self, name: Any, image: Any, cls: Any, request: Any, progress: Any) -> tuple[Projection, Any]:
        """Project a drawing, upload path or array into the named generator (a Playground one or an InfoGAN)."""
        folder, loaded = self._source(name, request)
        label = (None if cls in (None, "", SEARCH) else _category(cls) if loaded is None
                 else self.tab.pg.class_index(loaded, cls, strict=False))
        try:
            projector = self.projector(folder)
            target = prepare_target(image, projector.shape, digits=projector.digits)
            p = projector(target, label=label, progress=lambda f, text: progress(f, desc=text))
        except (ProjectionError, ConfigError, CheckpointError) as e:
            raise gr.Error(str(e)) from None
        return p, loaded

    def warm_projector(self, name, request: gr.Request) -> None:
        """Load and compile the picked model's projector in the background (when the panel opens)."""
        loaded = self.tab.loaded(name, request)
        threading.Thread(target=self._warm, args=(loaded,), daemon=True).start()

    def _warm(self, loaded: Any) -> None:
        with contextlib.suppress(ProjectionError, CheckpointError, OSError, ValueError):
            projector = self.projector(loaded.path)
            if not getattr(projector, "warm", False):
                projector.warm = True
                dot = np.zeros(projector.shape[:2], np.uint8)
                dot[10:18, 10:18] = 255
                projector(dot, steps=3 * CHUNK)  # traces every batch size a projection uses

    def _nearest_reference(self, loaded: Any) -> dict[str, tuple[float, float]] | None:
        dataset = str(loaded.card.get("dataset"))
        return self.indexes.get(dataset).reference if self.indexes.ready(dataset) else None

    def project(self, name, seed, image, cls, history, request: gr.Request,
                progress=gr.Progress()):  # noqa: B008 - how Gradio asks for a progress bar
        """UI: project, report, and put the found z on the Playground (sliders at 0, truncation 1)."""
        p, loaded = self._project(name, image, cls, request, progress)
        origin = {"model": name, "seed": _int(seed), "z": [float(x) for x in p.z], "label": p.label}
        history = [*(history or [])[-1:], {"model": name, "z": origin["z"], "label": p.label}]
        classes = gr.Dropdown(value=p.label) if loaded.conditional and p.label is not None else gr.skip()
        n = len(self.v.raw) + len(self.v.dirs)
        return (p.triptych(), report(p, self._nearest_reference(loaded)), origin, history, classes, 1.0,
                *([0.0] * n))

    def class_choices(self, name, request: gr.Request):
        """The class picker for the picked model: search all, or one of its classes."""
        names = self.tab.loaded(name, request).class_names
        return gr.Dropdown(choices=[SEARCH, *((n, i) for i, n in enumerate(names))], value=SEARCH,
                           visible=bool(names))

    def api_project(self, model: str, image: str, class_: str | None, request: gr.Request = None,
                    progress=gr.Progress()):  # noqa: B008
        """API: project a picture file into a generator — a Playground one, or an InfoGAN (``class_``: its
        category) — with ``class_`` empty to search all; the triptych (target | projection | difference) and
        what was found: z, label, codes (InfoGAN), distances, verdict."""
        p, _ = self._project(model, image, class_, request, progress)
        codes = None if p.codes is None else [round(float(x), 5) for x in p.codes]
        return p.triptych(), {"z": [round(float(x), 6) for x in p.z], "label": p.label, "label_name": p.label_name,
                              "codes": codes,
                              "pixel_distance": round(p.pixel_distance, 5), "verdict": p.verdict(),
                              "feature_distance": None if p.feature_distance is None else round(p.feature_distance, 4),
                              "seconds": round(p.seconds, 2), "reference": p.reference.__dict__}

    # -- nearest training images ------------------------------------------------------------------
    def warm_up(self, name, request: gr.Request) -> None:
        """Start indexing the picked model's training set in the background (when the panel opens)."""
        dataset = str(self.tab.loaded(name, request).card.get("dataset"))
        if not self.indexes.ready(dataset):
            threading.Thread(target=self._build_quietly, args=(dataset,), daemon=True).start()

    def _build_quietly(self, dataset: str) -> None:
        with contextlib.suppress(NearestError):  # the search itself will say why
            self.indexes.get(dataset)

    def current(self, request: Any, name, seed, cls, truncation, rest, strict: bool = False) -> Any:
        """The Playground's current picture (a Render) from its render inputs (rest: sliders, then the origin)."""
        loaded = self.tab.loaded(name, request)
        raw, dirs = len(self.v.raw), len(self.v.dirs)
        try:
            return self.tab.pg.image(loaded, seed, cls, truncation, list(rest[:raw]), list(rest[raw:raw + dirs]),
                                     strict=strict, start=start_from(rest[-1], name, seed, loaded.latent_dim))
        except ConfigError as e:
            raise gr.Error(str(e)) from None

    def _nearest(self, name: Any, small: np.ndarray, request: Any) -> Any:
        loaded = self.tab.loaded(name, request)
        try:
            return self.indexes.get(str(loaded.card.get("dataset"))).query(small)
        except NearestError as e:
            raise gr.Error(str(e)) from None

    def nearest(self, request: gr.Request, name, seed, cls, truncation, *rest):
        """UI: the current picture's nearest training images (rest: the sliders, then the origin)."""
        found = self._nearest(name, self.current(request, name, seed, cls, truncation, rest).small, request)
        return found.figure(), _nearest_text(found)

    def api_nearest(self, model: str, seed: float, class_: str | None, truncation: float,
                    offsets: list | str | None = None, directions: list | str | None = None,
                    request: gr.Request = None):
        """API: the nearest training images of a generated picture (the parameters of ``generate``):
        the figure (top row: by features, bottom: by pixels) and the indexes, labels and distances."""
        loaded = self.tab.loaded(model, request)
        try:
            small = self.tab.pg.image(loaded, seed, class_, truncation, offsets, directions).small
        except ConfigError as e:
            raise gr.Error(str(e)) from None
        found = self._nearest(model, small, request)
        rows = {k: {"nearest": [{"index": int(i), "label": int(y), "distance": round(float(d), 5)}
                                for i, y, d in zip(n.indices, n.labels, n.distances)],
                    "held_out_median": round(n.reference, 5)}
                for k, n in (("features", found.features), ("pixels", found.pixels)) if n is not None}
        return found.figure(), {**rows, "milliseconds": round(1000 * found.seconds, 1), "summary": found.summary()}


def _nearest_text(found: Any) -> str:
    """Distances of the neighbours and the summary sentence (markdown)."""
    lines = []
    for name, n in (("features", found.features), ("pixels", found.pixels)):
        if n is not None:
            lines.append(f"**{name}**: " + ", ".join(f"{found.class_names[y] if y < len(found.class_names) else y} "
                                                     f"at {d:.3f}" for y, d in zip(n.labels, n.distances)))
    return "\n\n".join([*lines, found.summary(), f"*{1000 * found.seconds:.0f} ms for this search.*"])


# -- layout and wiring ---------------------------------------------------------------------------------
def build(tab: Any, v: Any) -> ProjectPanel:
    """Lay out the panel's accordions (inside the Playground tab); ``wire`` connects them later."""
    panel = ProjectPanel(tab, v)
    c = panel.c
    v.origin, c.history = gr.State(None), gr.State([])
    with gr.Accordion("Start from a picture: can G draw this?", open=False, elem_id="pg-project") as c.box:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                c.canvas = gr.Sketchpad(label="Draw", type="numpy", image_mode="RGBA", canvas_size=(CANVAS, CANVAS),
                                        fixed_canvas=True, layers=False, transforms=(), elem_id="pg-project-canvas",
                                        brush=gr.Brush(default_size=18, colors=["#000000"], color_mode="fixed"))
                c.upload = unopened_image(label="…or upload a picture", sources=("upload", "clipboard"), height=160,
                                          elem_id="pg-project-upload")  # checked before decoding
            with gr.Column(scale=4, min_width=340):
                with gr.Row():
                    c.cls = gr.Dropdown([SEARCH, *range(10)], value=SEARCH, label="Class (conditional models)",
                                        elem_id="pg-project-class", scale=2)
                    c.go = gr.Button("Project my drawing", variant="primary", elem_id="pg-project-go", scale=1)
                c.triptych = shown_image(label="your picture | G's closest | difference", type="numpy",
                                         interactive=False, format="png", elem_id="pg-project-result", height=240)
                c.report = gr.Markdown(elem_id="pg-project-report")
        brush_ready("pg-project-canvas")
    with gr.Accordion("Nearest training images: is it copying?", open=False, elem_id="pg-nearest") as c.near_box:
        gr.Markdown(NEAREST_INTRO)
        c.near_btn = gr.Button("Find the nearest training images of the current picture", elem_id="pg-nearest-go")
        c.near_img = shown_image(label="current picture, then its 5 nearest (top: features, bottom: pixels)",
                                 type="numpy", interactive=False, format="png", elem_id="pg-nearest-img", height=300)
        c.near_text = gr.Markdown(elem_id="pg-nearest-text")
    panel.directions = directions_panel.build(tab, v, c.history, panel.current)
    _api_components(c)
    return panel


def _api_components(c: Components) -> None:
    """Hidden inputs and outputs of the scripted ``project`` and ``nearest`` endpoints (then a button each)."""
    with gr.Row(visible=False):
        c.api_project = [gr.Textbox(label="model"), unopened_image(label="image"), gr.Textbox("", label="class"),
                         shown_image(type="numpy", format="png", label="triptych"), gr.JSON(label="found"),
                         gr.Button()]
        c.api_nearest = [gr.Textbox(label="model"), gr.Number(0, label="seed", precision=0),
                         gr.Textbox("", label="class"), gr.Number(1.0, label="truncation"),
                         gr.JSON([], label="offsets"), gr.JSON([], label="directions"),
                         shown_image(type="numpy", format="png", label="figure"), gr.JSON(label="nearest"),
                         gr.Button()]


def wire(panel: ProjectPanel, view: list) -> None:
    """Connect the panel's events; ``view`` is the Playground's render inputs (ending with the origin)."""
    v, c, tab = panel.v, panel.c, panel.tab
    fast = {"show_progress": "hidden", "api_visibility": "private"}
    heavy = {"concurrency_limit": 1, "concurrency_id": "ganlab-project"}  # one projection at a time per server
    outputs = [c.triptych, c.report, v.origin, c.history, v.classes, v.trunc, *v.raw, *v.dirs]
    for source, event, what in ((c.canvas, c.go.click, "drawing"), (c.upload, c.upload.upload, "upload")):
        event(panel.project, [v.model, v.seed, source, c.cls, c.history], outputs, api_name=f"project_{what}",
              api_visibility="private", **heavy).then(tab.render, view, v.image, **fast)
    for event in (v.model.change, c.box.expand):
        event(panel.class_choices, v.model, c.cls, api_visibility="private")
    c.box.expand(panel.warm_projector, v.model, None, api_visibility="private", show_progress="hidden")
    c.near_box.expand(panel.warm_up, v.model, None, api_visibility="private", show_progress="hidden")
    for control in (v.seed, v.model):  # a new seed or model starts afresh
        control.change(lambda: None, None, v.origin, queue=False, api_visibility="private")
    c.near_btn.click(panel.nearest, view, [c.near_img, c.near_text], api_name="nearest_current",
                     api_visibility="private", concurrency_limit=2)
    *inputs, image, found, button = c.api_project
    button.click(panel.api_project, inputs, [image, found], api_name="project", **heavy)
    *inputs, image, found, button = c.api_nearest
    button.click(panel.api_nearest, inputs, [image, found], api_name="nearest", concurrency_limit=2)
    directions_panel.wire(panel.directions, view)
