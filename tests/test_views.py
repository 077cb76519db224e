"""The numbers behind GAN Lab's views (ganlab/train/views.py, slow_motion.py) and live setting changes:
manifold, arrows, divergences, /view_2d's dict, a step in slow motion (the same step as a normal one),
and lr / k / loss changes taking effect at the next call without a new program. Tiny configs."""

import json
import textwrap

import numpy as np
import pytest

from ganlab import backend
from ganlab.config import ConfigError, TrainConfig
from ganlab.data import Dataset
from ganlab.data.toy import TOY_2D
from ganlab.losses import LossSwitch
from ganlab.train import diagnostics, views
from ganlab.train.monitor import Monitor
from ganlab.train.run import TrainingRun, TrainingStopped
from ganlab.train.slow_motion import slow_step
from tests.conftest import run_on_jax

RING = Dataset("ring", TOY_2D["ring"](2000, np.random.default_rng(0)).astype(np.float32), kind="points")


def _ring(**kw):
    settings = {"model": "vanilla", "dataset": "ring", "batch_size": 16, "latent_dim": 2, "seed": 3,
                "steps": 3000, "precision": "float32", **kw}
    return TrainingRun(TrainConfig(**settings), dataset=RING)


def _weights(s):
    return s.gan.generator.get_weights() + s.gan.discriminator.get_weights()


# -- a step in slow motion ----------------------------------------------------------------------
@pytest.mark.slow  # every model's slow step against its normal step: over a minute on 2 cores
def test_a_slow_step_is_the_normal_step():
    k = 2  # both phases: a plain D update, then the last D update with G's
    a, b = _ring(k=k), _ring(k=k)
    for step in (1, 2):  # the second from a trained state (optimizer moments, seeds moved on)
        normal = a.step()
        shown = slow_step(b, grid=12)
        for p, q in zip(_weights(a), _weights(b)):
            np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-7)
        assert a.step_count == b.step_count == shown.step == step
        r = shown.record
        assert (r.step, r.kind) == (normal.step, normal.kind) == (step, "train")
        np.testing.assert_allclose([r.d_loss, r.g_loss, r.d_real, r.d_fake],
                                   [normal.d_loss, normal.g_loss, normal.d_real, normal.d_fake], rtol=1e-6)
    assert int(b.d_opt.iterations.numpy()) == 2 * k and int(b.g_opt.iterations.numpy()) == 2
    assert [h.step for h in b.history] == [1, 2]
    # the phases: k D updates (D changed), then G's (its fakes moved, mostly along their arrows)
    assert shown.k == k and len(shown.phases()) == k + 2
    for u in shown.d_updates:
        assert u.real.shape == u.fake.shape == (16, 2) and u.heatmap_before.shape == (12, 12)
        assert not np.allclose(u.heatmap_before, u.heatmap_after)
    np.testing.assert_array_equal(shown.d_updates[-1].fake, shown.g_update.fakes_before)
    g = shown.g_update
    moved = ((g.fakes_after - g.fakes_before) * g.arrows).sum(1)
    assert g.arrows.shape == (16, 2) and (moved > 0).mean() > 0.5
    json.dumps(shown.phases())


def test_a_slow_step_on_a_stopped_run_says_what_to_do():
    s = _ring()
    s.stop()
    with pytest.raises(TrainingStopped, match="press Start or Reset"):
        slow_step(s)
    assert s.step_count == 0 and not s.history


# -- views of a 2D run --------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["non_saturating", "hinge"])
def test_arrows_are_minus_the_gradient_of_each_fakes_loss(loss):
    s = _ring(loss=loss)
    latent = {"z": np.random.default_rng(1).standard_normal((100, 2)).astype(np.float32)}
    fakes, push = views.arrows(s, latent)
    assert fakes.shape == push.shape == (100, 2)
    pair = s.gan.loss.current
    one = lambda x: np.asarray(pair.generator(np.asarray(s.fns.discriminate(x[None]))))  # ℓ_G of one fake
    h = 1e-3  # D is piecewise linear (LeakyReLU): a small step stays on one piece
    for i in np.argsort(-np.linalg.norm(push, axis=1))[:5]:  # the longest arrows
        x, a = fakes[i], push[i]
        fd = -np.array([(one(x + h * e) - one(x - h * e)) / (2 * h) for e in np.eye(2, dtype=np.float32)])
        assert np.linalg.norm(a - fd) <= 0.05 * np.linalg.norm(a) + 1e-4, (a, fd)


