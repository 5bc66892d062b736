"""Run the demo walk-through in a real virtual hut (with the ID card simulator)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from kiosk.config import load  # noqa: E402 - after the sys.path line above

IDCARD = "simulators.idcard.sam:IdCardSimulator"


def main() -> int:
    workdir, out = Path(sys.argv[1]), Path(sys.argv[2])
    if IDCARD not in hut_module.SIMULATORS:  # the card step needs the reader
        hut_module.SIMULATORS.append(IDCARD)
    with hut_module.Hut(workdir) as hut:
        settings = load(hut.config_path)
        if "printer" in settings.devices:  # a real slip for the demo to collect
            from kiosk.devices.registry import build_device

            with build_device(settings, "printer") as printer:
                (out / "selftest.txt").parent.mkdir(parents=True, exist_ok=True)
                (out / "selftest.txt").write_text(printer.check_health("external"))
        from simulators.demo.walkthrough import main as demo_main

        rc = demo_main(settings, hut.control_url, out)
        (out / "hut.json").write_text(json.dumps(sorted(hut.simulators)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
