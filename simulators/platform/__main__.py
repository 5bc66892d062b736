"""`python -m simulators.platform --db PATH --port N` (same as `kiosk platform serve`, on loopback)."""

import argparse
from pathlib import Path

from simulators.platform.server import serve

parser = argparse.ArgumentParser(prog="python -m simulators.platform")
parser.add_argument("--db", type=Path, required=True)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8765)
args = parser.parse_args()
serve(args.db, args.host, args.port)