def test_manifold_is_g_on_a_latent_grid():
    s = _ring()
    mesh = views.manifold_mesh(s, n=5)
    assert mesh.shape == (5, 5, 2)
    u = np.linspace(-2, 2, 5, dtype=np.float32)
    z = np.array([[u[j], u[i]] for i in range(5) for j in range(5)], np.float32)
    np.testing.assert_allclose(mesh.reshape(25, 2), s.samples({"z": z}), rtol=1e-5, atol=1e-6)
    wide = _ring(latent_dim=4)
    assert views.manifold_mesh(wide, n=3).shape == (3, 3, 2)


def _uphill_share(view, min_slope=0.05):
    """Share of fakes on D's slopes whose arrow points uphill on the heatmap, from the dict alone."""
    heat = np.asarray(view["heatmap"])
    x0, x1, y0, y1 = view["extent"]
    n = heat.shape[0]
    gy, gx = np.gradient(heat, (y1 - y0) / (n - 1), (x1 - x0) / (n - 1))  # rows are y, columns x
    fakes, arrows = np.asarray(view["fakes"]), np.asarray(view["arrows"])
    j = np.round((fakes[:, 0] - x0) / (x1 - x0) * (n - 1)).astype(int)
    i = np.round((fakes[:, 1] - y0) / (y1 - y0) * (n - 1)).astype(int)
    inside = (i >= 0) & (i < n) & (j >= 0) & (j < n)
    slope = np.stack([gx[i[inside], j[inside]], gy[i[inside], j[inside]]], 1)
    steep = np.linalg.norm(slope, axis=1) > min_slope
    assert steep.sum() >= 50, steep.sum()
    return float(((arrows[inside][steep] * slope[steep]).sum(1) > 0).mean())


def test_view_2d_arrows_point_uphill_on_ds_heatmap():
    """For non-saturating, then least squares (changed mid-run: one session, one set of programs)."""
    s = _ring(loss="non_saturating", batch_size=32, latent_dim=8, lr_g=1e-3, lr_d=1e-3)
    for loss, steps in (("non_saturating", 200), ("least_squares", 100)):
        s.change_settings(loss=loss)
        for _ in s.run(steps):
            pass
        view = json.loads(json.dumps(views.view_2d(s, grid=48, manifold=8)))  # plain JSON values
        assert view["step"] == s.step_count and view["extent"] == [-2.5, 2.5, -2.5, 2.5]
        assert np.shape(view["heatmap"]) == (48, 48) and view["heatmap_kind"] == "probability"
        assert np.shape(view["fakes"]) == np.shape(view["arrows"]) == (512, 2)
        assert np.shape(view["real"]) == (600, 2) and np.shape(view["manifold"]) == (8, 8, 2)
        assert 0 <= view["js"] <= 1 and view["kl"] >= 0
        assert _uphill_share(view) >= 0.8, loss


def test_views_are_for_2d_runs(tiny_images):
    s = TrainingRun(TrainConfig(model="vanilla", dataset="t", batch_size=8), dataset=tiny_images)
    with pytest.raises(ValueError, match="2D point data"):
        views.view_2d(s)


# -- divergences ------------------------------------------------------------------------------
def test_divergence_on_a_grid():
    rng = np.random.default_rng(0)
    real, same = TOY_2D["ring"](600, rng), TOY_2D["ring"](512, rng)
    kl, js = diagnostics.divergence_2d(real, same)
    assert 0 <= js < 0.03 and 0 <= kl < 0.15  # sampling noise only
    far = rng.normal(0, 0.05, (512, 2)) + [2.2, -2.2]
    kl, js = diagnostics.divergence_2d(real, far)
    assert js > 0.95 and kl > 10
    one_mode = rng.normal(0, 0.08, (512, 2)) + [1.5, 0.0]  # all fakes on one of the 8 blobs
    assert 0.6 < diagnostics.divergence_2d(real, one_mode)[1] < 0.85  # ≈ 0.72 bits in theory
    q = diagnostics.quality_2d(real, far)  # coverage from the same (fine) histograms as KL / JS
    assert (q["coverage"], q["on_data"]) == diagnostics.coverage_2d(real, far)
    assert (q["kl"], q["js"]) == pytest.approx(diagnostics.divergence_2d(real, far))


