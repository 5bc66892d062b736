"""证明打印's declaration: its steps, what it says at each, and that it leaves
the identify step's words (every service's) alone."""

from __future__ import annotations

from kiosk.flows.service import Step
from kiosk.services import by_key
from kiosk.services.certificate.flow import _SPOKEN_PROBLEMS, CertificateFlow, CertState
from kiosk.terminal.voice import instruction


def test_every_state_of_the_flow_has_a_step_and_a_line():
    service = by_key("certificate")
    assert service.steps == (Step.IDENTIFY, Step.CERTIFICATES, Step.CERTIFICATE_PREVIEW, Step.CERTIFICATE_PRINT)
    for state in CertState:
        if state in (CertState.CLOSED, CertState.IDENTIFY):
            continue
        step = CertificateFlow.STEP_OF[state]
        assert (step.value, state.value) in service.lines, state
    for state, problem in _SPOKEN_PROBLEMS:
        assert (CertificateFlow.STEP_OF[state].value, f"{state.value}_{problem}") in service.lines


def test_the_identify_step_keeps_its_own_words():
    assert instruction("identify") == "Please place your card on the reader"
    assert ("identify", "") not in by_key("certificate").lines


def test_the_table_reaches_every_state_and_only_known_ones():
    targets = {target for (_, _), target in CertificateFlow.TRANSITIONS.items()}
    assert targets == set(CertState)
