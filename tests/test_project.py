"""Projection into a generator, nearest training images and named directions (issue #28); each test cheap."""

from __future__ import annotations

import numpy as np
import pytest

from ganlab.checkpoints import shipped_names

pytestmark = pytest.mark.skipif("cgan-mnist" not in shipped_names(),
                                reason="assets/cgan-mnist is missing (the shipped conditional generator)")


@pytest.fixture(scope="module")
def projector():
    from ganlab.explore.project import load_projector

    return load_projector("cgan-mnist")


def _own_sample(projector, seed: int = 3, label: int = 7) -> np.ndarray:
    from ganlab.images import to_uint8
    from ganlab.sampling import latents

    z = latents(1, projector.dim, seed)
    return to_uint8(projector._draw(z, np.array([label], np.int32)).numpy())[0]


def test_a_projection_of_gs_own_sample_recovers_it(projector):
    target = _own_sample(projector)
    seen = []
    p = projector(target, label=7, steps=100, restarts=2, progress=lambda f, _: seen.append(f))
    assert p.image.shape == target.shape == (28, 28) and p.image.dtype == np.uint8
    assert p.label == 7 and p.label_name == "7" and p.z.shape == (projector.dim,)
    assert p.pixel_distance < 0.06, p.pixel_distance  # RMS on 0..1; two different real 7s: ~0.3
    assert p.feature_distance is not None and p.feature_distance < 2.0
    assert seen[-1] == 1.0 and "G can draw this" in p.verdict()
    assert p.difference.shape == (28, 28, 3)


@pytest.mark.parametrize("image, message", [
    (np.zeros((28, 28), np.uint8), "empty"),
    (np.full((28, 28), np.nan, np.float32), "NaN"),
    (np.zeros((5,), np.uint8), "shape"),
    (np.zeros((28, 28, 7), np.uint8), "shape"),
    (np.full((28, 28), 200, np.int64), "uint8"),
    (None, "Draw"),
    ({"composite": np.zeros((280, 280, 4), np.uint8)}, "empty"),  # an untouched Sketchpad canvas
    ("/no/such/file.png", "could not be read"),
])
def test_bad_pictures_get_a_clear_message(image, message):
    from ganlab.explore.project import ProjectionError, prepare_target

    with pytest.raises(ProjectionError, match=message):
        prepare_target(image, (28, 28, 1))


def test_a_drawing_is_framed_like_the_data(tmp_path):
    from PIL import Image

    from ganlab.explore.project import prepare_target

    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[60:220, 130:150] = (0, 0, 0, 255)  # a black "1" on a transparent canvas
    digit = prepare_target({"composite": canvas}, (28, 28, 1))
    assert digit.shape == (28, 28) and digit[:4].max() == 0 and digit[14, 14] > 200
    path = tmp_path / "one.png"
    Image.fromarray(255 - canvas[..., 3]).save(path)  # the same as a dark-on-white upload
    assert np.abs(prepare_target(str(path), (28, 28, 1)).astype(int) - digit).mean() < 3
    assert prepare_target(str(path), (28, 28, 1), digits=False).shape == (28, 28)


def test_a_class_out_of_range_and_a_wrong_size_are_refused(projector):
    from ganlab.explore.project import ProjectionError

    with pytest.raises(ProjectionError, match="out of range"):
        projector(np.zeros((28, 28), np.uint8), label=12)
    with pytest.raises(ProjectionError, match="model's size"):
        projector(np.zeros((32, 32), np.uint8))


def _drawn(draw) -> np.ndarray:
    """A black drawing on a white 280×280 canvas, as an upload would bring it."""
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (280, 280), 255)
    draw(ImageDraw.Draw(canvas))
    return np.asarray(canvas)


def _letter_a(d) -> None:
    d.line([(70, 240), (140, 40), (210, 240)], fill=0, width=22)
    d.line([(100, 160), (180, 160)], fill=0, width=22)


@pytest.mark.parametrize("draw, why", [
    (lambda d: d.ellipse((60, 60, 220, 220), fill=0), "40% ink, where 999 in 1,000 training images have at most"),
    (lambda d: d.line([(100, 140), (120, 150), (140, 135), (150, 145)], fill=0, width=6), "farther than 9 in 10"),
    (_letter_a, "pixels of your ink at the bottom left is missing"),
], ids=["filled disk", "scribble", "letter A"])
def test_what_g_cannot_draw_is_told_so_with_what_is_missing(projector, draw, why):
    from ganlab.explore.project import prepare_target

    p = projector(prepare_target(_drawn(draw), projector.shape))
    assert p.verdict().startswith("G cannot draw this") and why in p.verdict(), p.verdict()