def test_the_2d_quality_measure_has_kl_and_js():
    q = Monitor(_ring()).measure(force=True)
    assert 0 <= q.js <= 1 and q.kl >= 0 and {"js", "kl", "coverage"} <= q.as_dict().keys()


# -- changing settings while it trains ----------------------------------------------------------
def test_settings_change_at_the_next_call_without_a_new_program(tmp_path):
    s = _ring(k=1, loss="non_saturating", lr_g=1e-3, lr_d=1e-3)
    s.steps(4)
    compiled = s.fns.train_many.compiles()
    made = s.change_settings(lr_g=5e-4)
    assert [(c.step, c.name, c.old, c.new) for c in made] == [(4, "lr_g", 1e-3, 5e-4)]
    assert float(s.g_opt.learning_rate.numpy()) == pytest.approx(5e-4) and s.config.lr_g == 5e-4
    assert float(s.d_opt.learning_rate.numpy()) == pytest.approx(1e-3)
    assert s.change_settings(lr_g=5e-4) == []  # no change, no record
    s.steps(2)
    s.change_settings(k=3, loss="ls")
    assert (s.config.k, s.gan.loss.name, s.gan.loss.score) == (3, "least_squares", "raw")
    before = int(s.d_opt.iterations.numpy())
    s.steps(2)
    assert int(s.d_opt.iterations.numpy()) == before + 2 * 3  # k D updates per step from the next call
    if backend.BACKEND == "tensorflow":  # one program for every k and loss (JAX compiles once per k)
        assert s.fns.train_many.compiles() == compiled == 1
    with pytest.raises(ConfigError, match="lr_d"):
        s.change_settings(lr_d=-1)
    with pytest.raises(ValueError, match="does not fit"):
        s.change_settings(loss="wasserstein")
    assert s.gan.loss.name == "least_squares" and s.config.lr_d == 1e-3
    expected = [(4, "lr_g", 1e-3, 5e-4), (6, "k", 1, 3), (6, "loss", "non_saturating", "least_squares")]
    assert [(c.step, c.name, c.old, c.new) for c in s.changes] == expected
    card = json.loads((s.save(tmp_path / "run") / "card.json").read_text())
    assert [tuple(c.values()) for c in card["changes"]] == expected
    assert card["config"]["k"] == 3 and card["config"]["loss"] == "least_squares"


def test_a_loss_switch_changes_a_compiled_function_in_place():
    switch = LossSwitch(["minimax", "non_saturating", "least_squares", "hinge"], "non_saturating")
    fn = backend.compile_step(lambda x: (switch.generator(x), switch.discriminator(x, -x), switch.scores(x)),
                              switch.variables)
    x = np.array([[0.3], [-1.2]], np.float32)
    for name in ("non_saturating", "least_squares", "hinge", "minimax"):
        switch.choose(name)
        pair = switch.current
        expected = [pair.generator(x), pair.discriminator(x, -x), pair.scores(x)]
        np.testing.assert_allclose([np.asarray(v) for v in fn(x)], [np.asarray(v) for v in expected], rtol=1e-6)


JAX_SCRIPT = textwrap.dedent("""
    import numpy as np, keras
    assert keras.backend.backend() == "jax"
    from ganlab.config import TrainConfig
    from ganlab.data import Dataset
    from ganlab.train.run import TrainingRun
    from ganlab.train.slow_motion import slow_step
    from ganlab.train.views import view_2d
    pts = Dataset("p", np.random.default_rng(0).normal(0, 1, (128, 2)).astype("float32"), kind="points")
    make = lambda: TrainingRun(TrainConfig(model="vanilla", dataset="p", batch_size=8, seed=4, k=2,
                                               precision="float32"), dataset=pts)
    a, b = make(), make()
    a.steps(2); b.steps(2)
    a.step(); slow_step(b, grid=8)
    for p, q in zip(a.gan.generator.get_weights(), b.gan.generator.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-7)
    a.change_settings(loss="least_squares", k=1)
    b.change_settings(loss="least_squares", k=1)
    a.steps(2); b.step(); b.step()
    for p, q in zip(a.gan.discriminator.get_weights(), b.gan.discriminator.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)
    assert int(np.asarray(a.d_opt.iterations.value)) == 2 * 3 + 2
    print("views", len(view_2d(a, grid=8, manifold=4)["fakes"]))
""")


