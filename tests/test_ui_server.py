"""Safe to share with a class, through gradio_client: server paths refused without a scan, uploads
checked (bombs, oversized, corrupt, zip escapes), datasets shared whatever the seed and runs freed,
downloads holding only their run, and GRADIO_SERVER_NAME / _PORT and auth honoured by app.py."""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
import time
import weakref
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import REPO, needs_mnist
from tests.test_uploads import make_images, png_header_only
from tests.ui_helpers import api_client, free_port, wait_for

pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file


def form(model: str, dataset: str, seed: int = 0, steps: int = 100000, batch: int = 16) -> list:
    """The Train tab's ten form values for /start."""
    return [model, dataset, "non_saturating", 2e-4, 2e-4, 1, batch, None, seed, steps]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app with a data root holding one image folder and a link leading out of it."""
    from ganlab.server.store import SessionStore
    from ganlab.ui.app import build_app, launch

    base = tmp_path_factory.mktemp("server")
    root, secret = base / "root", base / "secret"
    make_images(root / "faces", classes=("a", "b"), per_class=4)
    make_images(secret, classes=("x",), per_class=2)
    (root / "escape").symlink_to(secret, target_is_directory=True)
    store = SessionStore(max_runs=4, root=base / "runs", data_root=root)
    demo = build_app(store)
    port = free_port()
    launch(demo.queue(default_concurrency_limit=8), server_name="127.0.0.1", server_port=port,
           prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", store, base
    finally:
        store.close()
        demo.close()


def _metrics(c: Client) -> dict:
    return c.predict(api_name="/metrics")


@pytest.mark.slow  # trains on the served app
def test_server_paths_refused_without_scanning(app):
    url, _store, base = app
    c = api_client(url)
    for bad in ("/usr/share/icons", "../../..", "..", "escape", str(base / "secret"), "faces/../../secret"):
        t0 = time.perf_counter()
        status = c.predict(*form("dcgan", bad), api_name="/start")
        assert "Cannot start" in status and "outside" in status, (bad, status)
        assert time.perf_counter() - t0 < 3, f"{bad!r} took too long: scanned?"
    assert _metrics(c)["status"] == "none"
    status = c.predict(*form("dcgan", "faces", steps=5), api_name="/start")  # inside the root: allowed
    assert "Training **dcgan**" in status
    wait_for(lambda: _metrics(c)["step"] >= 5, timeout=60)
    c.predict(api_name="/reset")


def test_no_data_root_means_no_server_folders(tmp_path):
    from tests.ui_helpers import running_app

    with running_app(tmp_path) as (url, _store):
        c = api_client(url)
        status = c.predict(*form("dcgan", str(tmp_path)), api_name="/start")
        assert "Cannot start" in status and "--data-root" in status


def _zip(tmp_path: Path, name: str, entries: dict[str, bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for arc, data in entries.items():
            zf.writestr(arc, data)
    return path


@pytest.mark.slow  # trains on the served app
def test_upload_zip_with_classes_and_train(app, tmp_path):
    url, store, _ = app
    make_images(tmp_path / "pets", classes=("cat", "dog"), per_class=6)
    z = tmp_path / "pets.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted((tmp_path / "pets").rglob("*.png")):
            zf.write(f, f.relative_to(tmp_path).as_posix())
    c = api_client(url)
    message, update = c.predict([handle_file(str(z))], api_name="/upload_data")
    chosen = update["value"]  # the Dataset box now offers and shows the upload
    assert "12 uploaded images, 2 classes" in message and chosen == "upload:pets"
    status = c.predict(*form("cgan", chosen, steps=10, batch=8), api_name="/start")
    assert "Training **cgan** on **upload:pets**" in status
    wait_for(lambda: _metrics(c)["status"] == "finished", timeout=90)
    zip_path, _ = c.predict(api_name="/save")
    saved = next(iter(store.saved_models(c.session_hash).values()))
    with zipfile.ZipFile(zip_path) as zf:  # the download holds this checkpoint's files and nothing else
        names = {n.rstrip("/") for n in zf.namelist()}
    on_disk = {p.relative_to(saved).as_posix() for p in saved.rglob("*")}
    assert names and names <= on_disk
    other = api_client(url)  # another session cannot train on it
    status = other.predict(*form("dcgan", "upload:pets"), api_name="/start")
    assert "No uploaded data" in status
    c.predict(api_name="/reset")


def test_bad_uploads_get_plain_messages(app, tmp_path):
    url, store, _ = app
    c = api_client(url)
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 12000, 12000)
    good = tmp_path / "ok.png"
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(good)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(good.read_bytes()[:50])
    notes = tmp_path / "notes.png"
    notes.write_text("not an image at all")
    evil = _zip(tmp_path, "evil.zip", {"../evil.png": good.read_bytes()})
    absolute = _zip(tmp_path, "abs.zip", {"/tmp/evil.png": good.read_bytes()})
    cases = [([bomb], "pixels"), ([good, corrupt], "corrupt.png"), ([notes], "notes.png"),
             ([evil], "outside"), ([absolute], "absolute")]
    for files, words in cases:
        message, _ = c.predict([handle_file(str(f)) for f in files], api_name="/upload_data")
        assert "Upload refused" in message and words in message, (files, message)
    assert store.uploads.get(c.session_hash) is None and not (tmp_path.parent / "evil.png").exists()
    big = tmp_path / "big.png"
    with open(big, "wb") as f:
        f.truncate(51 * 2**20)  # over Gradio's max_file_size: refused before it is stored
    with pytest.raises(Exception, match="(?i)size|large|413|exceed"):
        c.predict([handle_file(str(big))], api_name="/upload_data")
    assert store.uploads.get(c.session_hash) is None


def test_sketch_bomb_and_corrupt_uploads(app, tmp_path):
    from gradio_client.exceptions import AppError

    from ganlab.checkpoints import shipped_names

    if "pix2pix-openmoji" not in shipped_names():
        pytest.skip("shipped pix2pix not found")
    url, _, _ = app
    c = api_client(url)
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 12000, 12000)
    corrupt = tmp_path / "corrupt.png"
    Image.fromarray(np.full((64, 64, 3), 255, np.uint8)).save(corrupt)
    corrupt.write_bytes(corrupt.read_bytes()[:60])
    with pytest.raises(AppError, match="pixels"):
        c.predict(handle_file(str(bomb)), api_name="/sketch")
    with pytest.raises(AppError, match="corrupt|not an image"):
        c.predict(handle_file(str(corrupt)), api_name="/sketch")


@pytest.mark.slow  # two MNIST trainings on the served app
@needs_mnist
def test_memory_shared_dataset_and_freed_runs(app):
    from ganlab.train.run import TrainingRun

    url, store, _ = app
    clients = [api_client(url) for _ in range(2)]
    for seed, c in enumerate(clients, start=1):
        status = c.predict(*form("cgan", "mnist", seed=seed, batch=8), api_name="/start")
        assert "Training **cgan**" in status, status
    for c in clients:
        wait_for(lambda c=c: _metrics(c)["step"] > 2, timeout=120)
    mnist = [k for k in store.cached_datasets() if k[0] == "mnist"]
    assert len(mnist) == 1, mnist  # one copy for two seeds
    mine = [weakref.ref(s) for job in store.jobs().values() for s in job.runs]  # this test's sessions only
    assert len(mine) == 2 and all(isinstance(r(), TrainingRun) for r in mine)
    for c in clients:
        c.predict(api_name="/reset")
    assert store.active_count() == 0
    # freed once the training thread's call in flight returns (Reset waits up to 10 s for it: on a loaded
    # machine a fused call can take longer, and the thread lets go of its session when it ends)
    def freed() -> bool:
        gc.collect()
        return all(r() is None for r in mine)

    wait_for(freed, timeout=120, what="both training sessions freed after Reset")


def _serve(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    full = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env}
    return subprocess.Popen([sys.executable, "app.py", *args], cwd=REPO, env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _status(url: str) -> int | None:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


@contextlib.contextmanager
def _served(args: list[str], env: dict[str, str]):
    proc = _serve(args, env)
    try:
        yield proc
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(15)
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow  # two python app.py subprocesses
def test_app_honours_gradio_environment_and_auth():
    """GRADIO_SERVER_NAME / _PORT are obeyed (127.0.0.2: a loopback address that is not the default),
    GANLAB_AUTH puts a login in front; then --host / --port override the environment."""
    import httpx

    port = free_port()
    env = {"GRADIO_SERVER_NAME": "127.0.0.2", "GRADIO_SERVER_PORT": str(port), "GANLAB_AUTH": "teacher:s3cret"}
    with _served([], env) as proc:
        wait_for(lambda: _status(f"http://127.0.0.2:{port}/config") or proc.poll() is not None, timeout=120)
        assert proc.poll() is None, "app.py exited"
        assert _status(f"http://127.0.0.1:{port}/config") is None  # not on the default address
        assert _status(f"http://127.0.0.2:{port}/config") == 401  # login first
        with httpx.Client(base_url=f"http://127.0.0.2:{port}") as web:
            assert web.post("/login", data={"username": "teacher", "password": "wrong"}).status_code >= 400
            assert web.post("/login", data={"username": "teacher", "password": "s3cret"}).status_code == 200
            assert web.get("/config").status_code == 200
    flag_port = free_port()
    with _served(["--host", "127.0.0.1", "--port", str(flag_port)], {**env, "GANLAB_AUTH": ""}) as proc:
        wait_for(lambda: _status(f"http://127.0.0.1:{flag_port}/config") or proc.poll() is not None, timeout=120)
        assert _status(f"http://127.0.0.1:{flag_port}/config") == 200
        assert _status(f"http://127.0.0.2:{port}/config") is None


def test_parse_auth():
    from ganlab.ui.app import parse_auth

    assert parse_auth("a:b") == [("a", "b")] and parse_auth("a:b, c:d:e") == [("a", "b"), ("c", "d:e")]
    assert parse_auth("") is None and parse_auth(None) is None
    with pytest.raises(ValueError):
        parse_auth("nopassword")


def test_upscale_corrupt_and_bomb_uploads_get_messages(app, tmp_path):
    from gradio_client.exceptions import AppError

    from ganlab.checkpoints import shipped_names

    if "srgan-openmoji" not in shipped_names():
        pytest.skip("shipped srgan not found")
    url, _, _ = app
    c = api_client(url)
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 12000, 12000)
    corrupt = tmp_path / "corrupt.png"
    Image.fromarray(np.full((32, 32, 4), 255, np.uint8)).save(corrupt)  # RGBA: gr.Image would convert it
    corrupt.write_bytes(corrupt.read_bytes()[:60])
    with pytest.raises(AppError, match="too big|pixels"):
        c.predict(handle_file(str(bomb)), api_name="/upscale")
    with pytest.raises(AppError, match="(?i)not an image|corrupt|could not"):
        c.predict(handle_file(str(corrupt)), api_name="/upscale")


def test_served_app_moves_its_startup_heap_out_of_the_collector(monkeypatch):
    """app.py freezes what it built before serving, so a Reset's full collection stays short (GIL held)."""
    import app as entry
    from ganlab.ui import app as ui_app

    class Demo:
        def queue(self, **_):
            return self

    frozen_at_launch = []
    monkeypatch.setattr(ui_app, "build_app", lambda store, **_: Demo())
    monkeypatch.setattr(ui_app, "launch", lambda demo, **kw: frozen_at_launch.append(gc.get_freeze_count()))
    before = gc.get_freeze_count()
    try:
        entry.main(["--host", "127.0.0.1", "--port", str(free_port())])
    finally:
        gc.unfreeze()
    assert before == 0 and frozen_at_launch and frozen_at_launch[0] > 10_000


