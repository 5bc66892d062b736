"""Routing through a visit: the services' steps and the visit flow's table."""

from __future__ import annotations

import pytest

from kiosk.flows.identify import IdentifyFlow, IdentifyState
from kiosk.flows.services import SERVICES, Step
from kiosk.flows.session import Session
from kiosk.flows.visit import VisitFlow, VisitState


def test_identity_is_needed_exactly_by_the_services_with_an_identify_step():
    # Progress proves the right to look inside its own step (a card or the slip's QR code).
    assert {s.key for s in SERVICES if s.needs_identity} == {"approval", "health", "request"}
    assert {s.key for s in SERVICES} == {"approval", "health", "guide", "request", "progress"}


@pytest.mark.parametrize("svc", SERVICES, ids=[s.key for s in SERVICES])
def test_every_step_forward_and_back_when_all_steps_can_be_shown(svc):
    session = Session()
    flow = VisitFlow(session, presentable=svc.steps)
    flow.choose(svc.key)
    seen = [flow.view.step]
    while True:
        assert flow.view.total == len(svc.steps) and session.service == svc.key
        flow.next()
        if flow.state is VisitState.HOME:
            break
        seen.append(flow.view.step)
    assert tuple(seen) == svc.steps
    assert not session.active  # the last step ends the visit
    flow.choose(svc.key)
    for _ in svc.steps[1:]:
        flow.next()
    back = [flow.view.step]
    while flow.state is VisitState.STEP:
        flow.back()
        if flow.state is VisitState.STEP:
            back.append(flow.view.step)
    assert tuple(reversed(back)) == svc.steps and flow.state is VisitState.HOME and not session.active


def test_a_service_that_cannot_be_shown_is_being_prepared_and_asks_for_no_card():
    session = Session()
    flow = VisitFlow(session, presentable={Step.IDENTIFY})
    assert flow.choose("approval").state is VisitState.PREPARING
    assert flow.view.step == "" and session.resident is None
    # The demo opens the identify step of a service; Continue goes on to what
    # follows, which cannot be shown yet: "being prepared", not a dead screen.
    flow.choose("request", at_step=Step.IDENTIFY)
    assert flow.view.step == Step.IDENTIFY and flow.view.index == 0
    flow.next()
    assert flow.state is VisitState.PREPARING and flow.view.title == "Requests"
    flow.back()
    assert flow.state is VisitState.HOME


def test_the_tables_have_no_transition_into_an_unknown_state_and_every_state_is_reachable():
    for machine, states in ((VisitFlow, VisitState), (IdentifyFlow, IdentifyState)):
        table = machine.table()
        assert {target for _, _, target in table} <= set(states)
        assert {target for _, _, target in table} == set(states), machine.__name__


def test_identify_flow_refuses_transitions_its_table_does_not_have():
    flow = IdentifyFlow(Session())
    assert not flow.can("confirm") and flow.confirm() is False and flow.state is IdentifyState.CLOSED
    flow.start()
    assert flow.state is IdentifyState.READER_UNAVAILABLE  # no reader has reported in
    assert not flow.can("card_present")
