"""Browser test of teacher mode (#27): a teacher and two students in three Chromium contexts. The
teacher signs in and shows their run; a student sees it live on the Class tab and copies its settings;
the other student's run appears on the teacher's wall. Saves the class view and the wall. The view comes
from the page's long-poll of /class/frame (not a Gradio stream)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
playwright = pytest.importorskip("playwright.sync_api")

SHOTS = Path(os.environ.get("GANLAB_SCREENSHOTS", "screenshots"))
PASSWORD = "browser-teacher"


def _src(page, elem_id: str) -> str | None:
    img = page.locator(f"#{elem_id} img")
    return img.first.get_attribute("src") if img.count() else None


def _start(page, steps: str) -> None:
    page.get_by_role("tab", name="Train", exact=True).click()
    page.get_by_label("Stop after (steps)").fill(steps)
    page.get_by_role("button", name="▶ Start").click()
    wait_for(lambda: _src(page, "train-view"), timeout=120, what="the Train tab's 2D view")


def test_teacher_shows_a_run_students_watch_and_the_wall(tmp_path):
    from ganlab.server.classroom import Classroom

    with running_app(tmp_path, classroom=Classroom(PASSWORD)) as (url, _store), playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        teacher, watcher, other = (browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                                   for _ in range(3))
        for page in (teacher, watcher, other):
            page.goto(url)
        # the teacher signs in on the Class tab and shows their own run
        teacher.get_by_role("tab", name="Class", exact=True).click()
        teacher.get_by_text("Teacher", exact=True).click()
        teacher.get_by_label("Teacher's password").fill("not it")
        teacher.get_by_role("button", name="Sign in").click()
        wait_for(lambda: "Wrong teacher password" in teacher.locator("body").inner_text(), timeout=30)
        # the toast comes before the answer, which empties the password box: wait for that too, so it
        # cannot empty the right password typed next
        wait_for(lambda: teacher.get_by_label("Teacher's password").input_value() == "", timeout=30)
        teacher.get_by_label("Teacher's password").fill(PASSWORD)
        teacher.get_by_role("button", name="Sign in").click()
        wait_for(lambda: teacher.get_by_role("button", name="Show my run to the class").is_visible(), timeout=30)
        teacher.get_by_role("button", name="Show my run to the class").click()
        _start(teacher, "777777")
        # a student watches it, read-only, and copies its settings; the page long-polls /class/frame
        polls: list[str] = []
        watcher.on("request", lambda r: polls.append(r.url) if "/class/frame" in r.url else None)
        watcher.get_by_role("tab", name="Class", exact=True).click()
        status = watcher.locator("#class-status")
        wait_for(lambda: "the teacher's run" in status.inner_text() and _src(watcher, "class-view"), timeout=60)
        first = _src(watcher, "class-view")
        wait_for(lambda: _src(watcher, "class-view") != first, timeout=60, what="the class view to update")
        assert polls and all("after=" in p for p in polls)  # the view comes from /class/frame, not a stream
        assert "/class/picture/" in _src(watcher, "class-view")
        assert not watcher.get_by_role("button", name="Show my run to the class").is_visible()
        assert "777777" in watcher.locator("#class-status").inner_text()
        watcher.get_by_role("button", name="Copy the teacher's settings into my Train tab").click()
        watcher.get_by_role("tab", name="Train", exact=True).click()
        steps_box = watcher.get_by_label("Stop after (steps)")
        wait_for(lambda: steps_box.input_value() == "777777", timeout=30, what="the copied step count")
        watcher.get_by_role("tab", name="Class", exact=True).click()
        # the other student trains; the run appears on the teacher's wall
        _start(other, "888888")
        teacher.get_by_role("tab", name="Class", exact=True).click()
        tiles = teacher.locator("#class-wall img")
        wait_for(
            lambda: tiles.count() >= 1 and tiles.first.is_visible(), timeout=60, what="a thumbnail on the wall"
        )
        table = teacher.locator("#class-wall-table")
        wait_for(lambda: "vanilla · ring" in table.inner_text(), timeout=30, what="the run in the wall table")
        SHOTS.mkdir(parents=True, exist_ok=True)
        wait_for(lambda: _src(watcher, "class-curves"), timeout=30)
        watcher.screenshot(path=str(SHOTS / "class_view.png"), full_page=True)
        wait_for(lambda: _src(teacher, "class-view") and _src(teacher, "class-curves"), timeout=30,
                 what="the teacher's own Class tab to draw the shown run")
        teacher.locator("#class-wall").scroll_into_view_if_needed()
        teacher.screenshot(path=str(SHOTS / "wall.png"), full_page=True)
        browser.close()
