"""The browsing screens (choose matter, conditions, guide, progress) and the
steps they present; ``app.py`` merges ``STEPS`` into ``STEP_SCREENS`` and
calls ``add_browse_screens(app)``, as it does for the filing screens."""

from __future__ import annotations

from typing import Any

from kiosk.flows.services import Step

STEPS: dict[str, str] = {Step.CHOOSE_MATTER: "choose_matter", Step.CONDITIONS: "conditions",
                         Step.GUIDE: "guide", Step.PROGRESS: "progress"}


def add_browse_screens(app: Any) -> dict[str, Any]:
    """Build the browsing screens, add them to ``app.sm``; by step name."""
    import screens.widgets.letter_keyboard  # noqa: F401  (kv rules)
    import screens.widgets.matter_details  # noqa: F401  (kv rules)
    from screens.choose_matter import ChooseMatterScreen
    from screens.conditions import ConditionsScreen
    from screens.guide import GuideScreen
    from screens.progress import ProgressScreen

    made = {Step.CHOOSE_MATTER: ChooseMatterScreen(name="choose_matter"),
            Step.CONDITIONS: ConditionsScreen(name="conditions"),
            Step.GUIDE: GuideScreen(name="guide"),
            Step.PROGRESS: ProgressScreen(name="progress")}
    for screen in made.values():
        app.sm.add_widget(screen)
    return made
