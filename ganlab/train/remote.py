"""A run's GAN and optimizers as properties that fetch their state first when the run trains elsewhere:
the server's engine (ganlab/server/engine.py) trains many runs in one program and keeps their state there,
copying a run's state into its own variables only when something reads them (a view, a save, a Step)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

from ganlab.models import GAN


class RemoteState:
    """Mixin: ``gan``, ``g_opt``, ``d_opt`` and ``fns`` (the compiled steps, which read the same variables)
    call ``remote(self)`` first while it is set."""

    remote: Callable[[Any], None] | None = None  # set while the run trains elsewhere (the engine)
    _gan: GAN
    _g_opt: keras.Optimizer
    _d_opt: keras.Optimizer
    _fns: Any

    def fresh(self) -> None:
        """Bring the GAN's and optimizers' variables up to date when the run trains elsewhere (in the
        server's engine, which keeps its state and copies it here only when something looks)."""
        if self.remote is not None:
            self.remote(self)

    @property
    def gan(self) -> GAN:
        """The GAN, its weights up to date."""
        self.fresh()
        return self._gan

    @gan.setter
    def gan(self, value: GAN) -> None:
        self._gan = value

    @property
    def g_opt(self) -> keras.Optimizer:
        """G's optimizer, its state up to date."""
        self.fresh()
        return self._g_opt

    @g_opt.setter
    def g_opt(self, value: keras.Optimizer) -> None:
        self._g_opt = value

    @property
    def d_opt(self) -> keras.Optimizer:
        """D's optimizer, its state up to date."""
        self.fresh()
        return self._d_opt

    @d_opt.setter
    def d_opt(self, value: keras.Optimizer) -> None:
        self._d_opt = value

    @property
    def fns(self) -> Any:
        """The compiled steps (StepFunctions), their variables up to date."""
        self.fresh()
        return self._fns

    @fns.setter
    def fns(self, value: Any) -> None:
        self._fns = value
