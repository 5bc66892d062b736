"""Receipt printers (ESC/POS on python-escpos): the slip model (slip.py), printer
profiles, Chinese text that prints, and true paper/cover/cutter status."""

from .capabilities_cache import use_private_cache

use_private_cache()   # before python-escpos is imported (by encode.py): its parsed database, kept
