"""Lesson links: the Train tab's settings (and which controls a class should not see) in a URL.

``?tab=train&preset=...&loss=minimax&lr_d=0.001&hide=lr_g,lr_d`` opens the app on that tab with that
preset's note, the form filled and the named controls hidden (``show=loss`` instead: all but those), as
TensorFlow Playground's URLs and its "use it in classroom" section do. Only values that differ from
the base (the named preset's, else the page's default preset: the form a student sees without a link)
are written. Every value read from
a link is checked as the form's own are: the settings table (``Setting.check``), the form's closed
lists (a dataset must be one of the named datasets) and a whole ``TrainConfig``; a bad or unknown key
gets a message naming it and its default, and the rest of the link applies. A link never names a
server path: text values are plain names (letters, digits, ``_ . + -``), and no form setting holds a
path. The page's own address is added in the browser (``js=``), so no server header is trusted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import gradio as gr

from ganlab.config import ConfigError, Setting, form_settings
from ganlab.ui.gradio_fixes.page import current_blocks
from ganlab.ui.train.form import FormBase, TrainForm, folds_of
from ganlab.ui.train.presets import PRESETS, Preset

MAX_QUERY_CHARS = 2000  # a longer query is ignored whole (a lesson link is a few hundred characters)
MAX_VALUE_CHARS = 100
PLAIN = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,63}")  # a name or a number: no '/', '\', ':', spaces
LINK_KEYS = ("tab", "preset", "hide", "show")  # the link's own keys beside the settings (show: hide the rest)
PRESET = "preset"  # the preset picker, hideable like a form box
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
# Adds the page's own address to the query string the server made (the server never reads a host header).
WITH_ORIGIN_JS = "(q) => (q && q.startsWith('?')) ? window.location.origin + window.location.pathname + q : q"


class LinkError(ValueError):
    """A form value that cannot go into a link; the message names the setting."""


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _shown(text: Any, limit: int = 40) -> str:
    """User text in a message: short, in a code span (no Markdown or HTML of its own)."""
    s = str(text).replace("`", "'").replace("\n", " ")
    return f"`{s[:limit]}{'…' if len(s) > limit else ''}`"


def _text(s: Setting, value: Any) -> str:
    """A checked value as the link writes it (blank: empty)."""
    if _blank(value):
        return ""
    if s.type is bool:
        return "true" if value else "false"
    if s.type is float:
        return repr(float(value))
    return str(value)


@dataclass(frozen=True)
class Lesson:
    """What a link asks for: the tab, the preset, every form box's value, the hidden controls, and
    a message per key that could not be used (its default was used instead)."""

    tab: str
    preset: str | None
    values: dict[str, Any]
    hidden: tuple[str, ...] = ()
    given: dict[str, Any] = field(default_factory=dict)  # the settings the link set, as used
    problems: tuple[str, ...] = ()
    fills_form: bool = False  # the link names a preset or a setting (else the form is left as it is)
    asked: bool = False  # the page's address has a query at all

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON for the API."""
        return {"tab": self.tab, "preset": self.preset, "values": self.values, "hide": list(self.hidden),
                "given": self.given, "problems": list(self.problems)}