def test_a_real_held_out_digit_is_told_it_is_close(projector):
    from ganlab.data import mnist_like
    from ganlab.images import to_uint8
    from tests.conftest import have_mnist

    if not have_mnist():
        pytest.skip("MNIST not found (set GANLAB_DATA_DIR)")
    seven = to_uint8(mnist_like("mnist", "test").x[0])  # the test set's first image (a 7), never trained on
    p = projector(seven)
    assert p.label == 7 and p.verdict().startswith("G can draw this"), p.verdict()
    assert p.reference.ink and p.reference.patch and p.reference.projected_feature  # all four yardsticks read


# -- is it copying? -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index():
    from ganlab.explore.nearest import build_index
    from tests.conftest import have_mnist

    if not have_mnist():
        pytest.skip("MNIST not found (set GANLAB_DATA_DIR)")
    return build_index("mnist", limit=1500, held_out=40)


def test_nearest_training_images_are_exact_and_set_against_held_out_images(index):
    from ganlab.explore.nearest import NearestError

    sample = index.images[17].copy()
    sample[10:12, 10:14] = 255  # a near-copy of training image 17
    found = index.query(sample)
    assert found.pixels.indices[0] == 17 and found.features.indices[0] == 17
    flat = index.images.reshape(len(index.images), -1).astype(np.float32)
    brute = np.sqrt(((flat - sample.reshape(-1).astype(np.float32)) ** 2).mean(1)) / 255
    assert np.array_equal(found.pixels.indices, np.argsort(brute)[:5])
    assert np.allclose(found.pixels.distances, np.sort(brute)[:5], atol=1e-5)
    assert found.pixels.images.shape == (5, 28, 28)
    assert list(found.pixels.labels) == list(index.labels[found.pixels.indices])
    assert 0 < found.pixels.reference_low < found.pixels.reference and found.features.reference > 0
    assert "near-copy" in found.summary()
    assert 2000 < index.nbytes / len(index.images) < 2200  # 784 + 4·196 + 4·128 bytes per image: 125 MB for 60,000
    with pytest.raises(NearestError, match="uint8"):
        index.query(np.zeros((28, 28), np.float32))


def test_a_dataset_without_a_training_copy_has_no_index():
    from ganlab.explore.nearest import NearestError, build_index

    with pytest.raises(NearestError, match="no training-set index"):
        build_index("my-uploads")


# -- named directions -------------------------------------------------------------------------------
def test_a_named_direction_round_trips_through_json_and_moves_z():
    from ganlab.explore import named_directions as nd

    pca = np.eye(4, 8, dtype=np.float32) * 3
    thick = nd.from_pca(pca, 1, "thickness", 0.12)
    assert np.allclose(thick.vector, np.eye(8)[1]) and "PCA direction 2, 12%" in thick.source
    slant = nd.from_difference(np.zeros(8), np.full(8, 2.0), "slant → right")
    text = nd.to_json([thick, slant], "cgan-mnist", 8)
    back = nd.parse(text, 8)
    assert [d.name for d in back] == ["thickness", "slant → right"]
    assert np.allclose(back[1].vector, slant.vector, atol=1e-6)
    moved = nd.apply(np.zeros((3, 8)), thick, [-1, 0, 2])
    assert moved.shape == (3, 3, 8) and moved[0, 2, 1] == 2.0
    session = nd.added(nd.added([], thick), slant)
    assert [d.name for d in nd.added(session, nd.from_pca(pca, 0, "thickness"))] == ["slant → right", "thickness"]


