"""How long a 2D preset's event takes on screen at its own pace, through the API as a page would start it.

    python benchmarks/lesson_pace.py [--preset "Healthy: ring of 8 Gaussians"] [--seeds 0,1,2] [--coverage 1.0]

Starts ``python app.py``, then for each seed: ``/preset`` (the preset's own settings, its pace included),
``/start``, and ``/metrics`` every 0.5 s until the quality's coverage of the real data's regions reaches
``--coverage`` (the ring's 8 modes covered); prints the seconds from Start and the step. The issue's goal for
the ring: no sooner than 8 s and no later than 30 s after Start.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ui_helpers import api_client, app_process, preset_form


def one_seed(client, preset: str, seed: int, goal: float, limit_s: float) -> tuple[float | None, int]:
    """Seconds from Start until the coverage reaches ``goal`` (None: not within ``limit_s``), and that step."""
    values = preset_form(client, preset)
    values["seed"] = seed
    client.predict(*values.values(), api_name="/start")
    t0 = time.monotonic()
    step = 0
    while time.monotonic() - t0 < limit_s:
        m = client.predict(api_name="/metrics")
        step = int(m["step"])
        coverage = (m.get("quality") or {}).get("coverage")
        if coverage is not None and coverage >= goal:
            seconds = time.monotonic() - t0
            client.predict(api_name="/reset")
            return seconds, step
        time.sleep(0.5)
    client.predict(api_name="/reset")
    return None, step


def main() -> None:
    """Start the app and time the preset's event over the seeds."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="Healthy: ring of 8 Gaussians")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--coverage", type=float, default=1.0)
    p.add_argument("--limit", type=float, default=90.0, help="give up on a seed after this many seconds")
    args = p.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "?")
    print(f"{cpu}, {os.cpu_count()} cores; {datetime.date.today()}; commit {commit}; load {os.getloadavg()[0]:.1f}")
    with app_process() as (url, _proc):
        client = api_client(url)
        for seed in (int(s) for s in args.seeds.split(",")):
            seconds, step = one_seed(client, args.preset, seed, args.coverage, args.limit)
            when = f"{seconds:.1f} s after Start (step {step})" if seconds is not None else f"not by step {step}"
            print(f"{args.preset}, seed {seed}: coverage {args.coverage:.0%} {when}", flush=True)


if __name__ == "__main__":
    main()
