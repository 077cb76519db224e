"""The model overview graph (after GAN Lab's): z → G → fake → D ← real → the two losses, with this
run's numbers on it and the part that is updating highlighted. Drawing only (an inline SVG)."""

from __future__ import annotations

from html import escape

from ganlab.numbers import human_number

PHASES = ("batch", "d", "g")  # sampling the batch; a D update; the G update
ON, OFF, EDGE = "#fde68a", "#f3f4f6", "#6b7280"
_BOXES = {  # name: (x, y, w, h, label, lit in these phases)
    "z": (10, 20, 70, 36, "noise z", ("batch",)),
    "G": (110, 20, 90, 36, "Generator G", ("g",)),
    "fake": (230, 20, 100, 36, "fake G(z)", ("batch", "g")),
    "real": (230, 110, 100, 36, "real x", ("batch", "d")),
    "D": (360, 65, 100, 36, "Discriminator D", ("d", "g")),
    "d_loss": (500, 110, 110, 36, "D's loss", ("d",)),
    "g_loss": (500, 20, 110, 36, "G's loss", ("g",)),
}
_EDGES = (("z", "G"), ("G", "fake"), ("fake", "D"), ("real", "D"), ("D", "d_loss"), ("D", "g_loss"))


def _fmt(v: float | None) -> str:
    """A loss or verdict for people: 1.39, 4.0e9, NaN, – (none yet)."""
    return human_number(v)


def model_graph(numbers: dict[str, float | None] | None = None, phase: str | None = None,
                caption: str = "") -> str:
    """The graph as HTML: ``numbers`` (d_real, d_fake, d_loss, g_loss) written on it, ``phase``
    (one of PHASES, or None) lit in yellow, and an optional caption under it."""
    n = numbers or {}
    parts = ['<svg viewBox="0 0 620 160" width="100%" role="img" aria-label="model overview graph" '
             'style="max-width:620px;font-family:sans-serif;font-size:12px">',
             '<defs><marker id="ah" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
             f'<path d="M0,0 L8,4 L0,8 z" fill="{EDGE}"/></marker></defs>']
    for a, b in _EDGES:
        ax, ay, aw, ah, *_ = _BOXES[a]
        bx, by, _, bh, *_ = _BOXES[b]
        parts.append(f'<line x1="{ax + aw}" y1="{ay + ah / 2}" x2="{bx}" y2="{by + bh / 2}" stroke="{EDGE}" '
                     'stroke-width="1.5" marker-end="url(#ah)"/>')
    for x, y, w, h, label, lit in _BOXES.values():
        fill = ON if phase in lit else OFF
        parts.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="{EDGE}"/>'
                     f'<text x="{x + w / 2}" y="{y + 15}" text-anchor="middle">{escape(label)}</text>')
    values = {"d_loss": _fmt(n.get("d_loss")), "g_loss": _fmt(n.get("g_loss")),
              "fake": f"D(G(z)) = {_fmt(n.get('d_fake'))}", "real": f"D(x) = {_fmt(n.get('d_real'))}"}
    for name, text in values.items():
        x, y, w, *_ = _BOXES[name]
        parts.append(f'<text x="{x + w / 2}" y="{y + 30}" text-anchor="middle" font-weight="bold">'
                     f'{escape(text)}</text>')
    parts.append("</svg>")
    if caption:
        parts.append(f'<div style="font-size:13px;margin-top:4px">{escape(caption)}</div>')
    return "".join(parts)