def _file(**changes) -> str:
    import json

    data = {"format": "ganlab-directions", "version": 1, "model": "m", "latent_dim": 3,
            "directions": [{"name": "thickness", "vector": [1, 0, 0]}]}
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('["a list"]', "Not a directions file"),
    (_file(version=2), "version"),
    (_file(latent_dim=64), "this model's z has 3"),
    (_file(directions=[]), "no directions"),
    (_file(directions=[{"name": "x", "vector": [1, 0]}]), "has 2 numbers"),
    (_file(directions=[{"name": "x", "vector": [1, "a", 0]}]), "numbers only"),
    (_file(directions=[{"name": "x", "vector": [0, 0, 0]}]), "zero"),
    (_file().replace("[1, 0, 0]", "[NaN, 0, 1]"), "not valid JSON"),
    (_file(directions=[{"name": "", "vector": [1, 0, 0]}]), "name"),
    (_file(directions=[{"name": "<script>", "vector": [1, 0, 0]}]), "name is 1-40"),
    (_file(directions=[{"name": "x", "vector": [1, 0, 0]}] * 17), "at most 16"),
    (" " * 300_000, "at most 256 KB"),
])
def test_a_bad_directions_file_is_refused_with_a_message(text, message):
    from ganlab.explore.named_directions import DirectionError, parse

    with pytest.raises(DirectionError, match=message):
        parse(text, 3)


def test_an_oversized_upload_is_refused_before_it_is_read(tmp_path):
    from ganlab.explore.named_directions import DirectionError, read

    big = tmp_path / "big.json"
    big.write_bytes(b" " * 300_000)
    with pytest.raises(DirectionError, match="at most 256 KB"):
        read(big, 3)


