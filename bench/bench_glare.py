"""The glare gate on both scene families: how often a clean page is refused
as 'glare' (the resident is told to tilt a page that needs nothing), and how
often a page with a reflection on it is caught, beside the earlier gates run
on the same pages in the same process.

    .venv/bin/python bench/bench_glare.py [--pages 60] [--seed 100]

Each page is rectified from its true outline (the gate is measured, not the
detector) to 100 dpi, as ``quality.assess`` does.  Pages: ``--pages`` seeds
from ``--seed`` of each family (classic: simulators/camera/scenes.py on the
dark tray; other: simulators/camera/scenes_other.py, every surface, a lamp),
once without and once with the family's own 'glare' condition.  The gate was
tuned on seeds 100-159 of both families; pass another --seed to see it on
pages it was not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from drivers.camera import quality  # noqa: E402
from drivers.camera.rectify import rectify  # noqa: E402
from simulators.camera.scenes import render_scene  # noqa: E402
from simulators.camera.scenes_other import render_other  # noqa: E402


def blown_blob(page: np.ndarray) -> float:
    """The first gate: the largest blob of pixels >= 250, wherever it is."""
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    blown = (grey >= 250).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(blown, connectivity=8)
    return 0.0 if count <= 1 else float(stats[1:, cv2.CC_STAT_AREA].max() / blown.size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--seed", type=int, default=100)
    args = parser.parse_args()
    families = {
        "classic": lambda seed, cond: render_scene(seed, "dark", (1280, 720), doc="a4", conditions=cond),
        "other": lambda seed, cond: render_other(seed, None, (1280, 720), doc="a4", conditions=cond),
    }
    print(f"{'family':8} {'pages':>5}  {'clean refused: blown blob / now':>32}  {'glare caught: blown blob / now':>31}")
    for family, render in families.items():
        rates = {}
        for cond in ((), ("glare",)):
            hits = np.zeros(2)
            for seed in range(args.seed, args.seed + args.pages):
                scene = render(seed, cond)
                page = rectify(scene.image, scene.corners, "auto", quality.MEASURE_DPI)
                hits += (blown_blob(page) > quality.GLARE_SHARE, quality.glare_share(page) > quality.GLARE_SHARE)
            rates[cond] = hits / args.pages
        clean, glare = rates[()], rates[("glare",)]
        print(f"{family:8} {args.pages:5}  {clean[0]:>24.2f} / {clean[1]:.2f}  {glare[0]:>23.2f} / {glare[1]:.2f}")


if __name__ == "__main__":
    main()
