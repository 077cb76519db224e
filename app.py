"""Start the ganlab app: ``python app.py`` (serves on 127.0.0.1:7860).

Address and port: ``--host`` / ``--port``, else Gradio's own ``GRADIO_SERVER_NAME`` /
``GRADIO_SERVER_PORT`` (how Docker images and Hugging Face Spaces configure Gradio apps), else
127.0.0.1:7860. A password: ``--auth user:pass`` or ``GANLAB_AUTH=user:pass``. Server folders are
open to students only under ``--data-root DIR`` (or ``GANLAB_DATA_ROOT``). ``--max-runs`` (or
``GANLAB_MAX_RUNS``) limits concurrent trainings; every 2D run trains in one shared engine, for a class
(``--no-engine`` or ``GANLAB_ENGINE=0``: a thread per run). ``--teacher-password`` (or ``GANLAB_TEACHER_PASSWORD``,
which stays out of the process list) adds the Class tab: teacher mode. On a Hugging Face Space, where no flags can be
given, the environment variables do it all.
"""

from __future__ import annotations

import argparse
import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ganlab.server.engine import enabled as engine_enabled
from ganlab.server.limits import ENGINE_MAX_RUNS, MAX_RUNS, SOLO_RUNS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line flags (None means: leave it to Gradio's environment variables)."""
    parser = argparse.ArgumentParser(description="ganlab: watch a GAN learn")
    parser.add_argument("--host", default=None,
                        help="address to listen on (default: $GRADIO_SERVER_NAME, else 127.0.0.1; "
                             "0.0.0.0 to serve a class on the local network)")
    parser.add_argument("--port", type=int, default=None,
                        help="port (default: $GRADIO_SERVER_PORT, else 7860 or the next free one)")
    parser.add_argument("--data-dir", default=None, help="folder with mnist/ (else $GANLAB_DATA_DIR)")
    parser.add_argument("--engine", action=argparse.BooleanOptionalAction, default=engine_enabled(),
                        help="train every 2D run in the server's shared engine, so a class of 30 trains on one "
                             "server (default: on; --no-engine or $GANLAB_ENGINE=0: a thread per run)")
    parser.add_argument("--max-runs", type=int, default=int(os.environ.get("GANLAB_MAX_RUNS", 0)) or None,
                        help=f"concurrent trainings allowed (default: $GANLAB_MAX_RUNS, else {ENGINE_MAX_RUNS}, of "
                             f"which {SOLO_RUNS} outside the engine; {MAX_RUNS} with --no-engine)")
    parser.add_argument("--data-root", default=os.environ.get("GANLAB_DATA_ROOT") or None,
                        help="let students train on server folders under DIR (refused everywhere else; "
                             "without it only named datasets and uploads; else $GANLAB_DATA_ROOT)")
    parser.add_argument("--auth", default=None,
                        help="user:pass (several: u1:p1,u2:p2) asked by a login page; else $GANLAB_AUTH")
    parser.add_argument("--teacher-password", default=None,
                        help="teacher mode: a Class tab where the teacher signs in with this password and shows a "
                             "run to every student (else $GANLAB_TEACHER_PASSWORD; without it no Class tab)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Parse flags and launch."""
    args = parse_args(argv)
    if args.data_root and not os.path.isdir(args.data_root):
        raise SystemExit(f"--data-root {args.data_root}: no such folder")
    if args.data_dir:
        os.environ["GANLAB_DATA_DIR"] = args.data_dir

    from ganlab.server.store import SessionStore
    from ganlab.ui.app import AUTH_ENV, build_app, launch, parse_auth

    auth = parse_auth(args.auth or os.environ.get(AUTH_ENV))
    max_runs = args.max_runs or (ENGINE_MAX_RUNS if args.engine else MAX_RUNS)
    store = SessionStore(max_runs=max_runs, data_root=args.data_root, engine=args.engine)
    from ganlab.server.classroom import PASSWORD_ENV, Classroom

    password = args.teacher_password or os.environ.get(PASSWORD_ENV)
    demo = build_app(store, classroom=Classroom(password) if password else None)
    # Everything built so far (TensorFlow, Gradio, the page) lives as long as the server: move it out of
    # the garbage collector's reach, so the full collection after each Reset (ganlab.server.store.free_memory)
    # scans only what runs made: scanning it all holds the GIL long enough to keep every user waiting.
    gc.collect()  # garbage left by the build is freed now, not frozen with the rest
    gc.freeze()
    where = {}
    if args.host:  # else Gradio reads GRADIO_SERVER_NAME itself (default 127.0.0.1)
        where["server_name"] = args.host
    if args.port:  # else Gradio reads GRADIO_SERVER_PORT itself (default 7860)
        where["server_port"] = args.port
    import threading

    from ganlab.ui.train.tab import warm_process

    threading.Thread(target=warm_process, args=(store,), name="ganlab-warm-up", daemon=True).start()
    try:
        launch(demo.queue(default_concurrency_limit=8), auth=auth, **where)
    finally:
        store.close()


if __name__ == "__main__":
    main()
