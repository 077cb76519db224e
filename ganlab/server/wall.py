"""The teacher's wall as data: one row per student run (code, step, status, alarms, quality, settings),
sorted and filtered as the teacher asks. No Gradio: the Class tab draws it, a script can read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ganlab.data import DATASETS
from ganlab.train.monitor import Monitor


def dataset_name(dataset: str) -> str:
    """A dataset as the class may see it: a named set, else only the last part of a folder's path."""
    return dataset if dataset in DATASETS else Path(dataset).name


@dataclass(frozen=True)
class WallRow:
    """One student run on the teacher's wall."""

    code: str
    thumb: str | None  # a copy of its newest 2D view / sample grid, or None before its first frame
    settings: str
    step: int
    status: str
    alarms: tuple[str, ...]  # the alarms' kinds (d wins, collapse, ...)
    quality: str

    def caption(self) -> str:
        """The thumbnail's caption: code, step and the alarms' badges."""
        badges = " ".join(f"⚠ {a}" for a in self.alarms) or "✓ no alarm"
        return f"{self.code} · step {self.step} · {badges}"


def quality_line(monitor: Monitor | None) -> str:
    """The run's last quality reading in a few words: coverage / JS for 2D, the classifier's for images."""
    q = monitor.quality if monitor is not None else None
    if q is None:
        return "not measured yet"
    if q.coverage is not None:
        js = f" · JS {q.js:.2f} bits" if q.js is not None else ""
        return f"coverage {100 * q.coverage:.0f}%{js}"
    if q.scores:
        return " · ".join(f"{k} {100 * v:.0f}%" for k, v in q.scores.items() if k.endswith("_accuracy"))
    if q.class_shares is not None:
        seen = int((q.class_shares >= 0.02).sum())
        hit = f" · {100 * q.asked_hit:.0f}% read as asked" if q.asked_hit is not None else ""
        return f"{seen}/{len(q.class_shares)} classes drawn, largest {100 * q.class_shares.max():.0f}%{hit}"
    return "not measured yet"


def sort_rows(rows: list[WallRow], order: str, alarms_only: bool) -> list[WallRow]:
    """The wall's rows sorted by ``order`` (alarms first / step / code), or only those with alarms."""
    if alarms_only:
        rows = [r for r in rows if r.alarms]
    keys = {"alarms first": lambda r: (-len(r.alarms), r.code), "step": lambda r: (-r.step, r.code)}
    return sorted(rows, key=keys.get(order, lambda r: r.code))


def wall_table(rows: list[WallRow]) -> str:
    """The wall's rows as a Markdown table (code, step, status, alarms, quality, settings)."""
    if not rows:
        return "No student run is training yet (a run appears here once it has taken a step)."
    lines = ["| run | step | status | alarms | quality | settings |", "|---|---|---|---|---|---|"]
    for r in rows:
        badges = ", ".join(r.alarms) or "none"
        lines.append(f"| `{r.code}` | {r.step} | {r.status} | {badges} | {r.quality} | {r.settings} |")
    return "\n".join(lines)
