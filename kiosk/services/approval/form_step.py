"""The filing's form step: the matter's fields, pre-filled from the card.

What a field accepts is the catalog's rule (``kiosk.filing.form``); this step
holds the form in the session (``FORM``), hands the screen masked field views,
and says when the form is done.  A new form does not open covered in red:
problems show for the fields the resident touched, and for every field once
they pressed Continue with something missing.

States::

    closed ─open─▶ editing ─close─▶ closed
"""

from __future__ import annotations

from typing import Any, Callable

from kiosk.filing.catalog import Matter
from kiosk.filing.form import FilingForm
from kiosk.flows.machine import FlowMachine
from kiosk.flows.session import Session, Slot
from kiosk.services.approval.views import FormState, FormView

FORM: Slot[FilingForm] = Slot("approval.form")


class FormStep(FlowMachine[FormState, FormView]):
    """Intents: ``set_field(name, value) -> problem | None``, ``done() -> bool``."""

    TRANSITIONS = {
        **{(s, "open"): FormState.EDITING for s in FormState},
        **{(s, "close"): FormState.CLOSED for s in FormState},
    }

    def __init__(self, session: Session, on_done: Callable[[], None]):
        super().__init__(FormView())
        self.session, self.on_done = session, on_done
        self._show_problems = False

    @property
    def form(self) -> FilingForm | None:
        return self.session.get(FORM)

    def open(self, matter: Matter) -> None:
        """The step opens (after the card, or back from the papers): the form
        of this matter, what the card says filled in where the resident left it empty."""
        identity = self.session.identity
        form = self.form
        if form is None or form.matter is not matter:
            form = self.session.put(FORM, FilingForm(matter, identity))
        else:
            form.prefill(identity)
        self._show_problems = False
        self._fire("open", masked_name=identity.masked_name if identity else "",
                   masked_id=identity.masked_id if identity else "", **self._fields())

    def close(self, drop: bool = False) -> None:
        """The step is left (``drop``: the filing is over, the form goes too)."""
        if drop:
            self.session.pop(FORM)
        self._fire("close", masked_name="", masked_id="", fields=(), complete=False)

    def _fields(self) -> dict[str, Any]:
        form = self.form
        if form is None:
            return {"fields": (), "complete": False}
        return {"fields": form.views(self._show_problems), "complete": form.complete()}

    def set_field(self, name: str, value: Any) -> str | None:
        """The resident entered a value; its problem (Chinese / English) or None."""
        form = self.form
        if self.state is not FormState.EDITING or form is None:
            return None
        problem = form.set(name, value)
        self._set(**self._fields())
        return problem

    def done(self) -> bool:
        """Continue: on to the papers when nothing is wrong, else every problem is shown."""
        form = self.form
        if self.state is not FormState.EDITING or form is None:
            return False
        if not form.complete():
            self._show_problems = True
            self._set(**self._fields())
            return False
        self.on_done()
        return True
