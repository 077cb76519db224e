"""Lesson links (ui/lesson_link.py): every form setting round-trips through a link, bad links get a message
naming the key and its default, hidden controls round-trip, and the page-open handler applies a link.
The settings and their valid values come from the settings table, the real app's form and the presets,
so a new setting is covered without an edit here."""

from __future__ import annotations

import math
from types import SimpleNamespace
from urllib.parse import parse_qs, parse_qsl

import gradio as gr
import pytest

from ganlab.ui.train.lesson_link import MAX_QUERY_CHARS, PRESET, LessonLinks, LinkError, ShareSettings
from ganlab.ui.train.presets import PRESETS


@pytest.fixture(scope="module")
def share(tmp_path_factory) -> ShareSettings:
    """The Train tab's "Share these settings" (its real form and choices), in tabs with ids as in the app."""
    from ganlab.server.store import SessionStore
    from ganlab.ui.train import tab as train_tab

    store = SessionStore(max_runs=1, root=tmp_path_factory.mktemp("runs"))
    with gr.Blocks() as demo, gr.Tabs():
        with gr.Tab("Train", id="train"):
            train_tab.lay_out(store)
        with gr.Tab("Playground", id="playground"):
            gr.Markdown("another tab")
    found = [f.fn.__self__ for f in demo.fns.values() if isinstance(getattr(f.fn, "__self__", None), ShareSettings)]
    assert found, "the Train tab has no Share these settings"
    yield found[0]
    store.close()


@pytest.fixture(scope="module")
def links(share) -> LessonLinks:
    share.links.tabs = share._tab_ids()
    return share.links


def read(links: LessonLinks, query: str):
    """Decode a query string as the page receives it."""
    return links.decode(parse_qsl(query.lstrip("?"), keep_blank_values=True))


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def same(links: LessonLinks, a: dict, b: dict) -> bool:
    """The same form values, a blank box (None or '') being blank either way."""
    return {k: links.check(k, v) for k, v in a.items()} == {k: links.check(k, v) for k, v in b.items()}


def candidates(links: LessonLinks, s) -> list[tuple[str | None, object]]:
    """(preset whose other values make the context, or None for the page's default preset; a value of
    ``s``): from the setting's range or closed list, then from every preset that sets it."""
    out: list[tuple[str | None, object]] = []
    if s.type is bool:
        out.append((None, not s.default))
    elif s.type is int:
        out += [(None, v) for v in (s.lo + 1, s.lo + 2, 7) if math.isfinite(v) and s.lo <= v <= s.hi]
    elif s.type is float:
        lo, hi = (s.lo, s.hi) if math.isfinite(s.lo) and math.isfinite(s.hi) else (0.0, 10.0)
        out.append((None, lo + (hi - lo) * 0.000123456789))  # many digits: the link keeps them all
    else:
        out += [(None, c) for c in links.choices.get(s.name) or s.choices]
    presets = [(name, p.settings[s.name]) for name, p in PRESETS.items() if s.name in p.settings]
    if s.type is str and not (links.choices.get(s.name) or s.choices):
        # free text (a comparison's value): the presets' values, then names of settings, listed values, numbers
        listed = [c for name in links.settings for c in links.choices.get(name, ())]
        out += presets + [(None, v) for v in (*links.settings, *listed, "5", "0.001")]
    else:
        out += presets
    return [(p, v) for p, v in out if not _blank(v) and v != s.default and v != links.base(p)[s.name]]


def valid_values(links: LessonLinks, name: str) -> dict:
    """A valid form with a non-default value of ``name``: alone, else with another setting's value
    (a value valid only beside another, as a comparison's value beside its setting)."""
    ok = lambda values: links._config_problem(values) is None
    for preset, value in candidates(links, links.settings[name]):
        if ok(values := {**links.base(preset), name: value}):
            return values
    for other, t in links.settings.items():
        for _, value in candidates(links, links.settings[name]):
            for _, w in candidates(links, t):
                if other != name and ok(values := {**links.base(None), name: value, other: w}):
                    return values
    pytest.fail(f"no valid non-default value of {name} found (range, form choices, presets)")


