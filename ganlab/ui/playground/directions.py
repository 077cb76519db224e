"""Playground panel "Named directions": name a direction (a PCA direction, or from one projected picture
to the next: thin 7 → thick 7), keep it in this browser session, apply it to the current picture or to
8 seeds at once, and download / upload it as a small JSON file. Shipped models bring theirs, each with
the measure that checked it. Logic: ``ganlab.explore.named_directions``. Named endpoint:
``apply_direction``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from ganlab.config import ConfigError, check_number
from ganlab.explore import named_directions as nd
from ganlab.explore.playground import check_seed
from ganlab.images import upscale
from ganlab.ui.components import Components
from ganlab.ui.gradio_fixes.outputs import shown_image

AMOUNTS = (-2.0, -1.0, 0.0, 1.0, 2.0)
BATCH = 8
FROM_PROJECTIONS = "from my last two projections (first → second)"
INTRO = ("**Named directions.** A direction moves z so that one thing changes — thickness, slant, width. "
         "Name one (a PCA direction, or the way from your last projected picture to the one before: project a "
         "thin 7, then a thick 7, and save *thickness*), keep it for this session, apply it to the current "
         "picture or to 8 seeds at once (columns: amounts −2 … +2), download it or upload one (JSON).")


class DirectionsPanel:
    """Handlers; a session's directions live in its gr.State, the shipped ones beside each checkpoint."""

    def __init__(self, tab: Any, v: Any, history: Any, current: Callable[..., Any]) -> None:
        self.tab, self.v, self.c, self.current = tab, v, Components(history=history), current  # current: a Render

    def available(self, loaded: Any, saved: list | None) -> dict[str, nd.NamedDirection]:
        """Label -> direction: the model's shipped ones, then this session's for this model."""
        out = {f"{d.name} (shipped)": d for d in nd.shipped(loaded.path, loaded.latent_dim)}
        for item in saved or []:
            if item.get("model") == loaded.name and len(item.get("vector", ())) == loaded.latent_dim:
                out[f"{item['name']} (yours)"] = nd.NamedDirection(item["name"], np.asarray(item["vector"], np.float32),
                                                                   item.get("source", ""), item.get("check", {}))
        return out

    def choices(self, name, saved, request: gr.Request, current: str | None = None):
        """The direction dropdown for the picked model (keeps ``current`` when it is still there)."""
        names = list(self.available(self.tab.loaded(name, request), saved))
        return gr.Dropdown(choices=names, value=current if current in names else (names[0] if names else None))

    def describe(self, name, choice, saved, request: gr.Request) -> str:
        """Where the chosen direction came from, and its measured check."""
        d = self.available(self.tab.loaded(name, request), saved).get(choice)
        if d is None:
            return "No direction chosen: save one below, or pick a model that ships some (cgan-mnist)."
        check, figure = d.check, ""
        if check.get("monotonic_share") is not None:
            share = 100 * check["monotonic_share"]
            figure = f" Checked: {check['claim']} for **{share:.0f}%** of {check['seeds']} seeds"
            if check.get("class_kept_share") is not None:
                figure += f"; the classifier reads the same class along it for {100 * check['class_kept_share']:.0f}%"
            figure += "."
        return f"**{d.name}**: {d.source or 'no source recorded'}.{figure}"

    def save(self, name, label, source, saved, history, request: gr.Request):
        """Name a direction and keep it in this session (a PCA direction or the last two projections)."""
        loaded = self.tab.loaded(name, request)
        try:
            if source == FROM_PROJECTIONS:
                mine = [h for h in history or [] if h.get("model") == name]
                if len(mine) < 2:
                    raise nd.DirectionError("Project two pictures with this model first (e.g. a thin 7, then a "
                                            "thick 7): the direction goes from the first to the second.")
                d = nd.from_difference(mine[-2]["z"], mine[-1]["z"], label, "your two projected pictures")
            else:
                i = int(str(source).split()[-1]) - 1
                dirs = self.tab.pg.directions(loaded)
                d = nd.from_pca(dirs.vectors, i, label, float(dirs.explained[i]))
            own = [nd.NamedDirection(x["name"], np.asarray(x["vector"], np.float32), x.get("source", ""))
                   for x in saved or [] if x.get("model") == name]
            nd.added(own, d)  # the session's limit and the name check
        except (nd.DirectionError, ValueError) as e:
            raise gr.Error(str(e)) from None
        kept = [x for x in saved or [] if not (x.get("model") == name and x.get("name") == d.name)]
        saved = [*kept, {"model": name, **d.as_dict()}]
        return saved, self.choices(name, saved, request, f"{d.name} (yours)"), f"Saved **{d.name}** for {name}."

    def _sweep(self, loaded, d: nd.NamedDirection, z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        grid = nd.sweep(loaded.sampler, z, labels, d, AMOUNTS)
        return upscale(grid, 4 if len(z) == 1 else 2)

    def apply_one(self, request: gr.Request, choice, saved, name, seed, cls, truncation, *rest):
        """The current picture (sliders and projected start included) along the direction: 5 amounts."""
        loaded = self.tab.loaded(name, request)
        d = self._direction(loaded, choice, saved)
        r = self.current(request, name, seed, cls, truncation, rest)
        return self._sweep(loaded, d, r.z[None], None if r.label is None else np.array([r.label]))

    def apply_batch(self, choice, saved, name, first_seed, cls, truncation, request: gr.Request):
        """8 seeds from ``first_seed`` (rows) along the direction (columns: amounts −2 … +2)."""
        loaded = self.tab.loaded(name, request)
        d = self._direction(loaded, choice, saved)
        return self._sweep(loaded, d, *self._batch(loaded, first_seed, cls, truncation))

    def _batch(self, loaded, first_seed, cls, truncation) -> tuple[np.ndarray, np.ndarray | None]:
        try:
            seed = check_seed(first_seed, "first seed")
            psi = check_number("truncation", truncation, 0.01, 1.0)
            idx = self.tab.pg.class_index(loaded, cls, strict=False)
        except ConfigError as e:
            raise gr.Error(str(e)) from None
        z = nd.seed_latents(min(seed, 2**31 - 1 - BATCH), BATCH, loaded.latent_dim, psi)
        return z, None if idx is None else np.full(BATCH, idx)

    def _direction(self, loaded, choice, saved) -> nd.NamedDirection:
        d = self.available(loaded, saved).get(choice)
        if d is None:
            raise gr.Error(f"Unknown direction {choice!r} for {loaded.name}: save one first.")
        return d

    # -- files and the endpoint -------------------------------------------------------------------------
    def download(self, name, saved, request: gr.Request) -> str:
        """A JSON file of the model's directions: the shipped ones and this session's."""
        loaded = self.tab.loaded(name, request)
        found = list(self.available(loaded, saved).values())
        if not found:
            raise gr.Error("There are no directions to download yet: save one first.")
        path = Path(tempfile.mkdtemp(prefix="ganlab-")) / f"{loaded.path.name}-directions.json"
        path.write_text(nd.to_json(found, loaded.name, loaded.latent_dim), encoding="utf-8")
        return str(path)

    def upload(self, file, name, saved, request: gr.Request):
        """Read an uploaded directions file (size checked before reading, every field validated) into the session."""
        loaded = self.tab.loaded(name, request)
        try:
            found = nd.read(file, loaded.latent_dim)
            own = [nd.NamedDirection(x["name"], np.asarray(x["vector"], np.float32))
                   for x in saved or [] if x.get("model") == name]
            for d in found:
                own = nd.added(own, d)
        except nd.DirectionError as e:
            raise gr.Error(str(e)) from None
        names = {d.name for d in found}
        kept = [x for x in saved or [] if not (x.get("model") == name and x.get("name") in names)]
        saved = [*kept, *({"model": name, **d.as_dict()} for d in found)]
        label = f"{found[0].name} (yours)"
        return (saved, self.choices(name, saved, request, label),
                f"Read {len(found)} direction(s) for {name}: {', '.join(sorted(names))}.")

    def api_apply(self, model: str, direction: str | list, seed: float, class_: str | None, truncation: float,
                  request: gr.Request = None) -> np.ndarray:
        """API: 8 seeds from ``seed`` (rows) moved along a direction (columns: amounts −2, −1, 0, 1, 2);
        ``direction``: the name of one the model ships (e.g. "thickness") or a list of latent_dim numbers."""
        loaded = self.tab.loaded(model, request)
        shipped = {d.name: d for d in nd.shipped(loaded.path, loaded.latent_dim)}
        try:
            d = shipped.get(direction) if isinstance(direction, str) else nd.NamedDirection(
                "direction", nd.unit(direction, loaded.latent_dim))
        except nd.DirectionError as e:
            raise gr.Error(str(e)) from None
        if d is None:
            raise gr.Error(f"{model} ships no direction {direction!r}; it ships: {', '.join(shipped) or 'none'} "
                           "(or pass a list of numbers).")
        return self._sweep(loaded, d, *self._batch(loaded, seed, class_, truncation))


# -- layout and wiring ---------------------------------------------------------------------------------
def build(tab: Any, v: Any, history: Any, current: Callable[..., Any]) -> DirectionsPanel:
    """Lay out the accordion (inside the Playground tab); ``wire`` connects it."""
    panel = DirectionsPanel(tab, v, history, current)
    c = panel.c
    c.saved = gr.State([])
    with gr.Accordion("Named directions", open=False, elem_id="pg-named") as c.box:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                c.choice = gr.Dropdown([], label="Direction", elem_id="pg-named-choice")
                c.info = gr.Markdown(elem_id="pg-named-info")
                with gr.Row():
                    c.one = gr.Button("Apply to the current picture", elem_id="pg-named-one")
                    c.batch = gr.Button(f"Apply to {BATCH} seeds", elem_id="pg-named-batch")
                c.first_seed = gr.Number(0, label=f"First of the {BATCH} seeds", precision=0, minimum=0)
                with gr.Group():
                    c.name = gr.Textbox(label="Name a new direction", placeholder="thickness", max_length=40,
                                        elem_id="pg-named-name")
                    c.source = gr.Dropdown([f"PCA direction {i + 1}" for i in range(len(v.dirs))] + [FROM_PROJECTIONS],
                                           value=FROM_PROJECTIONS, label="It is", elem_id="pg-named-source")
                    c.save = gr.Button("Save in this session", elem_id="pg-named-save")
                c.message = gr.Markdown(elem_id="pg-named-message")
                with gr.Row():
                    c.download = gr.Button("Download JSON", elem_id="pg-named-download")
                    c.upload = gr.UploadButton("Upload JSON", file_types=[".json"], elem_id="pg-named-upload")
                c.file = gr.File(label="Directions file", interactive=False, height=80, elem_id="pg-named-file")
            with gr.Column(scale=4, min_width=340):
                c.sweep = shown_image(label="along the direction: amounts −2, −1, 0, +1, +2 (rows: seeds)",
                                      type="numpy", interactive=False, format="png", elem_id="pg-named-sweep",
                                      height=560)
    with gr.Row(visible=False):  # the scripted endpoint's inputs
        c.api = [gr.Textbox(label="model"), gr.JSON('"thickness"', label="direction"),
                 gr.Number(0, label="seed", precision=0), gr.Textbox("", label="class"),
                 gr.Number(1.0, label="truncation"), shown_image(type="numpy", format="png", label="grid"),
                 gr.Button()]
    return panel


def wire(panel: DirectionsPanel, view: list) -> None:
    """Connect the events; ``view``: the Playground's render inputs (model, seed, class, truncation, …, origin)."""
    c, v = panel.c, panel.v
    private = {"api_visibility": "private"}
    for event in (v.model.change, c.box.expand):
        event(panel.choices, [v.model, c.saved], c.choice, **private)
    c.choice.change(panel.describe, [v.model, c.choice, c.saved], c.info, show_progress="hidden", **private)
    c.save.click(panel.save, [v.model, c.name, c.source, c.saved, c.history], [c.saved, c.choice, c.message], **private)
    c.one.click(panel.apply_one, [c.choice, c.saved, *view], c.sweep, **private)
    c.batch.click(panel.apply_batch, [c.choice, c.saved, v.model, c.first_seed, v.classes, v.trunc], c.sweep,
                  **private)
    c.download.click(panel.download, [v.model, c.saved], c.file, **private)
    c.upload.upload(panel.upload, [c.upload, v.model, c.saved], [c.saved, c.choice, c.message], **private)
    *inputs, grid, button = c.api
    button.click(panel.api_apply, inputs, grid, api_name="apply_direction")
