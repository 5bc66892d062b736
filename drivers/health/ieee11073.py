"""IEEE 11073-20601 SFLOAT-Type and FLOAT-Type, as the Bluetooth SIG health
characteristics carry them (little-endian).

Hand-written: the format is eight lines, and the one PyPI package that
decodes it (bluetooth-sig 0.6.0) got it wrong (SFLOAT 0x0078 as 1.2e-06
instead of 120).  Special values come back as :class:`Special`, never as a
number: a blood-pressure monitor that sends NaN has no reading.

SFLOAT: 16 bits, a 4-bit signed exponent (base 10) over a 12-bit signed
mantissa.  FLOAT: 32 bits, an 8-bit signed exponent over a 24-bit signed
mantissa.  The special values are defined with exponent 0:

    ============  =======  ==========
    meaning       SFLOAT   FLOAT
    NaN           0x07FF   0x007FFFFF
    NRes          0x0800   0x00800000
    +INFINITY     0x07FE   0x007FFFFE
    -INFINITY     0x0802   0x00800002
    reserved      0x0801   0x00800001
    ============  =======  ==========
"""

from __future__ import annotations

from drivers.health.records import Special

Number = float | Special

_SFLOAT_SPECIALS = {0x07FF: Special.NAN, 0x0800: Special.NRES, 0x07FE: Special.POSITIVE_INFINITY,
                    0x0802: Special.NEGATIVE_INFINITY, 0x0801: Special.RESERVED}
_FLOAT_SPECIALS = {0x007FFFFF: Special.NAN, 0x00800000: Special.NRES, 0x007FFFFE: Special.POSITIVE_INFINITY,
                   0x00800002: Special.NEGATIVE_INFINITY, 0x00800001: Special.RESERVED}


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def _scaled(mantissa: int, exponent: int) -> float:
    # round() to the exponent's decimals keeps 0.1-steps exact in decimal
    # terms (367 * 10**-1 is 36.7, not 36.699999999999996).
    if exponent >= 0:
        return float(mantissa * 10 ** exponent)
    return round(mantissa * 10.0 ** exponent, -exponent)


def sfloat(raw: int) -> Number:
    """One SFLOAT from its 16-bit value."""
    if not 0 <= raw <= 0xFFFF:
        raise ValueError("an SFLOAT is 16 bits")
    if raw in _SFLOAT_SPECIALS:
        return _SFLOAT_SPECIALS[raw]
    return _scaled(_signed(raw & 0x0FFF, 12), _signed(raw >> 12, 4))


def float32(raw: int) -> Number:
    """One FLOAT from its 32-bit value."""
    if not 0 <= raw <= 0xFFFFFFFF:
        raise ValueError("a FLOAT is 32 bits")
    if raw in _FLOAT_SPECIALS:
        return _FLOAT_SPECIALS[raw]
    return _scaled(_signed(raw & 0xFFFFFF, 24), _signed(raw >> 24, 8))
