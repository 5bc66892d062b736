"""Logging to stdout for journald, with personal data masked in every record.

Under systemd (JOURNAL_STREAM is set) each line starts with a syslog priority
prefix such as ``<4>`` so journald keeps the level; elsewhere lines carry a
time stamp for a technician's terminal.
"""

from __future__ import annotations

import logging
import os
import sys

from kiosk.privacy import RedactingFilter, install_redacting_record_factory

_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class _JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{_PRIORITY.get(record.levelno, 6)}>"
        text = super().format(record)
        return "\n".join(prefix + line for line in text.splitlines())


class _KioskHandler(logging.StreamHandler):
    """Ours, so a second ``configure`` replaces it and leaves others' handlers alone."""


def configure(level: str | int = "INFO", stream=None) -> logging.Handler:
    """Install one stdout handler on the root logger with the redacting filter."""
    install_redacting_record_factory()
    stream = stream if stream is not None else sys.stdout
    handler = _KioskHandler(stream)
    if os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(_JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, _KioskHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    return handler
