"""A run's GAN and optimizers as attributes that fetch their state first when the run trains elsewhere:
the server's engine (ganlab/server/engine.py) trains many runs in one program and keeps their state there,
copying a run's state into its own variables only when something reads them (a view, a save, a Step)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Fresh:
    """A data descriptor: reading the attribute calls ``fresh()`` on the run first; it is stored as ``_name``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, run: Any, owner: type | None = None) -> Any:
        if run is None:
            return self
        run.fresh()
        return getattr(run, self.slot)

    def __set__(self, run: Any, value: Any) -> None:
        setattr(run, self.slot, value)


class RemoteState:
    """Mixin: ``gan``, ``g_opt``, ``d_opt`` and ``fns`` (the compiled steps, which read the same variables)
    call ``remote(self)`` first while it is set."""

    remote: Callable[[Any], None] | None = None  # set while the run trains elsewhere (the engine)
    gan = Fresh()  # the GAN (ganlab.models.GAN), its weights up to date
    g_opt = Fresh()  # G's optimizer, its state up to date
    d_opt = Fresh()  # D's optimizer, its state up to date
    fns = Fresh()  # the compiled steps (StepFunctions)

    def fresh(self) -> None:
        """Bring the GAN's and optimizers' variables up to date when the run trains elsewhere (in the
        server's engine, which keeps its state and copies it here only when something looks)."""
        if self.remote is not None:
            self.remote(self)
