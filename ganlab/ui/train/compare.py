"""The Train tab's comparison controls: Fork here, which run Save keeps, and /metrics' ``runs``.

A comparison starts from the form ("Compare with…" and "B's value" are form settings, so /start takes
them); a fork splits the caller's run at its current step (SessionStore.fork). Handlers only.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import gradio as gr

from ganlab.config import ConfigError
from ganlab.server.store import Job, ServerBusy
from ganlab.ui.request import session_id
from ganlab.ui.train.form import FormBase, with_form

SAVE_CHOICES = ("both", "A", "B")
SAVE_KEY = "save_which"  # the session's choice of which run Save keeps (SessionStore.choice)


class CompareControls:
    """Fork, the Save choice and the per-run metrics, for one TrainTab."""

    def __init__(self, tab: Any):
        self.tab, self.store = tab, tab.store

    def fork(self, form: FormBase, request: gr.Request) -> str:
        """Split the caller's run in two at this step: B differs in the form's "Compare with…" setting,
        set to "B's value", from the next step on (marked on the curves); both then train in lockstep."""
        sid = session_id(request)
        try:
            config = form.config()
            asked = config.comparison()
            if asked is None:
                raise ValueError("Pick the setting B should change in 'Compare with…' and B's value, then Fork.")
            with self.store.control(sid):
                job = self.store.fork(sid, *asked)
                display = self.tab.display_of(job)
                display.requested = config  # Start resumes this pair (the form now names the comparison)
                display.drawn = None
        except (ConfigError, ValueError, ServerBusy) as e:
            gr.Warning(str(e))
            return f"**Cannot fork:** {e}"
        b = job.other
        return (f"**Forked at step {job.fork_step:,}:** run B goes on with {asked[0]} = "
                f"{getattr(b.config, asked[0])} (A keeps {getattr(job.run.config, asked[0])}), from the same "
                "weights, optimizer state, noise and data order. Press Start (or Resume) to train both.")

    def save_which(self, choice: str, request: gr.Request) -> None:
        """Which run of a comparison Save keeps: both, A or B."""
        self.store.choose(session_id(request), SAVE_KEY, choice if choice in SAVE_CHOICES else "both")

    def to_save(self, job: Job, sid: str) -> list[tuple[str, Any]]:
        """(tag, session) pairs that Save keeps: the one run, or a comparison's chosen ones."""
        if job.other is None:
            return [("", job.run)]
        which = self.store.choice(sid, SAVE_KEY, "both")
        pairs = list(zip(("A", "B"), job.runs))
        return pairs if which == "both" else [p for p in pairs if p[0] == which]

    def runs(self, job: Job) -> list[dict[str, Any]]:
        """One entry per run of this session (A, then B): label, step, status, last record, alarms, quality."""
        watch = self.tab.monitor(job)
        display = self.tab.display_of(job)
        monitors = [watch] + ([display.partner.monitor] if display.partner is not None else [])
        out = []
        for label, s, monitor in zip(job.labels(), job.runs, monitors):
            history = list(s.history)
            quality = monitor.measure()
            out.append({"label": label or "A", "step": s.step_count, "status": s.status,
                        "last": history[-1].as_dict() if history else None,
                        "alarms": [a.message for a in monitor.alarms(history, quality)],
                        "quality": quality.as_dict(), "reading": monitor.reading(history, quality),
                        "config": {k: getattr(s.config, k) for k in ("loss", "lr_g", "lr_d", "k", "batch_size",
                                                                     "latent_dim", "seed")}})
        return out


def zip_folders(out: Path, folders: list[Path]) -> Path:
    """One zip holding each folder under its own name (a comparison's two checkpoints)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for folder in folders:
            for f in sorted(folder.rglob("*")):
                if f.is_file():
                    z.write(f, Path(folder.name) / f.relative_to(folder))
    return out


def wire(controls: CompareControls, form: dict[str, Any], form_cls: type[FormBase], fork: Any, save_which: Any,
         note: Any) -> None:
    """Connect Fork here (api "fork") and the Save choice (api "save_which")."""
    fork.click(with_form(controls.fork, form_cls), inputs_kwargs=form, outputs=note, api_name="fork")
    save_which.change(controls.save_which, save_which, None, api_name="save_which", show_progress="hidden")
