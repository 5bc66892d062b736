"""Social security card read over pcscd + vpcd: one whole read (connect,
SELECT, 13 READ RECORDs, disconnect), with and without the vpcd link's
TCP_QUICKACK, in the same process against the same pcscd.

    .venv/bin/python bench/bench_smartcard.py [--runs 20]

vpcd writes each message's 2-byte length and its body in two send() calls;
with Nagle on its side and delayed ACKs on the card's, every APDU waited for
the ACK of its length.  The baseline is the link with QUICKACK switched off
(what the simulator did before), measured alternately with the fix so noise
from neighbours hits both.  A real reader has no such link: this is about
the tests' and the demo's speed, not the kiosk's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.smartcard import codec, pcsc  # noqa: E402
from drivers.smartcard.device import run_exchange  # noqa: E402
from simulators.smartcard import vpcd  # noqa: E402
from simulators.smartcard.cards import make_card  # noqa: E402
from simulators.smartcard.pcscd import Pcscd, wait_card  # noqa: E402

READER = "Virtual PCD 00 00"


def one_read(card_name: str, port: int) -> float:
    slot = vpcd.VpcdSlot(0, port=port)
    slot.insert(make_card(card_name))
    try:
        if not wait_card(READER, present=True):
            raise SystemExit("pcscd did not see the virtual card")
        context = pcsc.Context()
        try:
            started = time.perf_counter()
            card = context.connect(READER)
            try:
                run_exchange(codec.read_social_security(dt.date.today()), card)
            finally:
                card.disconnect()
            return time.perf_counter() - started
        finally:
            context.release()
    finally:
        slot.remove()
        wait_card(READER, present=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    daemon = Pcscd()
    daemon.start()
    quickack = vpcd.QUICKACK  # None is the link as it was before (no QUICKACK)
    try:
        results: dict[tuple[str, bool], list[float]] = {}
        for card_name in ("social_security", "social_security_chained"):
            for run in range(args.runs):
                for on in ((True, False) if run % 2 == 0 else (False, True)):
                    vpcd.QUICKACK = quickack if on else None
                    results.setdefault((card_name, on), []).append(one_read(card_name, daemon.vpcd_port))
        vpcd.QUICKACK = quickack
        print(f"{'card':26} {'QUICKACK (ms)':>14} {'without (ms)':>13} {'ratio':>7}")
        for card_name in ("social_security", "social_security_chained"):
            fast = statistics.median(results[(card_name, True)]) * 1000
            slow = statistics.median(results[(card_name, False)]) * 1000
            print(f"{card_name:26} {fast:14.1f} {slow:13.1f} {slow / fast:7.0f}")
    finally:
        vpcd.QUICKACK = quickack
        daemon.stop()


if __name__ == "__main__":
    main()
