"""The app's screens are built when first needed (screens/shelf.py): once, under every step name they present."""

import pytest

from screens.shelf import ScreenShelf


class Screen:
    def __init__(self, name):
        self.name = name


def test_a_step_screen_is_built_when_first_asked_for_once_and_kept_under_every_name():
    added, made, told = [], [], []
    shelf = ScreenShelf(added.append)
    shelf.put(Screen("home"))
    shelf.offer(("submit", "done"), lambda: made.append(1) or Screen("done"))
    shelf.when_built(told.append)
    assert "submit" in shelf and "done" in shelf and "papers" not in shelf
    assert [s.name for s in shelf.built()] == ["home"] and made == []   # offered, not built
    done = shelf["submit"]
    assert done.name == "done" and shelf["done"] is done and shelf.get("submit") is done
    assert made == [1] and told == [done] and [s.name for s in added] == ["home", "done"]
    assert [s.name for s in shelf.built()] == ["home", "done"]


def test_an_unknown_name_is_no_screen():
    shelf = ScreenShelf(lambda screen: None)
    shelf.put(Screen("home"))
    assert shelf.get("nowhere", shelf["home"]).name == "home"
    with pytest.raises(KeyError):
        shelf["nowhere"]


def test_the_rest_are_built_one_at_a_time_until_none_is_left():
    shelf = ScreenShelf(lambda screen: None)
    shelf.offer(("submit", "done"), lambda: Screen("done"))
    shelf.offer(("papers",), lambda: Screen("papers"))
    assert shelf.pending() == 2
    assert shelf.build_next() and shelf.pending() == 1
    assert shelf.build_next() and shelf.pending() == 0
    assert not shelf.build_next()
    assert sorted(s.name for s in shelf.built()) == ["done", "papers"]