@pytest.mark.slow
def test_slow_steps_views_and_changes_on_jax():
    assert "views 512" in run_on_jax(JAX_SCRIPT, "views")


# -- drawing: arrows on one scale, fakes off the picture, numbers for people -----------------------------
def _picture_view(fakes, arrows, ref=None) -> dict:
    return {"extent": [-2.5, 2.5, -2.5, 2.5], "real": np.zeros((0, 2)), "fakes": np.asarray(fakes, np.float32),
            "arrows": np.asarray(arrows, np.float32), "heatmap": np.full((4, 4), 0.5), "arrow_ref": ref}


def _orange(picture: np.ndarray) -> int:
    from ganlab.ui.train.view_2d import ARROW

    return int((picture == ARROW).all(-1).sum())


def test_arrows_keep_the_runs_scale_so_weak_pushes_vanish_and_huge_ones_reach_the_edge():
    """On one fixed ruler (ref 0.1): a push 100× weaker draws nothing, the same push draws the same arrow,
    a push of 1e4 runs to the picture's edge and gets a red tip there."""
    from ganlab.ui.train.view_2d import ARROW_PX, EDGE, arrow_pixels, draw_view_2d

    assert list(arrow_pixels([0.001, 0.01, 0.1, 1.0, 10.0], 0.1)) == [0, 0, ARROW_PX, 2 * ARROW_PX, 3 * ARROW_PX]
    fakes = np.zeros((8, 2))
    draw = lambda push: draw_view_2d(_picture_view(fakes, np.tile([push, 0.0], (8, 1)), 0.1), ("fakes", "arrows"))
    weak, normal, huge = draw(0.001), draw(0.1), draw(1e9)
    assert _orange(weak) < _orange(normal) < _orange(huge)
    assert _orange(draw(0.001)) == _orange(weak)  # drawn the same each time: no per-picture rescaling
    assert (huge[200:220, -14:] == EDGE).all(-1).any()  # the red tip at the right edge
    assert (normal == EDGE).all(-1).sum() == 0


def test_fakes_off_the_picture_are_drawn_on_its_edge_and_counted_in_the_legend():
    from ganlab.ui.train.view_2d import FAKE, draw_view_2d, legend

    view = _picture_view([[0.0, 0.0], [40.0, 0.0], [0.0, -9.0]], np.zeros((3, 2)))
    picture = draw_view_2d(view, ("fakes",))
    assert (picture[195:225, -10:] == FAKE).all(-1).any() and (picture[-10:, 195:225] == FAKE).all(-1).any()
    assert "2 fakes off the picture" in legend(view, ("fakes",))
    assert "arrow" not in legend(view, ("fakes",))  # the browser test unticks arrows and looks for the word
    words = legend({**view, "arrows": np.full((3, 2), 0.3), "arrow_ref": 0.1}, ("fakes", "arrows"))
    assert "one bar = a push of 0.1" in words and "weaker than 0.01" in words


def test_the_loss_curves_switch_to_a_log_scale_with_a_red_title_when_they_blow_up():
    from ganlab.ui.train import plots
    from ganlab.ui.train.model_graph import model_graph

    curves = plots.LiveCurves(1.386, True)
    n = 60
    calm = {"d_loss": np.full(n, 1.4), "g_loss": np.full(n, 0.9), "d_real": np.full(n, 0.6), "d_fake": np.full(n, 0.4)}
    curves.update(np.arange(1.0, n + 1), calm)
    assert curves.ax1.get_yscale() == "linear"
    wild = {**calm, "g_loss": np.r_[np.full(n - 1, 0.9), 4018357248.0]}
    curves.update(np.arange(1.0, n + 1), wild)
    assert curves.ax1.get_yscale() == "symlog" and "4.0e9" in curves.ax1.get_title()
    assert curves.ax1.get_ylim()[1] >= 4018357248.0
    curves.close()
    graph = model_graph({"g_loss": 4018357248.0})
    assert "4.0e9" in graph and "4018357248" not in graph
