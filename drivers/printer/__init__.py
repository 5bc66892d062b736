"""Receipt printers (ESC/POS on python-escpos): the slip model (slip.py), printer
profiles, Chinese text that prints, and true paper/cover/cutter status."""
