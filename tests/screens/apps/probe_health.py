"""健康自测 in the virtual hut, touched like a resident: the ID card, the
consent, every item on the hut's simulated devices (the blood pressure
monitor with a cuff fault first, then two readings; the scale; the waist on
the keypad; the thermometer; the oximeter; the glucometer after "fasting"),
the results with their scales, the slip; then a visit without identifying
(nothing sent), and an identified visit whose card is taken away mid-visit
(the values cleared).

The hut runs the reference platform, the ID card reader, the printer and the
five health devices on ptys; the outbox worker runs beside the app as on a
terminal.  The minute between blood pressure readings is cut to eight seconds.
"""

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from layout_check import measure  # noqa: E402 - after the sys.path line above
from probe_common import Until, frames, labels_of, laid_out, run, tap  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from simulators.demo.script import screenshot  # noqa: E402 - after the sys.path line above

DEVICES = ["idcard", "printer", "platform", "bp", "scale", "thermometer", "oximeter", "glucometer"]


def picture(name):
    yield frames(3, "the screen drawn")
    screenshot(Path(sys.argv[2]).parent / f"{name}.png")


def texts(widget):
    return [lab.text for lab in labels_of(widget) if lab.text]


def script(hut):
    def walk(app, facts):
        from kivy.core.window import Window

        from screens import theme

        def problems(screen):
            return measure([screen], tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET, theme.MIN_GAP)

        terminal, home = app.terminal, app.screens["home"]
        flow = terminal.flow("health")
        yield Until(lambda: terminal.identify.view.reader_available, "the reader to come online", 20)
        yield Until(lambda: (terminal.refresh_availability(), app.availability.health_devices >= 5)[1],
                    "the five health devices", 30)

        def state():
            return flow.view.state.value

        def measure_step():
            return app.screens["measure"]

        def press(name):
            screen = app.sm.current_screen
            tap(screen.ids[name])

        # -- who: the card, then the consent -----------------------------------------------------
        tap(home.tiles["health"])
        yield Until(lambda: app.sm.current == "consent", "the health visit's first step")
        yield laid_out()
        start = app.screens["consent"]
        facts["who_texts"] = texts(start)
        facts["who_problems"] = problems(start)
        yield from picture("health-who")
        hut.control("idcard", "place_card", card="resident")
        yield Until(lambda: state() == "consent", "the consent after the card", 20)
        yield laid_out()
        facts["consent_texts"] = texts(start)
        facts["consent_problems"] = problems(start)
        yield from picture("health-consent")
        tap(start.ids.agree)
        yield Until(lambda: app.sm.current == "health_items", "the items")
        yield laid_out()
        items = app.screens["health_items"]
        # the five devices of the virtual hut open on their own threads: "all" takes what is ready
        try:
            yield Until(lambda: sum(o.available for o in flow.view.offers) == 6, "the six items offered", 30)
        except TimeoutError as exc:   # which item, and what its device was doing
            offered = [(o.key, o.available, o.reason, o.device) for o in flow.view.offers]
            statuses = {name: r.as_dict() for name, r in app.terminal.owner.records().items()}
            raise TimeoutError(f"{exc}: offers {offered}, devices {statuses}") from None
        yield laid_out()
        tap(items.ids.all_items)
        yield Until(lambda: len(flow.view.chosen) == 6, "every item chosen")
        yield laid_out()
        facts["items_texts"] = texts(items)
        facts["items_problems"] = problems(items)
        yield from picture("health-items")
        tap(items.ids.start)

        # -- blood pressure: the rest offered, a fault, a retry, two readings ---------------------------
        yield Until(lambda: state() == "rest", "the rest offered")
        yield laid_out()
        screen = measure_step()
        facts["rest_problems"] = problems(screen)
        yield from picture("health-bp-rest")
        press("secondary")                                    # 直接测量
        yield Until(lambda: state() == "guide", "the guide")
        yield laid_out()
        facts["guide_headline"] = screen.ids.headline.ids.first.text
        facts["guide_problems"] = problems(screen)
        yield from picture("health-bp-guide")
        hut.control("bp", "fault", kind="movement")
        press("primary")                                      # 开始测量
        yield Until(lambda: state() == "measuring", "measuring")
        yield Until(lambda: flow.view.prompt_zh.startswith("袖带充气"), "the cuff inflating", 10)
        yield laid_out()
        yield from picture("health-bp-measuring")
        facts["measuring_prompt"] = screen.ids.prompt.text
        yield Until(lambda: state() == "failed", "the fault", 20)
        yield laid_out()
        facts["fault_prompt"] = screen.ids.prompt.text
        facts["fault_problems"] = problems(screen)
        yield from picture("health-bp-fault")
        hut.control("bp", "reading", systolic=146, diastolic=92, pulse=76)
        press("primary")                                      # 再测一次
        yield Until(lambda: state() == "interval", "the minute between readings", 30)
        yield laid_out()
        facts["interval_problems"] = problems(screen)
        facts["meanwhile"] = list(flow.view.meanwhile)
        yield from picture("health-bp-interval")
        # the cuff stays on: the temperature in the minute between readings
        hut.control("thermometer", "reading", temperature=36.6)
        press("primary")                                      # 趁这一分钟先测体温
        yield Until(lambda: state() == "guide" and flow.view.current == "temperature", "the thermometer meanwhile")
        yield laid_out()
        facts["paused_line"] = screen.ids.paused_line.ids.first.text
        press("primary")
        yield Until(lambda: state() == "item_done", "the temperature", 30)
        yield laid_out()
        press("primary")                                      # back to blood pressure
        hut.control("bp", "reading", systolic=150, diastolic=94, pulse=78)
        yield Until(lambda: state() == "guide" and flow.view.current == "blood_pressure",
                    "the second reading's guide", 20)
        yield laid_out()
        facts["second_reading_line"] = screen.ids.reading_line.text
        press("primary")
        yield Until(lambda: state() == "item_done", "blood pressure done", 30)
        yield laid_out()
        facts["bp_values"] = screen.ids.value_lines.text
        facts["bp_done_problems"] = problems(screen)
        yield from picture("health-bp-done")
        press("primary")                                      # 下一项

        # -- the scale: stand on it ------------------------------------------------------------------------
        yield Until(lambda: state() == "guide" and flow.view.current == "height_weight", "the scale's guide")
        yield laid_out()
        yield from picture("health-scale-guide")
        press("primary")
        yield Until(lambda: state() == "measuring", "measuring")
        hut.control("scale", "reading", weight=63.5, height=165.0)
        yield Until(lambda: state() == "item_done", "weighed", 30)
        hut.control("scale", "step_off")
        yield laid_out()
        facts["scale_values"] = screen.ids.value_lines.text
        press("primary")

        # -- the waist: where the tape goes, then the number typed on the keypad ----------------------------
        yield Until(lambda: state() == "guide" and flow.view.current == "waist", "the tape's picture")
        yield laid_out()
        yield from picture("health-waist-guide")
        press("primary")                                      # 输入读数
        yield Until(lambda: state() == "waist", "the waist")
        yield laid_out()
        keypad = screen.ids.keypad
        for key in ("key8", "key6"):
            tap(keypad.ids[key])
        yield Until(lambda: flow.view.entry == "86", "86 typed")
        yield laid_out()
        facts["waist_entry"] = screen.ids.entry.text
        facts["waist_problems"] = problems(screen)
        yield from picture("health-waist")
        press("primary")                                      # 确定
        yield Until(lambda: state() == "item_done", "the waist kept")
        yield laid_out()
        press("primary")

        # -- the oximeter (the temperature was taken in blood pressure's minute) ----------------------------------
        yield Until(lambda: state() == "guide" and flow.view.current == "spo2", "the oximeter")
        hut.control("oximeter", "reading", spo2=97, pulse=74)
        yield laid_out()
        yield from picture("health-oximeter-guide")
        press("primary")
        yield Until(lambda: state() == "item_done", "the oxygen", 40)
        yield laid_out()
        press("primary")

        # -- glucose: when did you last eat? ------------------------------------------------------------------
        yield Until(lambda: state() == "context", "the glucose question")
        yield laid_out()
        facts["context_problems"] = problems(screen)
        yield from picture("health-glucose-question")
        tap(screen.ids.fasting)
        yield Until(lambda: state() == "guide", "the strip's guide")
        hut.control("glucometer", "reading", glucose=6.4)
        yield laid_out()
        press("primary")
        yield Until(lambda: state() == "item_done", "the glucose", 40)
        yield laid_out()
        facts["last_primary"] = screen.ids.primary.text
        press("primary")                                      # 查看结果

        # -- the results, the slip ------------------------------------------------------------------------------
        yield Until(lambda: app.sm.current == "result" and flow.view.record in ("sent", "queued"), "the results", 20)
        yield Until(lambda: flow.view.history not in ("", "loading"), "the history", 20)
        yield laid_out()
        result = app.screens["result"]
        facts["result_texts"] = texts(result)
        facts["result_problems"] = problems(result)
        facts["record"] = flow.view.record
        yield from picture("health-results")
        tap(result.ids.print_slip)
        # read when it is so (the next frame may already be another view: a loaded machine's card poll)
        try:
            yield Until(lambda: facts.update(slip=flow.view.slip) or facts["slip"] in ("printed", "failed"),
                        "the slip", 20)
        except TimeoutError as exc:   # what the screen and the printer were doing
            button = result.ids.print_slip
            printers = {n: r.as_dict() for n, r in app.terminal.owner.records().items() if "print" in n}
            raise TimeoutError(f"{exc}: slip {flow.view.slip!r}, screen {app.sm.current}, button "
                               f"{button.text!r} at {button.to_window(*button.pos)} size {tuple(button.size)} "
                               f"disabled {button.disabled}, printers {printers}") from None
        tap(result.ids.done)
        yield Until(lambda: app.sm.current == "home", "home")
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card taken", 10)

        # -- without identifying: nothing is sent --------------------------------------------------------------
        tap(home.tiles["health"])
        yield Until(lambda: app.sm.current == "consent", "the first step")
        yield laid_out()
        tap(start.ids.anonymous)
        yield Until(lambda: app.sm.current == "health_items", "the items")
        yield laid_out()
        toggles = {t.key: t for t in items.ids.item_grid.children}
        tap(toggles["spo2"])
        yield Until(lambda: flow.view.chosen == ("spo2",), "blood oxygen chosen")
        yield laid_out()
        tap(items.ids.start)
        yield Until(lambda: state() == "guide", "the oximeter")
        hut.control("oximeter", "reading", spo2=87, pulse=104)
        yield laid_out()
        press("primary")
        yield Until(lambda: state() == "item_done", "the oxygen", 40)
        yield laid_out()
        press("primary")
        yield Until(lambda: app.sm.current == "result", "the results")
        yield laid_out()
        facts["anonymous_record"] = flow.view.record
        facts["anonymous_urgent"] = flow.view.urgent
        facts["anonymous_headline"] = result.ids.headline.ids.first.text
        facts["anonymous_problems"] = problems(result)
        yield from picture("health-urgent")
        tap(result.ids.done)
        yield Until(lambda: app.sm.current == "home", "home")

        # -- the card taken away mid-visit: the values cleared --------------------------------------------------
        tap(home.tiles["health"])
        yield Until(lambda: app.sm.current == "consent", "the first step")
        hut.control("idcard", "place_card", card="resident")
        yield Until(lambda: state() == "consent", "the consent", 20)
        yield laid_out()
        tap(start.ids.agree)
        yield Until(lambda: app.sm.current == "health_items", "the items")
        yield laid_out()
        toggles = {t.key: t for t in items.ids.item_grid.children}
        tap(toggles["temperature"])
        yield Until(lambda: flow.view.chosen == ("temperature",), "temperature chosen")
        yield laid_out()
        tap(items.ids.start)
        yield Until(lambda: state() == "guide", "the thermometer")
        yield laid_out()
        press("primary")
        yield Until(lambda: state() == "item_done", "the temperature", 30)
        hut.control("idcard", "remove_card")
        yield Until(lambda: state() == "wiped", "the values cleared", 10)
        yield laid_out()
        facts["wiped_screen"] = app.sm.current
        facts["wiped_headline"] = result.ids.headline.ids.first.text
        facts["wiped_texts"] = texts(result)
        yield from picture("health-wiped")
        tap(result.ids.done)
        yield Until(lambda: app.sm.current == "home", "home")
        facts["platform_records"] = hut["platform"].server.store.stats()["health_records"]
    return walk


def main() -> None:
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    with hut_module.Hut(workdir, only=DEVICES) as hut:
        with open(hut.config_path, "a", encoding="utf-8") as fh:
            fh.write("\n[health]\ninterval_seconds = 8\n")
        sys.argv[1:3] = [str(hut.config_path), out]
        from kiosk.config import load
        from kiosk.outbox.worker import OutboxWorker

        worker = OutboxWorker.from_settings(load(hut.config_path), base_delay=0.05, idle_poll=0.05)
        thread = threading.Thread(target=worker.run, name="outbox-worker", daemon=True)
        thread.start()   # what `kiosk sim` runs beside the app
        try:
            run(script(hut))
        finally:
            worker.stopping.set()
            thread.join(5)


if __name__ == "__main__":
    main()
