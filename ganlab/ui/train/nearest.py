"""Train tab accordion "Is it copying?": the current run's samples beside their nearest training images
(in the shipped classifier's features and in pixels), with how near a real image G never saw
typically gets. For image runs on a named dataset (MNIST, Fashion-MNIST).

Logic: ``ganlab.explore.nearest`` (one index per dataset for the whole server, shared with the
Playground, at most ``nearest.MAX_INDEXES`` of 125 MB each). The handler reads the caller's own run
only (``SessionStore.get``). Named endpoint: ``train_nearest``.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import gradio as gr

from ganlab.data.idx import DATASET_DIRS
from ganlab.explore.nearest import IndexCache, Nearest, NearestError, as_queries, shared_indexes, stacked_figure
from ganlab.server.store import SessionStore
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.request import session_id

MAX_SHOWN = 8  # samples searched in one call
INTRO = ("**Is it copying?** Pick one of this run's samples (0 is the top-left picture of the sample grid, "
         "counted row by row) or the first few: each is shown beside the five training images nearest to it "
         "in the classifier's features (first row) and in pixels (second row), with distances, and against "
         "how near a real image G never saw gets to the training set. A sample much nearer than that is a "
         "near-copy; about as near means G invents. The first search indexes the training set (once per "
         "server, seconds).")


class TrainNearest:
    """Handlers of the accordion, bound to the SessionStore (each caller sees only their own run)."""

    def __init__(self, store: SessionStore, indexes: IndexCache | None = None) -> None:
        self.store = store
        self.indexes = indexes if indexes is not None else shared_indexes()

    def _dataset(self, request: Any) -> tuple[Any, str]:
        """The caller's run and its dataset name, or a gr.Error saying why it cannot be searched."""
        sid = session_id(request)
        job = self.store.get(sid)
        if job is None:
            raise gr.Error("No run yet: press Start or Step first, then look for copies among its samples.")
        s = job.run
        if not s.spec.is_image:
            raise gr.Error("This run draws 2D points, not pictures: there are no training images to compare with.")
        if s.config.dataset not in DATASET_DIRS:
            raise gr.Error("Nearest training images need a named dataset (mnist or fashion): this run's data was "
                           "uploaded or drawn, and the server keeps no index of it.")
        return job, s.config.dataset

    def find(self, sample: Any, count: Any, request: gr.Request = None) -> tuple[Any, str, dict]:
        """UI and API: the nearest training images of sample ``sample`` of this run's sample grid, or of
        its first ``count`` samples when ``count`` > 1; the figure, the summary and the numbers."""
        job, dataset = self._dataset(request)
        queries = as_queries(job.run.samples())
        first, n = _int(sample, 0), _int(count, 1)
        if not 1 <= n <= MAX_SHOWN:
            raise gr.Error(f"Search 1 to {MAX_SHOWN} samples at a time; got {n}.")
        picked = list(range(min(n, len(queries)))) if n > 1 else [first]
        if n == 1 and not 0 <= first < len(queries):
            raise gr.Error(f"This run's sample grid has {len(queries)} samples: pick 0 to {len(queries) - 1}.")
        try:
            index = self.indexes.get(dataset)
            found = [index.query(queries[i]) for i in picked]
        except NearestError as e:
            raise gr.Error(str(e)) from None
        numbers = {"step": job.run.step_count, "dataset": dataset, "index_mb": round(index.nbytes / 2**20, 1),
                   "samples": [_numbers(i, f) for i, f in zip(picked, found)]}
        return stacked_figure(found), _text(picked, found, index.nbytes, len(index.images)), numbers

    def warm_up(self, request: gr.Request = None) -> None:
        """Start indexing this run's training set in the background (when the accordion opens)."""
        with contextlib.suppress(gr.Error):
            _, dataset = self._dataset(request)
            if not self.indexes.ready(dataset):
                threading.Thread(target=self._build_quietly, args=(dataset,), daemon=True).start()

    def _build_quietly(self, dataset: str) -> None:
        with contextlib.suppress(NearestError):  # the search itself will say why
            self.indexes.get(dataset)


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise gr.Error(f"Not a whole number: {value!r}.") from None


def _numbers(sample: int, found: Nearest) -> dict:
    """One sample's neighbours as JSON: index, label and distance of each, and the held-out yardstick."""
    rows = {name: {"nearest": [{"index": int(i), "label": int(y), "distance": round(float(d), 5)}
                               for i, y, d in zip(n.indices, n.labels, n.distances)],
                   "held_out_median": round(n.reference, 5)}
            for name, n in (("features", found.features), ("pixels", found.pixels)) if n is not None}
    return {"sample": sample, **rows, "milliseconds": round(1000 * found.seconds, 1), "summary": found.summary()}


def _text(picked: list[int], found: list[Nearest], nbytes: int, images: int) -> str:
    """One paragraph per sample, then the search time and the index's size (markdown)."""
    lines = [f"**Sample {i}**: {f.brief()}" for i, f in zip(picked, found)]
    slowest = max(1000 * f.seconds for f in found)
    lines.append(f"*{slowest:.0f} ms per search at most; the index holds {images:,} training images "
                 f"({nbytes / 2**20:.0f} MB, one per dataset for the whole server).*")
    return "\n\n".join(lines)


def build(store: SessionStore) -> TrainNearest:
    """Lay out the accordion and wire it (inside the Train tab's right-hand column)."""
    panel = TrainNearest(store)
    with gr.Accordion("Is it copying? Nearest training images of this run's samples", open=False,
                      elem_id="train-nearest") as box:
        gr.Markdown(INTRO)
        with gr.Row():
            sample = gr.Number(0, label="sample (0 = top left, row by row)", precision=0, minimum=0,
                               elem_id="train-nearest-sample")
            count = gr.Slider(1, MAX_SHOWN, value=1, step=1, label="or the first N samples (N > 1)",
                              elem_id="train-nearest-count")
            go = gr.Button("Find the nearest training images", variant="primary", elem_id="train-nearest-go")
        figure = shown_image(label="sample, then its 5 nearest training images (first row: features, second: "
                             "pixels)", interactive=False, elem_id="train-nearest-img", height=460)
        text = gr.Markdown(elem_id="train-nearest-text")
        numbers = gr.JSON(visible=False, label="nearest")
    box.expand(panel.warm_up, None, None, api_visibility="private", show_progress="hidden")
    go.click(panel.find, [sample, count], [figure, text, numbers], api_name="train_nearest", concurrency_limit=2)
    return panel
