"""The kiosk layer's exception type.

A KioskError's message is written for the technician who reads it on a
terminal or in the journal: it says what is wrong and what to do.  The CLI
prints it on one line and exits 2; the UI shows residents its own friendly
text instead and logs this one.
"""


class KioskError(Exception):
    """Something the kiosk cannot do, explained for a technician."""

    exit_code = 2
