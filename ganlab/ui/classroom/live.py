"""The Class tab's live view in the page: a small script long-polls ``/class/frame`` (ganlab.server.class_frame)
while the tab is open and swaps the pictures' ``src`` and the texts, outside Gradio's queue. What a frame
says beyond its numbers and pictures (``describe``): the texts a student sees, as Markdown and as the HTML
the page shows (Markdown rendered once per drawing, raw HTML escaped).
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from markdown_it import MarkdownIt

from ganlab.server.classroom import Snapshot
from ganlab.server.wall import dataset_name
from ganlab.ui.classroom.view import SETTING_NAMES, settings_text
from ganlab.ui.request import signed_in  # noqa: F401  (the class view's routes check it; named here too)

NOTHING = "No run is shown to the class right now: the teacher picks one."
TEXTS = ("status", "reading", "alarms", "quality_text", "legend")  # the painter's text panels a frame carries
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")  # user text cannot add HTML


def head_text(snap: Snapshot) -> str:
    """The view's heading: label, the run's status line and its settings table (Markdown)."""
    if snap.status == "none":
        return NOTHING
    return f"**{snap.label}** — {snap.panels.get('status', '')}\n\n{settings_text(snap.config or {})}"


def notes_text(snap: Snapshot) -> str:
    """The notes beside the pictures: reading, alarms, quality, legend (Markdown)."""
    p = snap.panels
    return "\n\n".join(x for x in (p.get("reading"), p.get("alarms"), p.get("quality_text"), p.get("legend")) if x)


def shown_settings(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The settings the view's table shows (a server folder by its last name only), or None."""
    if values is None:
        return None
    return {n: dataset_name(str(values.get(n))) if n == "dataset" else values.get(n) for n in SETTING_NAMES}


def describe(snap: Snapshot) -> dict[str, Any]:
    """A frame's texts: the label, the shown settings, the text panels (Markdown) and the page's HTML."""
    none = snap.status == "none"
    texts = {name: "" if none else str(snap.panels.get(name) or "") for name in TEXTS}
    return {"label": "" if none else snap.label, "settings": None if none else shown_settings(snap.config),
            "texts": texts, "html": {"head": _markdown.render(head_text(snap)),
                                     "notes": "" if none else _markdown.render(notes_text(snap))}}


PAGE = """
<div class="class-live">
  <div id="class-status" class="prose"></div>
  <figure id="class-curves" hidden><figcaption>Losses and D's verdicts</figcaption><img alt="Losses"></figure>
  <div class="class-row">
    <figure id="class-view" hidden><figcaption>Samples / 2D view</figcaption><img alt="Samples or 2D view"></figure>
    <div class="class-side">
      <figure id="class-quality" hidden><figcaption>Quality meter</figcaption><img alt="Quality meter"></figure>
      <div id="class-notes" class="prose"></div>
    </div>
  </div>
</div>
"""
CSS = """
.class-row { display: flex; gap: 1em; flex-wrap: wrap; }
.class-row > figure { flex: 2 1 320px; }
.class-side { flex: 1 1 240px; }
figure { margin: 0 0 0.5em 0; }
figcaption { font-size: 0.85em; opacity: 0.75; }
img { max-width: 100%; object-fit: contain; display: block; }
#class-curves img { max-height: 260px; }
#class-view img { height: 400px; width: 100%; image-rendering: pixelated; }
#class-quality img { max-height: 200px; }
"""
# Long-polls /class/frame while the tab is on screen (and the browser tab visible); a 404 means teacher
# mode is off: it stops. URLs resolve against the page's address, so a path prefix (a proxy) is kept.
SCRIPT = """
const frameUrl = new URL('class/frame', document.baseURI);
const $ = (id) => element.querySelector('#' + id);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const onScreen = () => !document.hidden && element.getClientRects().length > 0;
const slots = [['curves', 'class-curves'], ['picture', 'class-view'], ['quality', 'class-quality']];
let version = -1;
function paint(frame) {
  $('class-status').innerHTML = frame.html.head;
  $('class-notes').innerHTML = frame.html.notes;
  for (const [name, id] of slots) {
    const figure = $(id), img = figure.querySelector('img'), url = frame.pictures[name];
    if (url) {
      const full = new URL(url, frameUrl).href;
      if (img.getAttribute('src') !== full) img.setAttribute('src', full);
      figure.hidden = false;
    } else {
      img.removeAttribute('src');
      figure.hidden = true;
    }
  }
}
(async () => {
  $('class-status').textContent = %(nothing)s;
  while (document.body.contains(element)) {
    if (!onScreen()) { await sleep(400); continue; }
    try {
      const url = new URL(frameUrl);
      url.searchParams.set('after', String(version));
      const answer = await fetch(url, {cache: 'no-store', credentials: 'same-origin'});
      if (answer.status === 404) return;
      if (!answer.ok) { await sleep(2000); continue; }
      const frame = await answer.json();
      version = frame.version;
      paint(frame);
    } catch (e) {
      await sleep(2000);
    }
  }
})();
"""


def live_view() -> gr.HTML:
    """The live class view: the heading, the pictures and the notes, kept fresh by its own script."""
    import json

    return gr.HTML(PAGE, css_template=CSS, js_on_load=SCRIPT % {"nothing": json.dumps(NOTHING)},
                   elem_id="class-live", padding=False)
