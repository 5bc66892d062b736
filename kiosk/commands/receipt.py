"""``kiosk receipt render|preview``: a slip's ESC/POS bytes, or its picture,
without a printer.

A technician checks a template or a new printer profile on a laptop: render
writes the exact bytes the driver would send (to ``cat`` into a printer or
diff), preview draws them as the paper would look.
"""

from __future__ import annotations

import argparse
import json
import sys
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
    from drivers.printer.slip import Slip

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

            data = job.get("data", {})
            if not isinstance(data, dict):
                raise ValueError('"data" must be a JSON object with the slip\'s fields')
            return slips.build(str(job["slip"]), data, job.get("language", "both"))
        slip = Slip.from_job(_masked(job))
    except ValueError as exc:
        raise KioskError(f"{path}: {exc}") from None
    for key in Slip.extra_job_keys(job):  # after the errors: a bad job gets one line, not two
        print(f"kiosk: {path}: key {key!r} is not printed (a job has {', '.join(Slip.JOB_KEYS)})",
              file=sys.stderr)
    return slip


def _masked(job):
    """The job with every ID and mobile number in its text masked, as on
    every slip (first 6 and last 4 digits of an ID): a JOB.json written by
    hand or by another tool may carry the whole number.  Wrong types are
    left for ``Slip.from_job`` to name."""
    from kiosk.privacy import redact

    def mask(value):
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    if not isinstance(job, dict):
        return job
    return {k: (mask(v) if k in ("title", "rows", "lines") else v) for k, v in job.items()}


def _profile(args: argparse.Namespace):
    from drivers.printer.profiles import resolve

    options = {"profile": args.profile}
    if args.encoding:
        options["encoding"] = args.encoding
    return resolve(options)


def _encode(path: str, slip, profile) -> bytes:
    from drivers.printer.encode import encode

    try:
        return encode(slip, profile).data
    except ValueError as exc:  # data the printer cannot take, e.g. a barcode value
        raise KioskError(f"{path}: {exc}") from None


def _write(path: str, write) -> None:
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write(out)
    except OSError as exc:
        raise KioskError(f"{out}: cannot be written ({exc.strerror or exc})") from None


def cmd_render(args: argparse.Namespace) -> int:
    slip = _load_job(args.job)
    profile = _profile(args)
    data = _encode(args.job, slip, profile)
    _write(args.out, lambda out: out.write_bytes(data))
    print(f"wrote {args.out}: {len(data)} bytes of ESC/POS for {profile.name} "
          f"({profile.paper_mm} mm, {profile.encoding}{', Chinese as image' if profile.image_fallback else ''})")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from drivers.printer.paper import slips_from_bytes

    slip = _load_job(args.job)
    profile = _profile(args)
    data = _encode(args.job, slip, profile)
    # Read the bytes back the way the simulated printer for this profile does.
    pages = slips_from_bytes(data, profile.encoding, not profile.image_fallback, profile.dots)
    if not pages:
        raise KioskError(f"{args.job}: the job prints nothing")
    image = pages[0].render()
    _write(args.out, lambda out: image.save(out, format="PNG"))
    print(f"wrote {args.out}: {image.width}x{image.height} dots ({profile.name})")
    return 0
