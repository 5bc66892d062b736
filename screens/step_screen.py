"""What every step's screen is: it presents steps by name and renders one view.

A screen module in ``screens/steps/`` defines a ``StepScreen`` subclass whose
``steps`` names the steps it presents; ``screens.steps.step_screens()`` finds
them, so adding a service's screen is adding its module and kv file there.
The app hands each screen the terminal's view of the current step
(``render``) and the machine that step's intents go to (``flow``); a screen
holds no routing and no rule, and forgets what it showed when the step is
left (``forget``): nothing of a resident outlives the step on screen.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.flows.service import Step


class StepScreen(Screen):
    steps: ClassVar[tuple[Step, ...]] = ()
    service_title = StringProperty("")
    # The machine this step's intents go to (kiosk.terminal.Terminal.presenter).
    flow = ObjectProperty(None, allownone=True, rebind=True)

    def show(self, title: str, step_view: Any, flow: Any) -> None:
        """The terminal's view changed while this screen presents the step."""
        self.service_title = title
        self.flow = flow
        self.render(step_view)

    def render(self, view: Any) -> None:
        """Show the step's view (masked already)."""

    def render_cards(self, identify: Any) -> None:
        """The identify flow's view (``TerminalView.identify``): a step that
        reads a card inside itself shows the cards' troubles from it (two
        cards on the readers, a card that could not be read)."""

    def forget(self) -> None:
        """The step was left: drop everything shown."""
        self.flow = None
