"""The terminal's links to the platform side: the outbox it files into and the
catalog it lists matters from.

The app never talks to the platform in the background itself (the outbox
worker does); it only reads the catalog the client cached, refreshed once at
start on a thread, so an unreachable platform never delays the home screen.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from kiosk.config import Settings
from kiosk.errors import KioskError

log = logging.getLogger(__name__)


def open_outbox(settings: Settings) -> Any:
    """The outbox the filings go into; None (logged) when it cannot be opened,
    and the filing steps then ask the resident to see the staff."""
    from kiosk.outbox.store import Outbox

    try:
        return Outbox.from_settings(settings)
    except (OSError, ValueError, KioskError) as exc:
        log.error("outbox cannot be opened (%s): filing is not possible on this terminal", exc)
        return None


class CatalogCache:
    """The client's cached catalog, parsed once per refresh (not on every step
    that lists matters); ``refresh_in_background`` asks the platform for a
    newer one on a thread and, through ``post``, has the next read parse it."""

    def __init__(self, client: Any, post: Callable[[Callable[[], Any]], None]):
        self.client, self.post = client, post
        self._parsed: Any = None

    def current(self) -> Any:
        if self._parsed is None:
            self._parsed = self.client.cached_catalog()
        return self._parsed

    def refresh_in_background(self) -> None:
        threading.Thread(target=self._refresh, name="catalog", daemon=True).start()

    def _refresh(self) -> None:
        from kiosk.central.client import CentralError

        try:
            self.client.catalog()
        except (CentralError, KioskError, OSError) as exc:
            log.warning("catalog not refreshed (%s); using the cached copy", type(exc).__name__)
            return
        self.post(self._forget)

    def _forget(self) -> None:
        self._parsed = None