def test_launch_waits_for_a_slow_first_page(monkeypatch, tmp_path):
    """A loaded server whose page takes longer than Gradio's 3 s HEAD check still launches (CI saw
    "When localhost is not accessible, a shareable link must be created" beside Chromium)."""
    import asyncio

    import gradio as gr
    from starlette.middleware import Middleware

    from ganlab.ui import app as app_module

    class SlowFirstHead:
        """ASGI middleware: the first HEAD / answers after 4 s, as a busy server's page render might."""

        def __init__(self, inner):
            self.inner, self.slow = inner, True

        async def __call__(self, scope, receive, send):
            if self.slow and scope["type"] == "http" and scope["method"] == "HEAD" and scope["path"] == "/":
                self.slow = False
                await asyncio.sleep(4)
            await self.inner(scope, receive, send)

    monkeypatch.setattr(app_module.page, "quiet_timers_middleware", lambda: Middleware(SlowFirstHead))
    with gr.Blocks() as demo:
        gr.Markdown("hello")
    port = free_port()
    try:
        _app, local_url, _share = app_module.launch(demo, server_name="127.0.0.1", server_port=port,
                                                    prevent_thread_lock=True, quiet=True)
        assert local_url == f"http://127.0.0.1:{port}/"
        assert app_module.gradio.networking.url_ok is not app_module.patient_url_ok  # put back after launch
    finally:
        demo.close()
