"""The Train tab's settings form, made from the settings table (ganlab.config.settings).

Every box of the form is a TrainConfig field marked ``form=True``; its label and order come from
there, so a new setting appears in the form, the API's parameters and the presets without an edit
here. A handler receives the whole form as one TrainForm value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, fields, make_dataclass
from typing import Any

import gradio as gr

from ganlab.config import Setting, TrainConfig, form_settings


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


@dataclass(frozen=True)
class FormBase:
    """What every generated form offers; its fields are the API's parameter names, in order."""

    config_cls = TrainConfig

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The fields in form (and API) order."""
        return tuple(f.name for f in fields(cls))

    def config(self) -> TrainConfig:
        """A validated config. A blank box leaves the config's own default for that field
        (where that is None, the model's default)."""
        return self.config_cls(**{name: v for name in self.names() if not _blank(v := getattr(self, name))})

    def values(self) -> dict[str, Any]:
        """The form's values by name."""
        return {name: getattr(self, name) for name in self.names()}


def form_class(config_cls: type[TrainConfig] = TrainConfig) -> type[FormBase]:
    """The form for ``config_cls``: one field per form setting, each defaulting to None (blank)."""
    spec = [(s.name, Any, None) for s in form_settings(config_cls)]
    return make_dataclass("TrainForm", spec, bases=(FormBase,), frozen=True,
                          namespace={"config_cls": config_cls, "__doc__": "The settings form as one value."})


TrainForm = form_class()


def with_form(method: Callable[[Any, gr.Request], Any], form: type[FormBase] = TrainForm) -> Callable[..., Any]:
    """A Gradio handler that receives the form's boxes by name (inputs_kwargs) and passes ``method``
    one form value; the API keeps one parameter per box (model, dataset, ..., steps)."""

    def handler(request: gr.Request, **boxes: Any) -> Any:
        return method(form(**boxes), request)

    handler.__name__, handler.__doc__ = method.__name__, method.__doc__
    return handler


def _box(s: Setting, value: Any, choices: Mapping[str, list], extra: Mapping[str, dict]) -> gr.components.Component:
    """The widget of one setting: a dropdown for names, a number box for numbers, a checkbox for flags."""
    kw = {"label": s.label, **extra.get(s.name, {})}
    if s.type is bool:
        return gr.Checkbox(bool(value), **kw)
    if s.type is str:
        return gr.Dropdown(list(choices.get(s.name, s.choices)), value=value, **kw)
    return gr.Number(value, precision=0 if s.type is int else None, **kw)


def build_form(values: Mapping[str, Any], choices: Mapping[str, list], extra: Mapping[str, dict] | None = None,
               after: Mapping[str, Callable[[gr.components.Component], None]] | None = None,
               form: type[FormBase] = TrainForm, fold: Collection[str] = ()) -> dict[str, gr.components.Component]:
    """Lay out the form's boxes (dropdowns one per line, numbers two per row) with ``values``;
    ``extra`` adds widget arguments per setting, ``after`` lays out more under a box, and the settings
    named in ``fold`` go last, in a "More settings" fold that starts closed."""
    extra, after = extra or {}, after or {}
    boxes: dict[str, gr.components.Component] = {}
    everything = form_settings(form.config_cls)
    _lay_out([s for s in everything if s.name not in fold], boxes, values, choices, extra, after)
    if folded := [s for s in everything if s.name in fold]:
        with gr.Accordion("More settings", open=False, elem_id="train-more-settings"):
            _lay_out(folded, boxes, values, choices, extra, after)
    return {name: boxes[name] for name in form.names()}  # by name, in the API's parameter order


def _lay_out(settings: list[Setting], boxes: dict[str, gr.components.Component], values: Mapping[str, Any],
             choices: Mapping[str, list], extra: Mapping[str, dict],
             after: Mapping[str, Callable[[gr.components.Component], None]]) -> None:
    """Lay out ``settings``' boxes in order into ``boxes``: numbers two per row, the others one per line."""
    pending: list[Setting] = []

    def flush() -> None:
        with gr.Row():
            for p in pending:
                boxes[p.name] = _box(p, values.get(p.name), choices, extra)
        pending.clear()

    for s in settings:
        if s.type in (int, float):
            pending.append(s)
            if len(pending) == 2:
                flush()
            continue
        if pending:
            flush()
        boxes[s.name] = _box(s, values.get(s.name), choices, extra)
        if s.name in after:
            after[s.name](boxes[s.name])
    if pending:
        flush()


def folds_of(form: Mapping[str, Any]) -> list[tuple[gr.Accordion, list[str]]]:
    """The folds (accordions) that hold form boxes, each with the names of its boxes, in form order."""
    out: dict[int, tuple[gr.Accordion, list[str]]] = {}
    for name, box in form.items():
        block = box.parent
        while block is not None and not isinstance(block, gr.Accordion):
            block = block.parent
        if block is not None:
            out.setdefault(id(block), (block, []))[1].append(name)
    return list(out.values())
