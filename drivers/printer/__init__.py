"""Receipt printers (ESC/POS on python-escpos): the slip model, printer
profiles, Chinese text that prints, and true paper/cover/cutter status."""
