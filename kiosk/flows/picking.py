"""The choose-matter step shared by 自助办事 and 办事指南: categories, the
matters of one, and the pinyin search (``kiosk.filing.matters.MatterIndex``).

Browsing is not a state machine of its own: it is a value (``PickView``)
inside the approval and guide views, changed by the same three intents on
either flow (``pick_category``, ``search``, ``choose``).  A search query
replaces the category list while it is not empty; clearing it shows the
category again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from kiosk.filing.catalog import Catalog
from kiosk.filing.matters import MatterIndex, MatterSummary

CatalogSource = Callable[[], "Catalog | None"]


@dataclass(frozen=True)
class PickView:
    """``matters``: the chosen category's matters, or the search results
    while ``query`` is not empty.  ``no_catalog``: the terminal has never
    received the catalog (new and offline): "ask the staff"."""

    categories: tuple[str, ...] = ()
    category: str = ""
    query: str = ""
    matters: tuple[MatterSummary, ...] = ()
    no_catalog: bool = False


class Picker:
    """Browsing state over one catalog (taken when the step opens)."""

    def __init__(self, source: CatalogSource):
        self.source = source
        self.index: MatterIndex | None = None

    def open(self) -> PickView:
        catalog = self.source()
        self.index = MatterIndex.of(catalog) if catalog is not None and catalog.matters else None
        if self.index is None:
            return PickView(no_catalog=True)
        categories = self.index.categories()
        first = categories[0] if categories else ""
        return PickView(categories=categories, category=first, matters=self.index.in_category(first))

    def pick_category(self, view: PickView, category: str) -> PickView:
        if self.index is None or category not in view.categories:
            return view
        return replace(view, category=category, query="", matters=self.index.in_category(category))

    def search(self, view: PickView, query: str) -> PickView:
        if self.index is None:
            return view
        query = query.strip()
        if not query:
            return replace(view, query="", matters=self.index.in_category(view.category))
        return replace(view, query=query, matters=self.index.search(query))

    def matter(self, code: str):
        """The catalog's matter ``code`` (None when unknown)."""
        return self.index.catalog.matter(code) if self.index is not None else None
