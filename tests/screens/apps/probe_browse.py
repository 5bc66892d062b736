"""办事指南 and 进度查询 in the virtual hut, touched like a resident.

The hut runs the reference platform (catalog, progress queries), the
printer (the guide's slip) and the ID card reader (the progress proof).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from layout_check import measure  # noqa: E402 - after the sys.path line above
from probe_common import Until, labels_of, laid_out, press_switch, run, tap  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above

# espeak-ng writes each utterance here instead of playing it (no sound card on a test machine).
VOICE_WAV = Path(sys.argv[2]).parent / "voice.wav"


def key(keyboard, letter):
    return next(k for k in keyboard.children if getattr(k, "text", "") == letter)


def voice_done(app):
    """Wait until the voice has done what it was asked so far (it speaks on
    one worker thread, in order) and the utterance it started, if any, has
    ended (espeak-ng has then written its WAV file)."""
    voice = app.terminal.voice
    current = voice._worker.submit(lambda: voice.speaker._current)
    yield Until(current.done, "the voice's worker to catch up", 10)
    process = current.result()
    if process is not None:
        yield Until(lambda: process.poll() is not None, "the utterance to end", 20)


def script(hut):
    def walk(app, facts):
        from kivy.core.window import Window

        from screens import theme

        def problems(screen):
            return measure([screen], tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET, theme.MIN_GAP)

        terminal, home = app.terminal, app.screens["home"]
        guide_flow, progress_flow = terminal.flow("guide"), terminal.flow("progress")
        yield Until(lambda: terminal.identify.view.reader_available, "the reader to come online", 20)
        yield Until(lambda: terminal.catalog() is not None, "the catalog from the platform", 20)

        # -- 办事指南: category, then the pinyin initials, then print --------------------
        VOICE_WAV.unlink(missing_ok=True)
        tap(home.tiles["guide"])
        yield Until(lambda: app.sm.current != "home", "the guide's first screen")
        facts["spoken_on_choose"] = terminal.last_spoken
        try:
            yield Until(lambda: VOICE_WAV.exists() and VOICE_WAV.stat().st_size > 1000, "the instruction spoken", 10)
            facts["voice_wav_bytes"] = VOICE_WAV.stat().st_size
        except TimeoutError:
            facts["voice_wav_bytes"] = 0
        choose = app.screens["choose_matter"]
        facts["guide_first_screen"] = app.sm.current
        facts["guide_needs_no_card"] = terminal.session.identity is None and not terminal.identify.view.masked_name \
            and terminal.identify.state.value == "closed"
        categories = list(reversed(choose.ids.categories.children))
        facts["categories"] = [b.text for b in categories]
        tap(categories[1])
        yield Until(lambda: guide_flow.choice.view.category != facts["categories"][0], "another category")
        facts["category_chosen"] = guide_flow.choice.view.category
        for letter in "dbsq":
            tap(key(choose.ids.keyboard, letter))
        yield Until(lambda: guide_flow.choice.view.query == "dbsq", "the search for what was typed")
        facts["query"] = guide_flow.choice.view.query
        results = list(reversed(choose.ids.matters.children))
        facts["results"] = [b.text.splitlines()[0] for b in results]
        tap(results[0])   # in a scroll view: Kivy releases the touch 0.2 s later (a tap, not a scroll)
        yield Until(lambda: app.sm.current != "choose_matter", "the guide of the matter")
        yield laid_out()
        guide = app.screens["guide"]
        facts["guide_screen"] = app.sm.current
        facts["guide_matter"] = guide.ids.matter_name.text
        facts["guide_texts"] = " ".join(lab.text for lab in labels_of(guide))
        facts["guide_problems"] = problems(guide)
        facts["guide_step"] = guide.ids.frame.ids.step.text
        # The voice switch on the frame: off, and the next step stays silent.
        yield from press_switch(guide.ids.frame, "voice")
        yield Until(lambda: not app.voice_on, "the voice switched off")
        facts["voice_on_after_tap"] = app.voice_on
        facts["voice_button_words"] = guide.ids.frame.ids.voice.text.splitlines()[0]
        yield from voice_done(app)   # what was said before the switch has been said
        VOICE_WAV.unlink(missing_ok=True)
        tap(guide.ids.print_button)
        yield Until(lambda: guide_flow.view.printing in ("printed", "failed"), "the guide to be printed", 20)
        facts["guide_printing"] = guide_flow.view.printing
        facts["printed_words"] = guide.ids.print_state.ids.first.text
        try:  # the printer simulator draws the slip on its own thread
            yield Until(lambda: hut.control("printer", "jobs").get("jobs"), "the slip on the printer's paper", 10)
        except TimeoutError:
            pass
        facts["printer_jobs"] = len(hut.control("printer", "jobs").get("jobs", []))
        spoken = terminal.last_spoken
        tap(guide.ids.frame.ids.back)
        yield Until(lambda: app.sm.current != "guide", "the screen before the guide")
        facts["after_back"] = app.sm.current
        facts["line_after_back"] = terminal.last_spoken != spoken   # the step's line was due (and not said aloud)
        yield from voice_done(app)
        facts["wav_while_voice_off"] = VOICE_WAV.exists()
        yield from press_switch(choose.ids.frame, "voice")  # on again for the progress part
        yield Until(lambda: app.voice_on, "the voice switched on")
        tap(choose.ids.frame.ids.home)
        yield Until(lambda: app.sm.current != "choose_matter", "the home screen")
        facts["after_home"] = app.sm.current

        # -- 进度查询: the ID card proves who asks ------------------------------------------
        tap(home.tiles["progress"])
        yield Until(lambda: app.sm.current != "home", "the progress step")
        progress = app.screens["progress"]
        facts["progress_screen"] = app.sm.current
        facts["progress_waiting"] = progress.ids.headline.ids.first.text
        facts["progress_items_before_card"] = len(progress.ids.item_list.children)
        hut.control("idcard", "place_card", card="resident")
        yield Until(lambda: progress_flow.view.state.value in ("results", "nothing_found", "unavailable"),
                    "the platform's answer", 20)
        facts["progress_state"] = progress_flow.view.state.value
        facts["progress_proof"] = progress_flow.view.proof
        facts["progress_headline"] = progress.ids.headline.ids.first.text
        facts["progress_problems"] = problems(progress)
        facts["spoken"] = terminal.last_spoken

        # The platform down: "try again" once it is back.
        tap(progress.ids.frame.ids.home)
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
        hut.control("platform", "down")
        tap(home.tiles["progress"])
        yield Until(lambda: app.sm.current == "progress", "the progress step")
        hut.control("idcard", "place_card", card="resident")
        yield Until(lambda: progress_flow.view.state.value == "unavailable", "the unreachable platform", 30)
        facts["down_headline"] = progress.ids.headline.ids.first.text
        facts["retry_shown"] = progress.ids.retry.opacity == 1 and not progress.ids.retry.disabled
        hut.control("platform", "up")
        tap(progress.ids.retry)
        yield Until(lambda: progress_flow.view.state.value in ("results", "nothing_found"), "the retried answer", 30)
        facts["after_retry"] = progress_flow.view.state.value
        tap(progress.ids.frame.ids.home)
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
        facts["session_after_home"] = terminal.session.active
    return walk


def main() -> None:
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    with hut_module.Hut(workdir, only=["idcard", "printer", "platform"]) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        from kiosk.terminal.voice import Speaker

        run(script(hut), speaker=Speaker(extra_args=["-w", str(VOICE_WAV)]))


if __name__ == "__main__":
    main()
