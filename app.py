"""Start the ganlab app: ``python app.py`` (serves on 127.0.0.1:7860; --host/--port to change)."""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    """Parse flags and launch."""
    parser = argparse.ArgumentParser(description="ganlab: watch a GAN learn")
    parser.add_argument("--host", default=os.environ.get("GANLAB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GANLAB_PORT", "7860")))
    parser.add_argument("--data-dir", default=None, help="folder with mnist/ (else $GANLAB_DATA_DIR)")
    parser.add_argument("--max-runs", type=int, default=4, help="concurrent trainings allowed")
    args = parser.parse_args()
    if args.data_dir:
        os.environ["GANLAB_DATA_DIR"] = args.data_dir

    from ganlab.ui.app import build_app, launch
    from ganlab.ui.sessions import SessionStore

    demo = build_app(SessionStore(max_runs=args.max_runs))
    launch(demo.queue(default_concurrency_limit=8), server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
