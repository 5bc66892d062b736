"""Boot the app full screen and look at the home screen the way a resident would."""

from probe_common import Until, alpha_pixels, frames, labels_of, laid_out, press_switch, run, tap


def clipped(screen):
    """Labels whose rendered text is wider than the label: cut-off words."""
    return [lab.text for lab in labels_of(screen)
            if lab.text and lab.opacity > 0 and lab.texture_size[0] > lab.width + 1]


def script(app, facts):
    from kivy.core.text import Label as CoreLabel
    from kivy.core.window import Window

    from screens import fonts

    home, preparing = app.screens["home"], app.screens["preparing"]
    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    yield laid_out()  # the tiles' texts drawn into their textures
    facts["screen"] = app.sm.current
    facts["window_size"] = list(Window.size)
    facts["fullscreen"] = Window.fullscreen
    facts["show_cursor"] = bool(Window.show_cursor)
    facts["registered_font"] = fonts.registered_default_font()
    facts["cjk_font"] = str(fonts.find_cjk_font())

    tile = home.tiles["approval"]
    first = tile.ids.first
    facts["tile_text"] = first.text
    facts["tile_second"] = tile.ids.second.text
    facts["tile_font_file"] = first._label.options["font_name_r"]
    facts["tile_text_pixels"] = alpha_pixels(first.texture)
    facts["tile_texture_size"] = list(first.texture_size)
    facts["tile_size"] = [tile.width, tile.height]
    facts["tile_labels"] = {k: t.ids.first.text for k, t in home.tiles.items()}
    facts["clipped_zh"] = clipped(home)

    # Tofu boxes all look alike: two different Chinese words must render
    # differently with the default font, and identically with Roboto (which
    # proves the comparison can tell).
    def render(text, font=None):
        label = CoreLabel(text=text, font_size=48, **({"font_name": font} if font else {}))
        label.refresh()
        return bytes(label.texture.pixels)

    facts["glyphs_differ_default_font"] = render("自助办事") != render("健康自测")
    facts["glyphs_differ_roboto"] = render("自助办事", "data/fonts/Roboto-Regular.ttf") != \
        render("健康自测", "data/fonts/Roboto-Regular.ttf")

    # The language switch, touched like a resident would.
    yield from press_switch(home.ids.frame, "language")  # names English while Chinese is shown
    yield Until(lambda: app.lang != "zh_CN", "the language to change")
    yield laid_out()  # the English words drawn, for the clipping check
    facts["lang_after_en_tap"] = app.lang
    facts["tile_labels_en"] = {k: t.ids.first.text for k, t in home.tiles.items()}
    facts["tile_second_en"] = tile.ids.second.text
    facts["prompt_en"] = home.ids.prompt.ids.first.text
    facts["clipped_en"] = clipped(home)
    yield from press_switch(home.ids.frame, "language")  # now names 中文
    yield Until(lambda: app.lang != "en", "the language to change back")
    facts["lang_after_zh_tap"] = app.lang
    facts["prompt_zh"] = home.ids.prompt.ids.first.text

    # Escape (a keyboard left on the kiosk) must not end the app.
    Window.dispatch("on_key_down", 27, 41, None, [])
    Window.dispatch("on_keyboard", 27, 41, None, [])
    yield frames(5, "the main loop going on after Escape")  # a stop would have ended it
    facts["alive_after_escape"] = True

    # A tile whose flow is not built yet leads to the honest message.  Every service has its
    # screens now: this terminal is one without the request screens (an update half done).
    from kiosk.flows.service import Step

    presentable = app.terminal.presentable
    app.terminal.presentable = presentable - {Step.REQUEST_TYPE}
    try:
        tap(home.tiles["request"])
    finally:
        app.terminal.presentable = presentable
    yield Until(lambda: app.sm.current != "home", "a screen after the tile")
    yield laid_out()
    facts["after_request_tap"] = app.sm.current
    facts["preparing_message"] = preparing.ids.message.ids.first.text
    facts["preparing_title"] = preparing.service_title
    facts["clipped_preparing"] = clipped(preparing)
    tap(preparing.ids.back)
    yield Until(lambda: app.sm.current != "preparing", "a screen after Back")
    facts["after_back_tap"] = app.sm.current

    # Left untouched at home, the kiosk builds the steps' screens it has not shown yet, so
    # the next resident finds them built (screens/shelf.py).
    facts["screens_left_before_idle"] = app.screens.pending()
    yield Until(lambda: app.screens.pending() == 0, "the screens built while home stands idle", 60)
    facts["screens_left_after_idle"] = app.screens.pending()
    facts["screens_in_manager"] = len(app.sm.screen_names)


if __name__ == "__main__":
    run(script)
