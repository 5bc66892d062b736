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


@pytest.mark.parametrize("svc,include", [(s, i) for s in SERVICES for i in ({False, True} if s.optional else {False})],
                         ids=lambda v: v.key if hasattr(v, "key") else ("with optional steps" if v else "default"))
def test_every_step_forward_and_back_when_all_steps_can_be_shown(svc, include):
    session = Session()
    flow = VisitFlow(session, presentable=svc.steps)
    expected = svc.steps if include else tuple(s for s in svc.steps if s not in svc.optional)
    flow.choose(svc.key)
    for step in svc.optional:
        flow.include(step, include)  # a flow decides on its first step (the matter chosen)
    seen = [flow.view.step]
    while True:
        assert flow.view.total == len(expected) and session.service == svc.key
        assert flow.view.index == len(seen) - 1  # "step 2 of 5"
        flow.next()
        if flow.state is VisitState.HOME:
            break
        seen.append(flow.view.step)
    assert tuple(seen) == expected
    assert not session.active  # the last step ends the visit
    flow.choose(svc.key)
    assert flow.view.total == len(svc.steps) - len(svc.optional)  # a new visit starts without them
    for step in svc.optional:
        flow.include(step, include)
    for _ in expected[1:]:
        flow.next()
    back = [flow.view.step]
    while flow.state is VisitState.STEP:
        flow.back()
        if flow.state is VisitState.STEP:
            back.append(flow.view.step)
    assert tuple(reversed(back)) == expected and flow.state is VisitState.HOME and not session.active


def test_an_optional_step_is_taken_only_when_a_flow_asks_and_only_in_its_service():
    flow = VisitFlow(Session(), presentable={s for svc in SERVICES for s in svc.steps})
    flow.include(Step.FACE_CHECK)                  # at home: nothing to include it in
    flow.choose("health")
    flow.include(Step.FACE_CHECK)                  # not one of the health check's steps
    assert Step.FACE_CHECK not in flow.steps()
    flow.choose("approval")
    flow.include(Step.FACE_CHECK)
    assert flow.steps().index(Step.FACE_CHECK) == flow.steps().index(Step.IDENTIFY) + 1
    flow.include(Step.FACE_CHECK, False)           # another matter was chosen after all
    assert Step.FACE_CHECK not in flow.steps() and flow.view.total == len(flow.steps())


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


def test_the_social_security_card_is_accepted_by_the_service_or_for_filing_by_the_matter():
    from types import SimpleNamespace

    from kiosk.flows.services import accepts_social_security

    assert accepts_social_security("progress") and accepts_social_security("health")
    assert not accepts_social_security("request")
    assert not accepts_social_security("approval")                      # no matter chosen yet
    assert accepts_social_security("approval", SimpleNamespace(social_security_card=True))
    assert not accepts_social_security("approval", SimpleNamespace(social_security_card=False))
    with pytest.raises(ValueError, match="unknown service"):
        accepts_social_security("bank")