def test_the_measures_grow_along_what_they_name():
    from ganlab.explore import named_directions as nd

    thin, thick = np.zeros((1, 28, 28), np.uint8), np.zeros((1, 28, 28), np.uint8)
    thin[0, 4:24, 13:15], thick[0, 4:24, 11:17] = 255, 255
    lean = np.zeros((1, 28, 28), np.uint8)
    for r in range(4, 24):
        lean[0, r, 14 + (24 - r) // 3] = 255  # top to the right
    assert nd.ink_area(thick)[0] > nd.ink_area(thin)[0] and nd.width(thick)[0] > nd.width(thin)[0]
    assert nd.slant(lean)[0] > 0.2 > abs(nd.slant(thin)[0])
    share, change = nd.monotonic_share(nd.ink_area, lambda z: np.stack([thin[0], thick[0]] * (len(z) // 2)),
                                       np.zeros((2, 3)), nd.NamedDirection("x", np.ones(3, np.float32) / 3 ** 0.5),
                                       [0.0, 1.0])
    assert share == 1.0 and change > 0


# -- the command line ---------------------------------------------------------------------------------
def test_the_project_command_writes_z_the_projection_and_the_class(tmp_path, projector, capsys, monkeypatch):
    from PIL import Image

    from ganlab.cli import main
    from ganlab.explore import project

    monkeypatch.setattr(project, "load_projector", lambda name: projector)  # loaded and compiled once per module

    Image.fromarray(_own_sample(projector, seed=5, label=3)).save(tmp_path / "three.png")
    out = tmp_path / "z.npz"
    code = main(["project", "--checkpoint", "cgan-mnist", "--image", str(tmp_path / "three.png"), "--out", str(out),
                 "--label", "3", "--steps", "50", "--restarts", "2"])
    assert code == 0 and "pixel distance" in capsys.readouterr().out
    with np.load(out) as npz:
        assert npz["z"].shape == (1, 64) and npz["z"].dtype == np.float32
        assert npz["image"].shape == (1, 28, 28) and npz["image"].dtype == np.uint8
        assert list(npz["label"]) == [3] and "codes" not in npz.files and float(npz["pixel_distance"]) < 0.1
    assert main(["project", "--checkpoint", "cgan-mnist", "--image", str(tmp_path / "none.png"),
                 "--out", str(out)]) == 2
    assert "could not be read" in capsys.readouterr().err


@pytest.fixture(scope="module")
def infogan():
    from ganlab.checkpoints import shipped_names
    from ganlab.explore.project import load_projector

    if "infogan-mnist" not in shipped_names():
        pytest.skip("assets/infogan-mnist is missing")
    return load_projector("infogan-mnist")


def _infogan_sample(infogan, seed: int = 4, category: int = 3, codes=(0.8, -0.6)) -> np.ndarray:
    from ganlab.images import to_uint8
    from ganlab.sampling import latents

    w = np.concatenate([latents(1, infogan.dim, seed), np.asarray([codes], np.float32)], 1)
    return to_uint8(infogan._draw(w, np.array([category], np.int32)).numpy())[0]


def test_an_infogan_projection_writes_z_the_category_and_the_codes(tmp_path, infogan, capsys, monkeypatch):
    from PIL import Image

    from ganlab.cli import main
    from ganlab.explore import project

    monkeypatch.setattr(project, "load_projector", lambda name: infogan)
    Image.fromarray(_infogan_sample(infogan)).save(tmp_path / "own.png")
    out = tmp_path / "z.npz"
    assert main(["project", "--checkpoint", "infogan-mnist", "--image", str(tmp_path / "own.png"), "--out", str(out),
                 "--steps", "100", "--restarts", "4"]) == 0
    assert "category" in capsys.readouterr().out
    with np.load(out) as npz:
        assert npz["z"].shape == (1, infogan.dim) and npz["codes"].shape == (1, 2) and npz["label"].shape == (1,)
        assert npz["image"].shape == (1, 28, 28) and float(npz["pixel_distance"]) < 0.08  # G's own: recovered
        assert np.abs(npz["codes"]).max() <= 2.0


def test_the_infogan_panel_draws_from_the_projected_z_until_the_seed_changes(infogan, monkeypatch):
    from ganlab.explore.infogan import Explorer
    from ganlab.ui.playground import infogan_projection as infogan_project
    from ganlab.ui.playground.infogan import Handlers

    monkeypatch.setattr(infogan_project, "load_projector", lambda folder: infogan)
    found = infogan_project.InfoGANProjector().project("infogan-mnist", 0, _infogan_sample(infogan), 3,
                                                       progress=lambda *a, **k: None)
    triptych, text, origin, category, c1, c2 = found
    assert category == 3 and "Found **" in text and "code 1" in text and len(origin["z"]) == infogan.dim
    assert -2 <= c1 <= 2 and -2 <= c2 <= 2 and triptych.shape[:2] == (8 * 30, 8 * (3 * 29 + 1))
    view = Handlers(None, Explorer()).view
    mine, _ = view("infogan-mnist", category, c1, c2, 0, 0, origin)
    seeded, _ = view("infogan-mnist", category, c1, c2, 0, 0, None)
    assert not np.array_equal(mine, seeded)  # the projected z, not seed 0's
    assert np.array_equal(view("infogan-mnist", category, c1, c2, 1, 0, origin)[0],
                          view("infogan-mnist", category, c1, c2, 1, 0, None)[0])  # a new seed starts afresh


def test_the_shipped_directions_are_valid_and_do_what_they_are_named(projector):
    from ganlab.checkpoints import resolve
    from ganlab.explore import named_directions as nd
    from ganlab.images import to_uint8
    from ganlab.sampling import latents

    shipped = nd.shipped(resolve("cgan-mnist"), 64)
    assert [d.name for d in shipped] == ["thickness", "slant", "width"]
    assert all(d.check["monotonic_share"] >= 0.9 and d.check["seeds"] == 100 for d in shipped)
    z, labels = latents(10, 64, seed=11), np.arange(10, dtype=np.int32)  # a quick re-check on 10 seeds

    def render(path):
        return to_uint8(projector._draw(path, np.repeat(labels, 3)).numpy())

    share, _ = nd.monotonic_share(nd.ink_area, render, z, shipped[0], [-2.0, 0.0, 2.0])
    assert share >= 0.8


# -- the Playground's panels through gradio_client ------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    import gradio as gr

    from ganlab.explore.nearest import IndexCache
    from ganlab.ui.playground import projection as project_panel
    from ganlab.ui.playground import tab as playground_tab
    from tests.ui_helpers import api_client

    cache = project_panel.shared_indexes
    project_panel.shared_indexes = lambda: IndexCache(limit=2000)  # the first 2,000 training images: a quick index
    try:
        with gr.Blocks() as demo, gr.Tab("Playground"):
            playground_tab.lay_out(None)
    finally:
        project_panel.shared_indexes = cache
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield api_client(url)
    demo.close()


def _png(tmp_path, pixels: np.ndarray) -> str:
    from PIL import Image

    path = tmp_path / "picture.png"
    Image.fromarray(pixels).save(path)
    return str(path)


def test_the_panels_are_named_endpoints(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert [p["parameter_name"] for p in api["/project"]["parameters"]] == ["model", "image", "class_"]
    assert [p["parameter_name"] for p in api["/nearest"]["parameters"]] == [
        "model", "seed", "class_", "truncation", "offsets", "directions"]
    assert [p["parameter_name"] for p in api["/apply_direction"]["parameters"]] == [
        "model", "direction", "seed", "class_", "truncation"]
    assert [p["parameter_name"] for p in api["/generate"]["parameters"]] == [
        "model", "seed", "class_", "truncation", "offsets", "directions"]
    assert [p["parameter_name"] for p in api["/infogan_view"]["parameters"]] == [
        "checkpoint", "category", "c1", "c2", "seed", "vary"]  # the projected z rides in a State, not a parameter


def test_project_a_drawn_one_and_refuse_an_empty_picture(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError
    from PIL import Image

    one = np.full((200, 200), 255, np.uint8)
    one[30:170, 90:110] = 0  # a black "1" on white paper
    triptych, found = client.predict("cgan-mnist", handle_file(_png(tmp_path, one)), "1", api_name="/project")
    with Image.open(triptych) as im:
        assert im.size == (8 * (3 * 29 + 1), 8 * 30)  # target | projection | difference, 8× crisp
    assert found["label"] == 1 and found["pixel_distance"] < 0.1 and len(found["z"]) == 64 and found["verdict"]
    with pytest.raises(AppError, match="empty"):
        client.predict("cgan-mnist", handle_file(_png(tmp_path, np.full((50, 50), 255, np.uint8))), "",
                       api_name="/project")
    with pytest.raises(AppError, match="Unknown model"):
        client.predict("no-such-model", handle_file(_png(tmp_path, one)), "", api_name="/project")
    _, found = client.predict("infogan-mnist", handle_file(_png(tmp_path, one)), "", api_name="/project")
    assert len(found["codes"]) == 2 and 0 <= found["label"] < 10 and found["verdict"]  # an InfoGAN projects too


def test_nearest_training_images_and_a_named_direction_on_8_seeds(client):
    from gradio_client.exceptions import AppError
    from PIL import Image

    figure, found = client.predict("cgan-mnist", 3, "7", 1.0, [], [], api_name="/nearest")
    with Image.open(figure) as im:
        assert im.size == (4 * (6 * 30 + 2), 4 * (2 * 30 + 2))  # sample + 5 neighbours, by features and pixels
    assert len(found["pixels"]["nearest"]) == 5 and found["pixels"]["held_out_median"] > 0 and found["summary"]
    grid = client.predict("cgan-mnist", "thickness", 0, "7", 1.0, api_name="/apply_direction")
    with Image.open(grid) as im:
        assert im.size == (2 * (5 * 30 + 2), 2 * (8 * 30 + 2))  # amounts −2..+2 across, 8 seeds down
    with pytest.raises(AppError, match="ships no direction"):
        client.predict("cgan-mnist", "boldness", 0, "7", 1.0, api_name="/apply_direction")
    with pytest.raises(AppError, match="has 3 numbers"):
        client.predict("cgan-mnist", [1, 2, 3], 0, "7", 1.0, api_name="/apply_direction")


def test_a_session_saves_a_direction_between_two_projections_and_reads_its_download():
    from types import SimpleNamespace

    import gradio as gr

    from ganlab.ui.playground.directions import FROM_PROJECTIONS, DirectionsPanel
    from ganlab.ui.playground.tab import PlaygroundTab

    panel = DirectionsPanel(PlaygroundTab(None), SimpleNamespace(raw=[0] * 6, dirs=[0] * 5), None, None)
    thin, thick = np.zeros(64), np.r_[np.ones(8), np.zeros(56)]
    history = [{"model": "cgan-mnist", "z": list(z), "label": 7} for z in (thin, thick)]
    with pytest.raises(gr.Error, match="Project two pictures"):
        panel.save("cgan-mnist", "bold", FROM_PROJECTIONS, [], history[:1], None)
    saved, choice, message = panel.save("cgan-mnist", "bold", FROM_PROJECTIONS, [], history, None)
    assert "Saved **bold**" in message and choice.value == "bold (yours)" and len(saved) == 1
    assert np.allclose(saved[0]["vector"][:8], 8 ** -0.5, atol=1e-5)
    file = panel.download("cgan-mnist", saved, None)  # the shipped three and this one
    again, choice, message = panel.upload(file, "cgan-mnist", [], None)
    assert [d["name"] for d in again] == ["thickness", "slant", "width", "bold"] and "Read 4" in message
    with pytest.raises(gr.Error, match="this model's z has 100"):
        panel.upload(file, "dcgan-fashion", [], None)
