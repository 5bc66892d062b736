"""The A4 printer (文件打印机): a CUPS queue, spoken to over IPP (pycups)."""
