"""The choose-matter step shared by 自助办事 and 办事指南: categories, the
matters of one, and the pinyin search (``kiosk.filing.matters.MatterIndex``).

One small flow that both services own: the choose-matter screen renders its
``PickView`` and sends it ``pick_category``, ``search`` and ``choose``; the
owning flow hears the chosen matter through ``on_chosen`` and decides what
comes next (the conditions, or the guide).  A search query replaces the
category list while it is not empty; clearing it shows the category again.

States::

    closed ─open─▶ choosing ─choose─▶ chosen ─reopen (Back)─▶ choosing;  any ─close─▶ closed
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable

from kiosk.filing.catalog import Catalog, Matter
from kiosk.filing.matters import MatterIndex, MatterSummary
from kiosk.flows.machine import FlowMachine

CatalogSource = Callable[[], "Catalog | None"]


class PickState(enum.StrEnum):
    CLOSED = "closed"
    CHOOSING = "choosing"
    CHOSEN = "chosen"


@dataclass(frozen=True)
class PickView:
    """``matters``: the chosen category's matters, or the search results
    while ``query`` is not empty.  ``no_catalog``: the terminal has never
    received the catalog (new and offline): "ask the staff"."""

    state: PickState = PickState.CLOSED
    categories: tuple[str, ...] = ()       # the catalog's Chinese names: what ``pick_category`` takes
    categories_en: tuple[str, ...] = ()    # their English, in the same order ("" where missing)
    category: str = ""
    query: str = ""
    matters: tuple[MatterSummary, ...] = ()
    no_catalog: bool = False


class MatterChoice(FlowMachine[PickState, PickView]):
    """Intents: ``pick_category(name)``, ``search(text)``, ``choose(code)``."""

    TRANSITIONS = {
        **{(s, "open"): PickState.CHOOSING for s in PickState},
        (PickState.CHOOSING, "choose"): PickState.CHOSEN,
        (PickState.CHOSEN, "reopen"): PickState.CHOOSING,
        **{(s, "close"): PickState.CLOSED for s in PickState},
    }

    def __init__(self, catalog: CatalogSource, on_chosen: Callable[[Matter], None]):
        super().__init__(PickView())
        self.catalog, self.on_chosen = catalog, on_chosen
        self.index: MatterIndex | None = None

    def open(self) -> None:
        """The step opens (or Back returns to it): the catalog as it is now."""
        catalog = self.catalog()
        self.index = MatterIndex.of(catalog) if catalog is not None and catalog.matters else None
        if self.index is None:
            self._fire("open", categories=(), categories_en=(), category="", query="", matters=(), no_catalog=True)
            return
        categories = self.index.categories()
        first = categories[0] if categories else ""
        self._fire("open", categories=categories, categories_en=self.index.categories_en(), category=first, query="",
                   no_catalog=False,
                   matters=self.index.in_category(first))

    def reopen(self) -> None:
        """Back to the list the resident chose from (category or search kept)."""
        if not self._fire("reopen"):
            self.open()

    def close(self) -> None:
        self.index = None
        self._fire("close", categories=(), categories_en=(), category="", query="", matters=(), no_catalog=False)

    def pick_category(self, category: str) -> None:
        if self.state is PickState.CHOOSING and self.index is not None and category in self.view.categories:
            self._set(category=category, query="", matters=self.index.in_category(category))

    def search(self, query: str) -> None:
        if self.state is not PickState.CHOOSING or self.index is None:
            return
        query = query.strip()
        if not query:
            self._set(query="", matters=self.index.in_category(self.view.category))
        else:
            self._set(query=query, matters=self.index.search(query))

    def choose(self, code: str) -> bool:
        matter = self.index.catalog.matter(code) if self.index is not None else None
        if matter is None or not self._fire("choose"):
            return False
        self.on_chosen(matter)
        return True
