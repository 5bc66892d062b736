"""``kiosk receipt render|preview``: a slip's ESC/POS bytes, or its picture,
without a printer.

A technician checks a template or a new printer profile on a laptop: render
writes the exact bytes the driver would send (to ``cat`` into a printer or
diff), preview draws them as the paper would look.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.errors import KioskError


def register(sub: argparse._SubParsersAction) -> None:
    from drivers.printer.profiles import BUILTIN, DEFAULT_PROFILE

    p = sub.add_parser("receipt", help="turn a slip (JOB.json) into ESC/POS bytes or a preview picture")
    actions = p.add_subparsers(dest="receipt_command", metavar="ACTION", required=True)
    job_help = ('JSON: {"title": str, "rows": [[label, value], ...], "lines": [str, ...], "qr": str or null}, '
                'or {"slip": "application_receipt", "data": {...}, "language": "both|zh|en"}')
    for name, func, what in (("render", cmd_render, "write the ESC/POS bytes of a job"),
                             ("preview", cmd_preview, "draw a job as the printed slip (PNG)")):
        a = actions.add_parser(name, help=what)
        a.add_argument("job", metavar="JOB.json", help=job_help)
        a.add_argument("--out", required=True, help="output file (.bin for render, .png for preview)")
        a.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(BUILTIN),
                       help=f"printer profile (default {DEFAULT_PROFILE})")
        a.add_argument("--encoding", default=None, choices=["gb18030", "gbk", "big5", "utf-8"],
                       help="override the profile's text encoding")
        a.set_defaults(func=func)


def _load_job(path: str):
    from drivers.printer.receipt import Receipt

    try:
        job = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KioskError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KioskError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise KioskError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    try:
        if isinstance(job, dict) and "slip" in job:
            from kiosk import slips

            return slips.build(str(job["slip"]), job.get("data") or {}, job.get("language", "both"))
        return Receipt.from_job(job)
    except ValueError as exc:
        raise KioskError(f"{path}: {exc}") from None


def _profile(args: argparse.Namespace):
    from drivers.printer.profiles import resolve

    options = {"profile": args.profile}
    if args.encoding:
        options["encoding"] = args.encoding
    return resolve(options)


def _write(path: str, write) -> None:
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write(out)
    except OSError as exc:
        raise KioskError(f"{out}: cannot be written ({exc.strerror or exc})") from None


def cmd_render(args: argparse.Namespace) -> int:
    from drivers.printer.encode import encode

    receipt = _load_job(args.job)
    profile = _profile(args)
    data = encode(receipt, profile).data
    _write(args.out, lambda out: out.write_bytes(data))
    print(f"wrote {args.out}: {len(data)} bytes of ESC/POS for {profile.name} "
          f"({profile.paper_mm} mm, {profile.encoding}{', Chinese as image' if profile.image_fallback else ''})")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from drivers.printer.encode import encode
    from drivers.printer.paper import slips_from_bytes

    receipt = _load_job(args.job)
    profile = _profile(args)
    data = encode(receipt, profile).data
    # Read the bytes back the way the simulated printer for this profile does.
    pages = slips_from_bytes(data, profile.encoding, not profile.image_fallback, profile.dots)
    if not pages:
        raise KioskError(f"{args.job}: the job prints nothing")
    image = pages[0].render()
    _write(args.out, lambda out: image.save(out, format="PNG"))
    print(f"wrote {args.out}: {image.width}x{image.height} dots ({profile.name})")
    return 0