def test_every_form_setting_round_trips(links):
    assert set(links.settings) >= {"model", "dataset", "loss", "lr_g", "lr_d", "k", "batch_size", "latent_dim",
                                   "seed", "steps"}
    for name in links.settings:
        values = valid_values(links, name)
        value = values[name]
        query = links.encode(values)  # no preset named: every value that differs from the defaults is written
        assert name in parse_qs(query[1:]), (name, query)
        lesson = read(links, query)
        assert lesson.problems == () and same(links, lesson.values, values), query
        assert lesson.given[name] == links.check(name, value)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips_named_or_spelled_out(links, name):
    values = links.base(name)
    named, spelled = links.encode(values, name), links.encode(values)
    assert parse_qs(named[1:]) == {"tab": ["train"], "preset": [name]}  # nothing differs from the preset
    for query in (named, spelled):
        lesson = read(links, query)
        assert same(links, lesson.values, values) and lesson.problems == ()
    assert read(links, named).preset == name and read(links, spelled).preset is None


def test_a_changed_preset_value_and_a_blanked_box_round_trip(links):
    name = "Broken: discriminator far too strong"
    values = {**links.base(name), "loss": None, "lr_d": 0.0025}  # loss blank: the model's default
    query = links.encode(values, name, hide=["lr_g", "lr_d"])
    assert "loss=&" in query and "lr_d=0.0025" in query and query.endswith("hide=lr_g,lr_d")
    lesson = read(links, query)
    assert same(links, lesson.values, values) and lesson.preset == name and lesson.hidden == ("lr_g", "lr_d")


def test_hide_round_trips_in_form_order(links):
    every = list(links.hideable)
    assert every[0] == PRESET and set(every[1:]) == set(links.settings)
    for hide in ([], [PRESET], every[::-1], every[1:3]):
        lesson = read(links, links.encode(links.base(None), hide=hide))
        assert lesson.hidden == tuple(h for h in every if h in hide) and lesson.problems == ()
    assert links.encode(links.base(None), hide=every[:-1]).endswith(f"&show={every[-1]}")  # the shorter form
    assert read(links, "?show=loss").hidden == tuple(h for h in every if h != "loss")


@pytest.mark.parametrize("query, key", [
    ("?lr=0.1", "lr"),  # unknown key
    ("?zzz=1", "zzz"),
    ("?lr_d=5", "lr_d"),  # out of range
    ("?lr_g=0", "lr_g"),
    ("?k=0", "k"),
    ("?batch_size=100000", "batch_size"),
    ("?seed=-1", "seed"),
    ("?k=two", "k"),  # wrong type
    ("?k=2.5", "k"),
    ("?steps=nan", "steps"),
    ("?lr_g=1e400", "lr_g"),
    ("?lr_g=0x10", "lr_g"),
    ("?model=resnet", "model"),
    ("?loss=hinge2", "loss"),
    ("?loss=%3Cb%3Ex%3C/b%3E", "loss"),
    ("?dataset=../../etc", "dataset"),  # paths
    ("?dataset=/etc/passwd", "dataset"),
    ("?dataset=points.csv", "dataset"),
    ("?dataset=upload:mine", "dataset"),
    ("?dataset=mnist/../openmoji", "dataset"),
    ("?dataset=C:%5Cdata", "dataset"),
    ("?dataset=~", "dataset"),
    ("?dataset=fashion_mnist", "dataset"),  # an alias the CLI takes, not a name of the form's list
    ("?preset=Healthy", "preset"),
    ("?tab=nowhere", "tab"),
    ("?hide=lr_g,bogus", "bogus"),
    ("?loss=minimax&loss=hinge", "loss"),  # twice: which one was meant?
])
def test_a_bad_value_gets_a_message_naming_it_and_the_default(links, query, key):
    rest, value = ("steps", 77) if key == "seed" else ("seed", 7)
    lesson = read(links, f"{query}&{rest}={value}")
    assert any(f"`{key}`" in p or p.startswith(key) or f" {key} " in p for p in lesson.problems), lesson.problems
    assert lesson.values[rest] == value  # the rest of the link applies
    if key in links.settings:
        assert lesson.values[key] == links.base(None)[key] and key not in lesson.given
    assert lesson.tab in links.tabs and lesson.hidden in ((), ("lr_g",))


