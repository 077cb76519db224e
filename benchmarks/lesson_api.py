"""A comparison preset through the app's API, over several seeds: does its lesson hold as a student sees it?

    python benchmarks/lesson_api.py [--preset "Compare: minimax vs non-saturating loss"] [--seeds 0,1,2,3,4,5]
                                    [--repeat 0] [--speed 0]

Starts ``python app.py`` on a free 127.0.0.1 port and, per seed, opens a gradio_client session: ``/preset``,
the seed (and ``--speed``, default 0: as fast as the machine goes, which changes how steps are grouped into
calls, not the run), ``/start``, then polls ``/metrics`` until both runs finished (and the monitor has measured
the last step). Prints each run's JS (bits)
and coverage from ``metrics.runs`` (the app's own measures, the ones its reading compares) and whether A ended
closer: JS(A) < JS(B) - 0.05. ``--repeat S`` trains seed S a second time and prints whether the numbers repeat.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ganlab.ui.train.live_view import QUALITY_EVERY_S
from tests.ui_helpers import app_process, preset_form

GAP = 0.05  # bits: A's JS must be this much below B's


def train(url: str, preset: str, seed: int, speed: float, limit_s: float = 900) -> list[dict]:
    """The preset with ``seed`` through the API, to its end; ``metrics.runs`` at the end."""
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False, download_files=False, ssl_verify=False)
    values = preset_form(client, preset)
    values.update(seed=seed, speed=speed)
    status = str(client.predict(*values.values(), api_name="/start"))
    if not status.startswith("Training"):
        raise RuntimeError(f"Start refused: {status[:200]}")
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        runs = client.predict(api_name="/metrics")["runs"]
        if runs and all(r["status"] in ("finished", "stopped", "diverged") for r in runs):
            time.sleep(QUALITY_EVERY_S + 0.5)  # the monitor measures every QUALITY_EVERY_S: one of the last step
            runs = client.predict(api_name="/metrics")["runs"]
            client.predict(api_name="/reset")
            return runs
        time.sleep(1.0)
    raise TimeoutError(f"seed {seed} did not finish in {limit_s:g} s")


def line(seed: int, runs: list[dict]) -> tuple[str, bool, tuple]:
    """One seed's printed line, whether A ended closer, and its numbers (to compare repeats)."""
    js = [r["quality"].get("js") for r in runs]
    cover = [r["quality"].get("coverage") for r in runs]
    held = js[0] is not None and js[1] is not None and js[0] < js[1] - GAP
    text = (f"seed {seed}: JS A {js[0]:.3f} / B {js[1]:.3f} bits, coverage {cover[0]:.2f} / {cover[1]:.2f}, "
            f"steps {runs[0]['step']} / {runs[1]['step']}: {'held' if held else 'NOT held'}")
    return text, held, tuple(js)


def main() -> None:
    """Print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="Compare: minimax vs non-saturating loss")
    p.add_argument("--seeds", default="0,1,2,3,4,5")
    p.add_argument("--repeat", type=int, default=0, help="train this seed twice (-1: none)")
    p.add_argument("--speed", type=float, default=0.0)
    p.add_argument("--settle", type=float, default=0.0, help="seconds to wait after the server answers "
                   "(its warm-up at launch trains a run in the background)")
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"{args.preset!r} through the API, seeds {seeds}, speed {args.speed:g}; "
          f"{time.strftime('%Y-%m-%d %H:%M')} UTC", flush=True)
    with app_process() as (url, _proc):
        time.sleep(args.settle)
        held, numbers = 0, {}
        for seed in seeds:
            text, ok, numbers[seed] = line(seed, train(url, args.preset, seed, args.speed))
            held += ok
            print(text, flush=True)
        print(f"held in {held} of {len(seeds)} seeds")
        if args.repeat >= 0:
            again = line(args.repeat, train(url, args.preset, args.repeat, args.speed))[2]
            first = numbers.get(args.repeat)
            print(f"seed {args.repeat} again: JS {again[0]:.4f} / {again[1]:.4f}"
                  + (f" ({'the same' if first == again else f'first time {first[0]:.4f} / {first[1]:.4f}'})"
                     if first else ""))


if __name__ == "__main__":
    main()
