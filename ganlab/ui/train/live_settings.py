"""Settings a student may change while a run trains (learning rates, k, the loss): each form box marked
``live`` in the settings table changes the caller's running run at its next call (/change_<name>); the
pace (``speed``) changes at once (/change_speed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from ganlab.config import ConfigError, form_settings
from ganlab.ui.request import session_id


class LiveSettings:
    """Handlers that change a running run's settings, bound to the Train tab."""

    def __init__(self, tab: Any):
        self.tab = tab

    def change(self, name: str) -> Callable[..., str]:
        """A handler that changes setting ``name`` of the caller's running run (learning rates, k, loss)."""

        def handler(value: Any, request: gr.Request) -> str:
            job = self.tab.store.get(session_id(request))
            if job is None or job.run.stopped or job.run.step_count == 0 or value in (None, ""):
                return ""  # no run yet: Start reads the form
            try:
                made = job.run.change_settings(**{name: value})
                if job.other is not None and name != job.differs:  # a comparison: B follows A's change,
                    job.other.change_settings(**{name: value})  # so the two still differ in one setting
            except (ConfigError, ValueError) as e:
                gr.Warning(str(e))
                return f"**Not changed:** {e}"
            display = self.tab.display_of(job)
            if display.requested is not None:  # the run now stands for the changed form
                display.requested = display.requested.with_updates(**{name: getattr(job.run.config, name)})
            display.drawn = None
            return "".join(f"Changed **{c.name}** from {c.old} to **{c.new}** after step {c.step:,} "
                           "(marked on the curves). " for c in made)

        handler.__name__ = f"change_{name}"
        handler.__doc__ = f"Change {name} of the caller's running run (it takes effect at the next call)."
        return handler

    def pace(self, speed: Any, request: gr.Request) -> str:
        """Change the caller's running run's pace (steps per second at most; 0 = full speed) at once."""
        job = self.tab.store.get(session_id(request))
        if job is None or speed in (None, ""):
            return ""
        try:
            for run in job.runs:
                run.set_pace(speed)
        except (ConfigError, ValueError) as e:
            gr.Warning(str(e))
            return f"**Not changed:** {e}"
        return ""


def wire(handlers: LiveSettings, form: dict[str, Any], form_cls: type, note: Any) -> None:
    """Connect each live setting's box to its change handler."""
    for s in form_settings(form_cls.config_cls):
        if s.live:
            form[s.name].input(handlers.change(s.name), form[s.name], note, api_name=f"change_{s.name}",
                               show_progress="hidden")
    if "speed" in form:  # the pace is a display setting: it changes at once and is not recorded
        form["speed"].input(handlers.pace, form["speed"], note, api_name="change_speed", show_progress="hidden")
