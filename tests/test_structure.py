"""Model knowledge lives in the models: no code outside ganlab/models/ compares a model's name, and
every registered model declares what the layers above ask of it (GAN.playable, generates_from, ...)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ganlab.checkpoints import CheckpointError, load_generator, shipped_names
from ganlab.models import REGISTRY, generating_from, model_of
from ganlab.models.base import GAN
from ganlab.models.pix2pix import Pix2Pix

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ganlab"
SOURCES = ("latent", "sketch", "low_res", "text")
CONFIG_CALLS = ("dict", "TrainConfig")  # naming a model to *train* is configuration, not a check


def _names_in(node: ast.AST, names: set[str]) -> list[str]:
    """Model names given as string constants by ``node`` or, for a tuple / list / set, its elements."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [i.value for i in items if isinstance(i, ast.Constant) and i.value in names]


def _called(node: ast.Call) -> str:
    """The called function's last name ('load_generator' for checkpoints.load_generator(...))."""
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def model_name_checks(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, what) for each place a module compares a model name: ``x == "cgan"``, ``x in ("pix2pix",
    ...)`` (also through a module-level tuple of names) and ``model="srgan"`` given to a check."""
    tree = ast.parse(source)
    named_sets = {t.id for node in tree.body if isinstance(node, ast.Assign) and _names_in(node.value, names)
                  for t in node.targets if isinstance(t, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                hits = _names_in(side, names) if not isinstance(side, ast.Name) else (
                    [side.id] if side.id in named_sets else [])
                found += [(node.lineno, f"compares with {h!r}") for h in hits]
        elif isinstance(node, ast.Call) and _called(node) not in CONFIG_CALLS:
            found += [(node.lineno, f"{_called(node)}(model={k.value.value!r})") for k in node.keywords
                      if k.arg == "model" and isinstance(k.value, ast.Constant) and k.value.value in names]
    return found


def test_the_scan_finds_each_kind_of_check():
    names = set(REGISTRY)
    code = ('NOT_PLAYABLE = ("pix2pix", "srgan")\n'
            'a = card.get("model") == "cgan"\n'
            'b = name in ("dcgan", "other")\n'
            'c = card["model"] not in NOT_PLAYABLE\n'
            'd = load_generator(path, model="srgan")\n'
            'e = TrainConfig(model="dcgan")\n'
            'f = dict(model="vanilla")\n'
            'g = x == "cgan-mnist" or y == "dcgan_like"\n')
    assert [line for line, _ in model_name_checks(code, names)] == [2, 3, 4, 5]


def test_no_model_name_is_compared_outside_models():
    names = set(REGISTRY)
    offenders = [f"{path.relative_to(ROOT)}:{line}: {what}"
                 for path in sorted(PACKAGE.rglob("*.py")) if PACKAGE / "models" not in path.parents
                 for line, what in model_name_checks(path.read_text(encoding="utf-8"), names)]
    assert not offenders, ("model knowledge belongs in the model class (GAN.playable, generates_from, "
                           "quality_key, ...):\n" + "\n".join(offenders))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_model_declares_what_the_layers_above_ask(name):
    cls = REGISTRY[name]
    assert cls.generates_from in SOURCES
    assert isinstance(cls.playable, bool)
    if cls.playable:  # the Playground's seed and z sliders drive it
        assert cls.generates_from in ("latent", "text")
    if cls.generates_from in ("sketch", "low_res"):  # translates an input image: no z, a paired dataset
        assert cls.paired and not cls.playable
    if cls.generates_from == "text":
        assert callable(getattr(cls, "text_latent", None))
    overrides = {k for klass in cls.__mro__[:-1] if klass is not GAN and issubclass(klass, GAN)
                 for k in vars(klass)}
    if "held_out_scores" in overrides or "quality_line" in overrides:  # its own measure needs a home
        assert cls.quality_key
    card = {"model": name, "class_names": ["a", "b", "c"], "num_classes": 3}
    assert model_of(card) is cls
    assert cls.class_choices(card) == ([("a", 0), ("b", 1), ("c", 2)] if cls.conditional else [])
    assert cls.quality_line(None) is None and cls.quality_line({}) is None
    assert cls.own_quality({"other": {"x": 1}}) == {}
    if cls.quality_key:
        assert cls.own_quality({cls.quality_key: {"x": 1}}) == {"x": 1}


def test_each_input_kind_names_its_models():
    assert "srgan" in generating_from("low_res") and "pix2pix" in generating_from("sketch")
    assert "text2img" in generating_from("text") and "srgan" not in generating_from("sketch")
    assert model_of({"model": "no-such-model"}) is None and model_of({}) is None
    assert REGISTRY["cgan"].class_choices({"class_names": ["x"], "num_classes": 2}) == [("0", 0), ("1", 1)]


@pytest.mark.skipif("cgan-mnist" not in shipped_names(), reason="assets/cgan-mnist is missing")
def test_load_generator_refuses_by_capability_with_the_models_name():
    with pytest.raises(CheckpointError, match="cgan-mnist is a cgan checkpoint, not srgan"):
        load_generator("cgan-mnist", generates_from="low_res")
    with pytest.raises(CheckpointError, match="cgan-mnist is a cgan checkpoint, not pix2pix"):
        load_generator("cgan-mnist", model=Pix2Pix)
