"""Projection and nearest-neighbour figures for a shipped generator (issue #28), and the reference file.

    python benchmarks/projection.py --checkpoint cgan-mnist [--images 40] [--write]

Projects ``--images`` held-out real test images (never trained on; the class searched, as the app
does) and reports the wall and CPU time per projection, the pixel / feature distances reached (median
and 90th percentile), the largest patch of their difference maps (median, 90th percentile, largest),
the range of the training images' ink share, and the share of those real images the verdict calls
close. These are the honest yardsticks for "can G draw this?": the same procedure on pictures of the
kind G was meant to draw. ``--write`` stores them beside the model
(``projection.json``), where ``explore.project_verdict`` reads them for its verdict. Then the nearest-neighbour
index of the model's dataset: build time, size, and the time per query on 50 of G's samples.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from ganlab.checkpoints import resolve
from ganlab.data import mnist_like
from ganlab.explore.nearest import build_index
from ganlab.explore.project import load_projector
from ganlab.explore.project_verdict import REFERENCE_FILE, Reference, ink_share, patches
from ganlab.images import to_uint8
from ganlab.sampling import Sampler


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (else the platform's)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def stats(values: list[float], largest: bool = False) -> list[float]:
    """[median, 90th percentile] (and the largest) rounded."""
    out = [float(np.median(values)), float(np.percentile(values, 90))] + ([float(np.max(values))] if largest else [])
    return [round(v, 4) for v in out]


def close_share(projections: list, fig: dict) -> float:
    """The share of the real test images that the verdict, read against ``fig``, calls close."""
    ref = Reference(tuple(fig["pixel"][:2]), tuple(fig["feature"][:2]) if fig.get("feature") else None,
                    fig["images"], fig["patch"][-1], tuple(fig["ink_share"]))
    for p in projections:
        p.reference = ref
    return round(float(np.mean([p.verdict().startswith("G can draw this") for p in projections])), 3)


def ink_range(dataset: str) -> list[float]:
    """[0.1th, 99.9th] percentile of the training images' ink share: what a real picture's ink covers."""
    train = to_uint8(mnist_like(dataset, "train").x)
    return [round(float(np.percentile([ink_share(x) for x in train], q)), 4) for q in (0.1, 99.9)]


def project_test_images(name: str, count: int) -> dict:
    """Time and distances of projecting ``count`` held-out test images."""
    projector = load_projector(name)
    dataset = json.loads((resolve(name) / "card.json").read_text())["dataset"]
    test = mnist_like(dataset, "test")
    pics = to_uint8(test.x[-count:])  # the last test images: not those the index's reference uses
    projector(pics[0])  # compile (traced once per batch size)
    walls, cpus, pixel, feature, hits, patch, found = [], [], [], [], [], [], []
    for pic, y in zip(pics, test.y[-count:]):
        c0 = time.process_time()
        p = projector(pic)
        cpus.append(time.process_time() - c0)
        walls.append(p.seconds)
        pixel.append(p.pixel_distance)
        feature.append(p.feature_distance)
        hits.append(p.label == y)
        found.append(p)
        patch.append(max(int(m.sum()) for m in patches(p.target, p.image)))
    out = {"images": count, "split": f"{dataset} test set, last {count} images", "pixel": stats(pixel),
           "patch": stats(patch, largest=True), "ink_share": ink_range(dataset),
           "wall_seconds": stats(walls), "cpu_seconds": stats(cpus), "restarts": p.restarts, "steps": p.steps}
    if feature[0] is not None:
        out["feature"] = stats(feature)
    if projector.layout.discrete == "label":  # an InfoGAN's categories are not the digits' labels
        out["class_found_share"] = round(float(np.mean(hits)), 3)
    out["verdict_close_share"] = close_share(found, out)
    return out


def nearest_figures(name: str) -> dict:
    """Index build time and size, query times on G's own samples."""
    card = json.loads((resolve(name) / "card.json").read_text())
    t0 = time.perf_counter()
    index = build_index(card["dataset"])
    built = time.perf_counter() - t0
    projector = load_projector(name)
    samples = to_uint8(Sampler(projector.gan).sample(50, seed=7))
    samples = samples[..., 0] if samples.ndim == 4 else samples
    index.query(samples[0])
    times, cpu = [], []
    for sample in samples:
        c0 = time.process_time()
        times.append(index.query(sample).seconds * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {"build_seconds": round(built, 1), "size_mb": round(index.nbytes / 2**20, 1),
            "query_ms": stats(times), "max_query_ms": round(max(times), 1), "query_cpu_ms": stats(cpu),
            "load_average": round(os.getloadavg()[0], 1), "reference": index.reference}


def main() -> None:
    """Print the figures; with --write store the projection reference beside the model."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default="cgan-mnist")
    ap.add_argument("--images", type=int, default=40)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--skip-nearest", action="store_true")
    ap.add_argument("--nearest-only", action="store_true", help="only the nearest-neighbour figures")
    args = ap.parse_args()
    if args.nearest_only:
        print(json.dumps(nearest_figures(args.checkpoint), indent=1))
        return
    machine = f"{cpu_model()}, {os.cpu_count()} cores"
    print(f"{args.checkpoint} on {machine}; load average before: {os.getloadavg()[0]:.1f}")
    fig = project_test_images(args.checkpoint, args.images)
    fig.update({"machine": machine, "load_average": round(os.getloadavg()[0], 1),
                "measured": dt.date.today().isoformat(),
                "command": f"python benchmarks/projection.py --checkpoint {args.checkpoint} --write"})
    print(json.dumps(fig, indent=1))
    if args.write:
        out = resolve(args.checkpoint) / REFERENCE_FILE
        out.write_text(json.dumps(fig, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    if not args.skip_nearest:
        print(json.dumps(nearest_figures(args.checkpoint), indent=1))


if __name__ == "__main__":
    main()
