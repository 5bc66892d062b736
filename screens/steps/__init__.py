"""The screens of the services' steps, one module and kv file each, found by their ``steps``."""

from __future__ import annotations

import importlib
import pkgutil

from kiosk.flows.service import Step
from screens.step_screen import StepScreen


def step_screens() -> dict[Step, type[StepScreen]]:
    """Every step a screen here presents -> the screen's class (imports the modules: their kv rules load)."""
    found: dict[Step, type[StepScreen]] = {}
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, StepScreen) and value.__module__ == module.__name__:
                for step in value.steps:
                    if step in found and found[step] is not value:
                        raise RuntimeError(f"two screens present step {step.value}: {found[step].__name__} and "
                                           f"{value.__name__}")
                    found[step] = value
    return found


def presentable() -> frozenset[Step]:
    """The steps the screens can present, without building them (for the terminal)."""
    return frozenset(step_screens())
