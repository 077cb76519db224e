"""Load test: N simultaneous gradio_client clients call the Playground's ``generate`` endpoint.

    python benchmarks/load_test.py [--clients 30] [--calls 5] [--deadline 120] [--url http://127.0.0.1:PORT/]

Without --url it starts the whole app (``python app.py``) on a free 127.0.0.1 port and stops it
afterwards. Every client connects, waits at a barrier so all start together, then makes ``--calls``
calls with its own seed/class/offsets. Bounded: at most 64 clients × 20 calls, and everything must
finish within --deadline seconds. Prints p50/p95/max latency per call and the errors (exit 1 if any).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.ui_helpers import app_process


def main() -> int:
    """Run the load test and print the summary."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=30)
    p.add_argument("--calls", type=int, default=5)
    p.add_argument("--deadline", type=float, default=120.0)
    p.add_argument("--model", default="cgan-mnist")
    p.add_argument("--url", default=None)
    args = p.parse_args()
    clients, calls = min(args.clients, 64), min(args.calls, 20)

    from gradio_client import Client

    with contextlib.ExitStack() as stack:  # without --url: the whole app, stopped afterwards
        url = args.url or stack.enter_context(app_process(wait_s=120))[0]
        if not url.startswith(("http://127.0.0.1", "http://localhost")):
            raise SystemExit("load tests run against 127.0.0.1 only")
        Client(url, verbose=False).predict(args.model, 0, "1", 1.0, [], api_name="/generate")  # warm up
        barrier = threading.Barrier(clients, timeout=args.deadline)
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def worker(k: int) -> None:
            try:
                client = Client(url, verbose=False)
                barrier.wait()
                for j in range(calls):
                    t0 = time.perf_counter()
                    out = client.predict(args.model, 1000 * k + j, str((k + j) % 10), 0.9, [0.1 * j, -0.2],
                                         api_name="/generate")
                    dt = (time.perf_counter() - t0) * 1000
                    if not Path(out).is_file():
                        raise RuntimeError(f"no image file: {out!r}")
                    with lock:
                        latencies.append(dt)
            except Exception as e:  # every failure is reported, none hidden
                with lock:
                    errors.append(f"client {k}: {type(e).__name__}: {e}")

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, args.deadline - (time.perf_counter() - t0)))
        wall = time.perf_counter() - t0
        unfinished = sum(t.is_alive() for t in threads)
        lat = np.array(latencies) if latencies else np.array([np.nan])
        print(f"{clients} clients × {calls} calls of /generate ({args.model}) on {url}")
        print(f"completed {len(latencies)}/{clients * calls} calls in {wall:.1f} s; "
              f"p50 {np.percentile(lat, 50):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms, max {lat.max():.0f} ms; "
              f"errors {len(errors)}, unfinished clients {unfinished}")
        for e in errors[:10]:
            print("  ", e)
        return 0 if not errors and not unfinished and len(latencies) == clients * calls else 1


if __name__ == "__main__":
    raise SystemExit(main())