def test_no_str_setting_takes_a_path_from_a_link(links):
    for name, s in links.settings.items():
        if s.type is str:
            for path in ("a/b", "..", "/tmp", "x\\y", "upload:a", "c:d", "a b"):
                assert name not in read(links, f"?{name}={path}").given, (name, path)


def test_a_huge_query_is_ignored_whole(links):
    lesson = read(links, "?loss=minimax&note=" + "x" * (2 * MAX_QUERY_CHARS))
    assert len(lesson.problems) == 1 and "too long" in lesson.problems[0]
    assert lesson.values == links.base(None) and not lesson.fills_form


def test_depending_settings_are_dropped_from_the_last(links):
    if not {"compare", "compare_value"} <= set(links.settings):
        pytest.skip("the form has no comparison yet")
    lesson = read(links, "?compare=k&compare_value=999&k=3")
    assert "compare" not in lesson.given and "compare_value" not in lesson.given and lesson.given == {"k": 3}
    assert any(p.startswith("compare_value") or "compare_value" in p for p in lesson.problems)


def test_unshareable_form_values_are_refused_naming_the_box(links):
    base = links.base("Healthy: ring of 8 Gaussians")
    for change, key in (({"dataset": "upload:mine"}, "dataset"), ({"dataset": "/srv/data/faces"}, "dataset"),
                        ({"lr_g": -1}, "lr_g"), ({"k": 0}, "k")):
        with pytest.raises(LinkError, match=key):
            links.encode({**base, **change})
    with pytest.raises(LinkError, match="bogus"):
        links.encode(base, hide=["bogus"])


def test_the_share_handler_and_read_link(share):
    base = share.links.base("Healthy: ring of 8 Gaussians")
    query = share.share("Healthy: ring of 8 Gaussians", ["lr_g"], **{**base, "loss": "minimax"})
    assert query == "?tab=train&preset=Healthy:%20ring%20of%208%20Gaussians&loss=minimax&hide=lr_g"
    got = share.read_link("http://any.host/?" + query[1:])
    assert got["values"] == {**base, "loss": "minimax"} and got["hide"] == ["lr_g"] and got["problems"] == []


def _request(query: str):
    from starlette.datastructures import QueryParams

    return SimpleNamespace(query_params=QueryParams(query.lstrip("?")))


def test_opening_a_link_fills_the_form_hides_controls_and_picks_the_tab(share):
    names = list(share.form)
    tabs = share._tab_ids()
    assert tabs[0] == "train" and "playground" in tabs
    out = share.open(_request("?tab=playground&preset=Broken:%20mode%20collapse%20on%20the%20ring"
                              "&loss=minimax&hide=preset,lr_g,lr_d"))
    tab, preset, note, hide, boxes = out[0], out[1], out[2], out[3], dict(zip(names, out[4:]))
    assert hide == ["preset", "lr_g", "lr_d"]
    assert tab["selected"] == "playground"
    assert preset["value"] == "Broken: mode collapse on the ring" and preset["visible"] is False
    assert "Watch for:" in note and "Loss = minimax" in note
    assert boxes["loss"]["value"] == "minimax" and boxes["latent_dim"]["value"] == 2
    assert {n for n, b in boxes.items() if b["visible"] is False} == {"lr_g", "lr_d"}
    panel = share.outputs().index(next(b for b in share.outputs() if getattr(b, "elem_id", "") == "upload-panel"))
    assert out[panel]["visible"] is True  # the dataset's own panel goes only with it
    assert share.open(_request("?hide=dataset"))[panel]["visible"] is False
    out = share.open(_request("?lr_d=5"))
    assert "Not used from the link" in out[2] and "lr_d" in out[2] and out[0]["selected"] == "train"
    assert all(o == gr.skip() for o in share.open(_request("")))  # no link: the page as it was