class LessonLinks:
    """Reads and writes lesson links for one form (its settings, closed lists, presets and tabs)."""

    def __init__(self, form_cls: type[FormBase] = TrainForm, choices: Mapping[str, Sequence[Any]] | None = None,
                 presets: Mapping[str, Preset] = PRESETS, labels: Mapping[str, str] | None = None,
                 tabs: Sequence[str] = ("train",), tab: str = "train", default: str | None = None):
        self.form_cls, self.presets = form_cls, presets
        self.default = default if default in presets else next(iter(presets), None)  # the page's own preset
        self.settings = {s.name: s for s in form_settings(form_cls.config_cls)}
        self.choices = {name: tuple(c) for name, c in (choices or {}).items() if c}
        self.labels = {PRESET: "Preset", **{n: s.label for n, s in self.settings.items()}, **(labels or {})}
        self.tabs, self.tab = tuple(tabs), tab

    @property
    def hideable(self) -> tuple[str, ...]:
        """The controls a link may hide: the preset picker and every form box."""
        return (PRESET, *self.settings)

    def base(self, preset: str | None) -> dict[str, Any]:
        """The values a link starts from: the preset's, else the page's default preset's (the form as
        it opens without a link), else the settings table's defaults."""
        preset = preset if preset in self.presets else self.default
        if preset is not None:
            return dict(self.presets[preset].form_values(self.form_cls.config_cls))
        return {name: s.default for name, s in self.settings.items()}

    # -- one value ---------------------------------------------------------------------------
    def check(self, name: str, value: Any) -> Any:
        """``value`` (a form box's, or a link's text) as the setting takes it; ConfigError naming it."""
        s = self.settings[name]
        if _blank(value):
            return None
        closed = self.choices.get(name) or s.choices
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_VALUE_CHARS:
                raise ConfigError(f"{name} is {len(value)} characters long (at most {MAX_VALUE_CHARS}).")
            if closed and s.type is str and value not in closed:
                listed = ", ".join(str(c) for c in closed if not _blank(c))
                raise ConfigError(f"{name} must be one of {listed}; got {_shown(value)}.")
            if value not in closed and not PLAIN.fullmatch(value):
                kind = "a plain name or number (letters, digits, _ . + -)" if s.type is str else "a number"
                raise ConfigError(f"{name} must be {kind}; got {_shown(value)}.")
        if s.type is bool:
            return self._flag(name, value)
        if s.type in (int, float):
            return s.check(value)
        if s.type is not str:
            raise ConfigError(f"{name} cannot be set by a link.")
        if closed and value not in closed:
            raise ConfigError(f"{name} must be one of {', '.join(str(c) for c in closed)}; got {value!r}.")
        return s.check(value)

    @staticmethod
    def _flag(name: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in TRUE + FALSE:
            return str(value).lower() in TRUE
        raise ConfigError(f"{name} must be true or false; got {_shown(value)}.")

    def _config_problem(self, values: Mapping[str, Any]) -> str | None:
        """The whole form's ConfigError message (settings that depend on each other), or None."""
        try:
            self.form_cls(**values).config()
        except ConfigError as e:
            return str(e)
        return None

    # -- writing -----------------------------------------------------------------------------
    def encode(self, values: Mapping[str, Any], preset: str | None = None, hide: Iterable[str] = (),
               tab: str | None = None) -> str:
        """The query string (``?tab=...``) of these form values; LinkError if one cannot be shared."""
        preset = preset if preset and preset in self.presets else None
        base, pairs = self.base(preset), [("tab", tab or self.tab)]
        if preset:
            pairs.append(("preset", preset))
        checked = {}
        for name, s in self.settings.items():
            try:
                checked[name] = self.check(name, values.get(name))
            except ConfigError as e:
                raise LinkError(f"Cannot share {s.label} ({name}): {e}") from None
            if checked[name] != (None if _blank(base[name]) else self.check(name, base[name])):
                pairs.append((name, _text(s, checked[name])))
        problem = self._config_problem(checked)
        if problem:
            raise LinkError(f"Cannot share these settings: {problem}")
        hide = list(dict.fromkeys(hide or ()))
        unknown = [h for h in hide if h not in self.hideable]
        if unknown:
            raise LinkError(f"Cannot hide {', '.join(map(_shown, unknown))}: not a control of the form.")
        if hide:  # the shorter of the two: "show" names what stays (and hides a control added later too)
            hidden, shown = [h for h in self.hideable if h in hide], [h for h in self.hideable if h not in hide]
            pairs.append(("show", ",".join(shown)) if len(shown) < len(hidden) else ("hide", ",".join(hidden)))
        return "?" + urlencode(pairs, quote_via=quote, safe=",:")

    # -- reading -----------------------------------------------------------------------------
    def decode(self, query: Any) -> Lesson:
        """What a link's query (``request.query_params``, a mapping or a list of pairs) asks for; every
        key that cannot be used gets a message and its default."""
        pairs = [(str(k), str(v)) for k, v in _pairs(query) if not str(k).startswith("_") and k != "view"]
        size = sum(len(k) + len(v) + 2 for k, v in pairs)
        if size > MAX_QUERY_CHARS:
            return Lesson(self.tab, None, self.base(None), asked=True, problems=(
                f"The link is too long ({size:,} characters; a lesson link has at most {MAX_QUERY_CHARS:,}): "
                "it was ignored and the defaults are used.",))
        problems: list[str] = []
        counts: dict[str, int] = {}
        for k, _ in pairs:
            counts[k] = counts.get(k, 0) + 1
        query_map = {}
        for k, v in pairs:
            if counts[k] > 1:
                if k not in query_map:
                    problems.append(f"{_shown(k)} is given {counts[k]} times: it was ignored (default used).")
                query_map[k] = None
            else:
                query_map[k] = v
        for k in query_map:
            if k not in LINK_KEYS and k not in self.settings:
                problems.append(self._unknown(k))
        tab = self._tab(query_map.get("tab"), problems)
        preset = self._preset(query_map.get("preset"), problems)
        values, given = self._values(query_map, preset, problems)
        hidden = self._hidden(query_map.get("hide"), query_map.get("show"), problems)
        fills = preset is not None or "preset" in query_map or any(k in self.settings for k in query_map)
        return Lesson(tab, preset, values, hidden, given, tuple(problems), fills, asked=bool(pairs))

    def _unknown(self, key: str) -> str:
        near = difflib.get_close_matches(key, [*LINK_KEYS, *self.settings], n=1)
        hint = f" (did you mean {_shown(near[0])}?)" if near else ""
        return f"{_shown(key)} is not a setting of this app{hint}: it was ignored."

    def _tab(self, raw: str | None, problems: list[str]) -> str:
        if raw is None or raw in self.tabs:
            return raw or self.tab
        problems.append(f"tab: there is no tab {_shown(raw)} (tabs: {', '.join(self.tabs)}); {self.tab} is shown.")
        return self.tab

    def _preset(self, raw: str | None, problems: list[str]) -> str | None:
        if raw is None or raw in self.presets:
            return raw
        near = difflib.get_close_matches(raw, list(self.presets), n=1, cutoff=0.5)
        hint = f" (did you mean {_shown(near[0], 80)}?)" if near else ""
        problems.append(f"preset: there is no preset {_shown(raw, 80)}{hint}; the defaults are used.")
        return None

    def _values(self, query: Mapping[str, str | None], preset: str | None,
                problems: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The form's values: the base, with each valid setting of the link; then the whole config
        checked, dropping the link's settings from the last until it is valid."""
        values = self.base(preset)
        given: dict[str, Any] = {}
        for name in self.settings:
            if name not in query or query[name] is None:
                continue
            try:
                given[name] = self.check(name, query[name])
            except ConfigError as e:
                problems.append(self._problem(name, str(e), values[name]))
        values.update(given)
        for name in reversed(list(given)):
            problem = self._config_problem(values)
            if problem is None:
                break
            values[name] = self.base(preset)[name]
            del given[name]
            problems.append(self._problem(name, problem, values[name]))
        return values, given

    def _problem(self, name: str, message: str, default: Any) -> str:
        """A setting's message: what is wrong (naming it) and the default used instead."""
        s = self.settings[name]
        if _blank(default):
            used = "The model's default is used." if s.model_default else "It is left blank."
        else:
            used = f"The default ({_text(s, default)}) is used."
        return f"{message} {used}" if re.search(rf"\b{re.escape(name)}\b", message) else f"{name}: {message} {used}"

    def _hidden(self, hide: str | None, show: str | None, problems: list[str]) -> tuple[str, ...]:
        """The hidden controls: those ``hide`` names, or all but those ``show`` names."""
        if hide is not None and show is not None:
            problems.append("hide and show are both given: show was ignored.")
            show = None
        key, raw = ("show", show) if show is not None else ("hide", hide)
        asked = [h.strip() for h in (raw or "").split(",") if h.strip()]
        for h in asked:
            if h not in self.hideable:
                problems.append(f"{key}: {_shown(h)} is not a control of the form (controls: "
                                f"{', '.join(self.hideable)}); it is ignored.")
        if key == "show":
            return tuple(h for h in self.hideable if h not in asked)
        return tuple(h for h in self.hideable if h in asked)

    def summary(self, lesson: Lesson) -> str:
        """The page's message: what the link set and what it could not use."""
        parts = []
        if lesson.given:
            parts.append("set " + ", ".join(f"{self.labels[n]} = {_text(self.settings[n], v) or 'blank'}"
                                            for n, v in lesson.given.items()))
        if lesson.hidden:
            n = len(lesson.hidden)
            parts.append(f"{n} control{'s are' if n > 1 else ' is'} hidden for this lesson")
        text = "**Lesson link:** " + ("; ".join(parts) if parts else "the preset's settings") + "."
        if lesson.problems:
            text += "\n\n**Not used from the link:**\n" + "\n".join(f"- {p}" for p in lesson.problems)
        return text


def _pairs(query: Any) -> list[tuple[Any, Any]]:
    """(key, value) pairs of a Starlette QueryParams, a mapping or a list of pairs, repeats kept."""
    if query is None:
        return []
    if hasattr(query, "multi_items"):
        return list(query.multi_items())
    if isinstance(query, Mapping):
        return list(query.items())
    return list(query)


# -- the Train tab's "Share these settings" and the page-open event -----------------------------
def form_choices(form: Mapping[str, Any]) -> dict[str, tuple]:
    """Each dropdown box's listed values: what a link may name (a box that also takes typed values,
    such as the dataset's server folders, still takes only these from a link)."""
    out = {}
    for name, box in form.items():
        listed = getattr(box, "choices", None) or ()
        out[name] = tuple(c[1] if isinstance(c, (tuple, list)) else c for c in listed)
    return out


def panels_under(form: Mapping[str, Any]) -> dict[str, list]:
    """Per form box, the blocks laid out right under it before the next box (build_form's ``after``,
    e.g. the dataset's "Your own data" panel): hidden with it. The last box has none."""
    boxes = {id(b) for b in form.values()}

    def holds(block: Any) -> bool:
        return id(block) in boxes or any(holds(c) for c in getattr(block, "children", ()))

    out: dict[str, list] = {}
    for name, box in form.items():
        siblings = list(getattr(box.parent, "children", ()))
        under: list = []
        for block in siblings[siblings.index(box) + 1:] if box in siblings else ():
            if holds(block):
                out[name] = under
                break
            under.append(block)
    return out


def _enclosing(kind: type) -> Any:
    """The innermost block of ``kind`` around the one being built (None outside one)."""
    from gradio.context import get_render_context

    block = get_render_context()
    while block is not None and not isinstance(block, kind):
        block = block.parent
    return block


class ShareSettings:
    """The Train tab's "Share these settings" panel and the reading of a link when the page opens."""

    def __init__(self, preset: gr.Dropdown, preset_note: gr.Markdown, form: Mapping[str, Any],
                 form_cls: type[FormBase] = TrainForm):
        self.preset, self.preset_note, self.form = preset, preset_note, dict(form)
        tab = _enclosing(gr.Tab)
        self.tabs = _enclosing(gr.Tabs) if tab is not None and tab.id is not None else None
        self.links = LessonLinks(form_cls, form_choices(form), tab=str(tab.id) if self.tabs else "train",
                                 default=preset.value if isinstance(preset.value, str) else None)
        self.under = {name: under for name, under in panels_under(form).items() if under}
        self.folds = folds_of(form)  # "More settings": opened by a link that shows a box of it, hidden with all
        labels = self.links.labels
        with gr.Accordion("Share these settings (a lesson link)", open=False, elem_id="lesson-link"):
            gr.Markdown("A link that opens this app with the settings above, for a class. Tick the controls "
                        "the class should not see; the link keeps their values.")
            self.hide = gr.CheckboxGroup([(labels[h], h) for h in self.links.hideable], value=[],
                                         label="Hide these controls in the link", elem_id="lesson-link-hide")
            self.button = gr.Button("Make the link", size="sm", elem_id="lesson-link-make")
            self.url = gr.Textbox(label="Lesson link", interactive=False, buttons=["copy"],
                                  elem_id="lesson-link-url")
        self.button.click(self.share, inputs_kwargs={"preset": preset, "hide": self.hide, **self.form},
                          outputs=self.url, api_name="share_link").success(
            None, self.url, self.url, js=WITH_ORIGIN_JS, api_visibility="private")
        gr.api(self.read_link, api_name="read_link")

    def share(self, preset: str | None, hide: list[str] | None, **boxes: Any) -> str:
        """The lesson link's query string (``?tab=...``) for these settings; the page adds its address."""
        try:
            return self.links.encode(boxes, preset, hide or ())
        except LinkError as e:
            raise gr.Error(str(e)) from None

    def read_link(self, query: str) -> dict:
        """What a lesson link's query string (``?tab=train&loss=minimax...``) sets, and its problems."""
        from urllib.parse import parse_qsl, urlsplit

        text = str(query or "")
        text = urlsplit(text).query if "?" in text else text
        self.links.tabs = self._tab_ids()
        return self.links.decode(parse_qsl(text[: MAX_QUERY_CHARS * 4], keep_blank_values=True)).as_dict()

    def _tab_ids(self) -> tuple[str, ...]:
        if self.tabs is None:
            return (self.links.tab,)
        return tuple(str(c.id) for c in self.tabs.children if isinstance(c, gr.Tab) and c.id is not None)

    def outputs(self) -> list[Any]:
        """What opening a link changes: the tabs, the preset picker and its note, the hide ticks, the form."""
        return [*([self.tabs] if self.tabs is not None else []), self.preset, self.preset_note, self.hide,
                *self.form.values(), *(b for under in self.under.values() for b in under),
                *(fold for fold, _ in self.folds)]

    def open(self, request: gr.Request) -> tuple:
        """Apply the page's lesson link (if it has one): tab, preset and note, the form, hidden controls."""
        self.links.tabs = self._tab_ids()
        query = getattr(request, "query_params", None) if request is not None else None
        lesson = self.links.decode(query)
        if not lesson.asked:
            return tuple(gr.skip() for _ in self.outputs())
        if lesson.problems:
            gr.Warning("This lesson link has values that could not be used: "
                       + " ".join(p.replace("`", "") for p in lesson.problems))
        shown = {h: h not in lesson.hidden for h in self.links.hideable}
        based = lesson.preset or self.links.default  # no preset named: the page's own, as its values are
        note = (f"**Watch for:** {self.links.presets[based].note}\n\n" if based else "")
        note += self.links.summary(lesson)
        fill = lesson.fills_form
        out = [gr.update(selected=lesson.tab)] if self.tabs is not None else []
        out.append(gr.update(value=based, visible=shown[PRESET]) if fill else gr.update(visible=shown[PRESET]))
        out += [note, list(lesson.hidden)]  # ticked as the link hides them: Make the link gives it back
        out += [gr.update(value=lesson.values[n], visible=shown[n]) if fill else gr.update(visible=shown[n])
                for n in self.form]
        out += [gr.update(visible=shown[n]) for n, under in self.under.items() for _ in under]
        out += [gr.update(visible=any(shown[n] for n in names), open=bool(lesson.hidden) and
                          any(shown[n] for n in names)) for _, names in self.folds]
        return tuple(out)

    def on_open(self, demo: gr.Blocks | None = None) -> Any:
        """The page-open event that applies a link (chain the run's preparation after it with .then)."""
        demo = demo or current_blocks()
        return demo.load(self.open, None, self.outputs(), show_progress="hidden", api_visibility="private")
