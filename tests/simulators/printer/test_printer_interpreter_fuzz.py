"""Whatever bytes arrive, the interpreter and the paper renderer keep going
(a printer never crashes on garbage; it prints garbage)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.printer.interpret import EscPosInterpreter
from drivers.printer.paper import slips_from_bytes

COMMANDS = [b"\x1b@", b"\x1ba\x01", b"\x1bE\x01", b"\x1d!\x11", b"\x1c&", b"\x1c.", b"\n", b"\x1dV\x00",
            b"\x1dV\x42\x03", b"\x10\x04\x04", b"\x1d(k\x03\x001C\x04", b"\x1d(k\x05\x001P0ab", b"\x1d(k\x03\x001Q0",
            b"\x1dkI\x04{BAB", b"\x1dv0\x00\x01\x00\x02\x00\xff\x0f", "受理".encode("gb18030"), b"\xe5\x8f", b"abc"]


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(COMMANDS), st.binary(max_size=12)), max_size=30).map(b"".join))
def test_any_stream_is_interpreted_and_drawn(data):
    for encoding in ("gb18030", "big5", "utf-8"):
        interp = EscPosInterpreter(encoding)
        interp.feed(data)
        interp.flush()
    for slip in slips_from_bytes(data, "gbk", True, 384):
        slip.transcript()
        image = slip.render()
        assert image.width == 384