def test_a_link_opens_the_more_settings_fold_it_shows_and_hides_it_with_all_its_boxes(share):
    (fold, names), = share.folds
    assert fold.label == "More settings" and fold.open is False and names == ["latent_dim", "seed"]
    at = share.outputs().index(fold)
    assert share.open(_request("?show=loss,seed"))[at] == gr.update(visible=True, open=True)
    assert share.open(_request("?hide=latent_dim,seed"))[at] == gr.update(visible=False, open=False)
    assert share.open(_request("?seed=3"))[at] == gr.update(visible=True, open=False)  # nothing hidden: as it was


def test_a_link_without_a_preset_starts_from_the_page_a_student_would_see(share, links):
    page = {name: box.value for name, box in share.form.items()}  # the form as the page opens, no link
    first = next(iter(PRESETS))
    assert share.preset.value == first and links.default == first
    assert same(links, links.base(None), page) and same(links, links.base("no such preset"), page)
    lesson = read(links, "?tab=train&steps=5000")
    assert lesson.problems == () and lesson.given == {"steps": 5000} and lesson.preset is None
    assert same(links, lesson.values, {**page, "steps": 5000})
    names = list(share.form)
    out = share.open(_request("?tab=train&steps=5000"))
    preset, note, boxes = out[1], out[2], dict(zip(names, out[4:]))
    assert preset["value"] == first and PRESETS[first].note in note
    assert {n: b["value"] for n, b in boxes.items()} == {**page, "steps": 5000}
    assert not any(_blank(b["value"]) for n, b in boxes.items() if not _blank(page[n]))  # no box blanked
    # a link naming a preset still bases on it, and the form's own link of the page's values says only what changed
    assert read(links, "?preset=Broken:%20learning%20rate%20too%20high").values["lr_g"] == 0.3
    assert links.encode({**page, "steps": 5000}) == "?tab=train&steps=5000"


@pytest.mark.parametrize("name", [n for n in PRESETS if n.startswith(("Compare:", "Broken:", "Healthy: ring"))])
def test_a_lesson_link_starts_the_same_runs_as_the_dropdown(links, name):
    """A link naming a preset gives the form the dropdown gives (so /start builds the same configs, and a
    seed repeats its numbers: benchmarks/lesson_seeds.py --check), the pace included."""
    from urllib.parse import quote

    from ganlab.config import TrainConfig

    got = read(links, f"?tab=train&preset={quote(name)}")
    dropdown = PRESETS[name].form_values()
    assert same(links, got.values, dropdown)
    made = TrainConfig(**{k: v for k, v in got.values.items() if not _blank(v)}).run_configs()
    assert made == TrainConfig(**{k: v for k, v in dropdown.items() if not _blank(v)}).run_configs()
    assert made[0].speed == PRESETS[name].settings["speed"] > 0


def test_a_link_naming_the_optimizer_gives_the_same_config(links):
    """optimizer=sgd in a link gives the form (and so the config) of the same settings chosen in the form; a
    link without it keeps the preset's (the minimax lesson trains with sgd, the ring with adam)."""
    from ganlab.config import TrainConfig

    def config(values: dict) -> TrainConfig:
        return TrainConfig(**{k: v for k, v in values.items() if not _blank(v)})

    lesson = read(links, "?tab=train&optimizer=sgd&lr_g=0.05")
    assert lesson.problems == () and lesson.given == {"optimizer": "sgd", "lr_g": 0.05}
    assert config(lesson.values) == config({**links.base(None), "optimizer": "sgd", "lr_g": 0.05})
    assert config(lesson.values).optimizer == "sgd" and config(links.base(None)).optimizer == "adam"
    minimax = read(links, "?tab=train&preset=Compare:%20minimax%20vs%20non-saturating%20loss")
    assert config(minimax.values).run_configs()[1].optimizer == "sgd"
    assert read(links, "?tab=train&optimizer=rmsprop").problems  # not one of adam, sgd: a message, the default
