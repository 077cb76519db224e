"""Find, check and ship named latent directions for a generator (issue #28).

Candidates: the model's GANSpace PCA directions (as the Playground computes them) and the difference
of projected real pictures: the mean projected z of the 8 test images of one class highest on a
measure minus that of the 8 lowest (thick 7s − thin 7s; right-leaning 1s − left-leaning 1s; wide 0s −
narrow 0s). Each candidate is checked on 100 seeds: the measure of the picture must grow at every
step of the amounts -2, -1, 0, 1, 2 (the share of seeds where it does is the figure recorded), and
the shipped classifier must read the same class at every step (recorded too). The best candidate
per measure is kept when it passes ``--min-share`` and written to ``<checkpoint>/directions.json``.

    python scripts/find_directions.py --checkpoint cgan-mnist
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganlab.data import mnist_like
from ganlab.evaluate.quality import classifier_for, load_classifier
from ganlab.explore import named_directions as nd
from ganlab.explore.playground import Playground
from ganlab.explore.project import load_projector
from ganlab.images import to_uint8, to_unit_range
from ganlab.sampling import latents

AMOUNTS = (-2.0, -1.0, 0.0, 1.0, 2.0)
# measure -> (class whose extremes are projected, name of the shipped direction)
PAIRS = {"ink area": (7, "thickness"), "slant": (1, "slant"), "width": (0, "width")}


def projected_difference(projector, test, measure: str, cls: int, per_side: int) -> nd.NamedDirection:
    """Mean projected z of the class's ``per_side`` highest test images on the measure minus the lowest."""
    pics = to_uint8(test.x[test.y == cls][:400])
    order = np.argsort(nd.MEASURES[measure](pics))
    low, high = pics[order[:per_side]], pics[order[-per_side:]]
    z = {side: np.mean([projector(p, label=cls if projector.layout.discrete else None).z for p in group], 0)
         for side, group in (("low", low), ("high", high))}
    return nd.from_difference(z["low"], z["high"], PAIRS[measure][1],
                              f"{per_side} projected test {cls}s lowest → highest on {measure}")


def check(pg, loaded, clf, direction: nd.NamedDirection, measure: str, seeds: int) -> dict:
    """The direction's figures on ``seeds`` seeds: monotonic share, mean change, class kept."""
    z = latents(seeds, loaded.latent_dim, seed=2026)
    labels = np.random.default_rng(2026).integers(0, 10, seeds) if loaded.conditional else None

    def render(path_z: np.ndarray) -> np.ndarray:
        lab = None if labels is None else np.repeat(labels, len(AMOUNTS))
        return pg._run(loaded, path_z, lab)

    share, change = nd.monotonic_share(nd.MEASURES[measure], render, z, direction, AMOUNTS)
    pics = render(nd.apply(z, direction, AMOUNTS).reshape(-1, loaded.latent_dim))
    read = clf.predict(to_unit_range(pics)).reshape(seeds, len(AMOUNTS)) if clf else None
    kept = None if read is None else float((read == read[:, [AMOUNTS.index(0.0)]]).all(1).mean())
    return {"measure": measure, "claim": f"{measure} grows at every step of amounts {list(AMOUNTS)}",
            "monotonic_share": round(share, 3), "seeds": seeds, "mean_change": round(change, 3),
            "class_kept_share": None if kept is None else round(kept, 3)}


def candidates(pg, loaded, projector, test, measure: str, per_side: int) -> list[nd.NamedDirection]:
    """PCA directions (both signs) and the projected difference for one measure."""
    dirs = pg.directions(loaded)
    out = []
    for i in range(len(dirs.vectors)):
        for sign in (1, -1):
            d = nd.from_pca(sign * dirs.vectors, i, PAIRS[measure][1], float(dirs.explained[i]))
            d.source += "" if sign > 0 else " (reversed)"
            out.append(d)
    if test is not None:
        out.append(projected_difference(projector, test, measure, PAIRS[measure][0], per_side))
    return out


def main() -> None:
    """Find the directions, print every candidate's figures, write the file."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default="cgan-mnist")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--per-side", type=int, default=8)
    ap.add_argument("--min-share", type=float, default=0.9)
    ap.add_argument("--dry-run", action="store_true", help="print, do not write directions.json")
    args = ap.parse_args()
    pg = Playground()
    loaded = pg.load(args.checkpoint)
    dataset = loaded.card.get("dataset")
    clf_name = classifier_for(str(dataset))
    clf = load_classifier(clf_name) if clf_name else None
    test = mnist_like(dataset, "test") if dataset in ("mnist", "fashion") else None
    projector = load_projector(args.checkpoint)
    start, kept = time.perf_counter(), []
    for measure in PAIRS:
        scored = [(check(pg, loaded, clf, d, measure, args.seeds), d)
                  for d in candidates(pg, loaded, projector, test, measure, args.per_side)]
        for figures, d in scored:
            print(f"{measure:8s} {figures['monotonic_share']:.2f} monotonic, class kept "
                  f"{figures['class_kept_share']}, Δ {figures['mean_change']:+.2f}  {d.source}")
        figures, best = max(scored, key=lambda s: (s[0]["monotonic_share"], s[0]["class_kept_share"] or 0))
        if figures["monotonic_share"] >= args.min_share:
            best.check = {**figures, "measured": dt.date.today().isoformat(),
                          "command": f"python scripts/find_directions.py --checkpoint {args.checkpoint}"}
            kept.append(best)
    print(f"{len(kept)} directions kept in {time.perf_counter() - start:.0f} s")
    for d in kept:
        print(json.dumps({k: v for k, v in d.as_dict().items() if k != "vector"}))
    if kept and not args.dry_run:
        out = loaded.path / nd.FILE
        out.write_text(nd.to_json(kept, loaded.path.name, loaded.latent_dim), encoding="utf-8")
        print(f"wrote {out} ({out.stat().st_size / 1024:.1f} KB)")


if __name__ == "__main__":
    main()
