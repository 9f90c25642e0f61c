"""The dashboard page in a real headless browser (Debian's Chromium, driven by selenium):
rendered, screenshot taken (a non-blank PNG), and the numbers read off the page equal the
figures.  Without a browser the test skips, unless REGISTER_TEST_REQUIRE_BROWSER=1 (set by
scripts/test.sh, so CI never skips it)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from register.reports.dashboard import render_dashboard
from register.reports.figures import build_figures
from tests.cli_helpers import run_cli

CHROMIUM = os.environ.get("REGISTER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("REGISTER_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")


def _need_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.access(p, os.X_OK)
                                                           or shutil.which(p))]
    if not missing:
        return
    message = f"no headless browser: {', '.join(missing)} missing (apt-get install chromium " \
              "chromium-driver)"
    if os.environ.get("REGISTER_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def browser() -> Iterator[Any]:
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,2400"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _png_pixels(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and the inflated image data of a PNG (its IDAT chunks)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_dashboard_renders_in_chromium_with_the_figures(
        built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    from register import Register

    out = tmp_path / "board.html"
    run = run_cli(capsys, "--db", str(built), "report", "dashboard", str(out))
    assert run.code == 0, run.err
    html = out.read_text(encoding="utf-8")
    # self-contained: nothing to fetch (no external script, style, font or image)
    assert not re.search(r"<(script|link|img|iframe)\b|@import|url\(|src=", html)
    assert "<svg" in html
    with Register.open(built) as reg:
        figures = build_figures(reg)
    fig = figures.to_dict()
    assert html == render_dashboard(figures)  # the page is the figures, nothing else

    browser.get(out.as_uri())
    assert browser.title == "Dataset rights register: board dashboard"

    def shown(key: str) -> str:
        found = browser.find_elements(By.CSS_SELECTOR, f'[data-figure="{key}"]')
        assert len(found) == 1, key
        assert found[0].is_displayed(), key
        return str(found[0].text)

    assert shown("on") == fig["on"]
    for key in ("models", "models_provenance_passed", "datasets", "review_queue"):
        assert int(shown(key)) == fig[key], key
    assert int(shown("datasets_license_issues_count")) == len(fig["datasets_license_issues"])
    assert int(shown("models_license_issues_count")) == len(fig["models_license_issues"])
    assert int(shown("retention_due_count")) == len(fig["retention_due"]) == 1
    for group in ("review_by_age", "review_by_reason"):
        for label, n in fig[group].items():
            assert int(shown(f"{group}.{label}")) == n, (group, label)
    for use, counts in fig["verdicts"].items():
        for verdict, n in counts.items():
            assert int(shown(f"verdicts.{use}.{verdict}")) == n, (use, verdict)
    listed = [e.text for e in browser.find_elements(
        By.CSS_SELECTOR, '[data-figure="datasets_license_issues.item"]')]
    assert listed == fig["datasets_license_issues"]
    due = [e.text for e in browser.find_elements(
        By.CSS_SELECTOR, '[data-figure="retention_due.item"]')]
    assert due == [r["id"] for r in fig["retention_due"]]
    charts = browser.find_elements(By.CSS_SELECTOR, "svg")
    assert len(charts) == 3 and all(c.size["height"] > 0 for c in charts)

    png = browser.get_screenshot_as_png()
    (Path(os.environ.get("REGISTER_TEST_SCREENSHOT_DIR", tmp_path)) / "board.png").write_bytes(png)
    width, height, pixels = _png_pixels(png)
    assert width >= 800 and height >= 600
    assert len(set(pixels)) > 16  # not a blank page: text, bars, several colours


def test_a_missing_browser_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.reports.test_dashboard as mod

    monkeypatch.setattr(mod, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("REGISTER_TEST_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="no headless browser"):
        mod._need_browser()
    monkeypatch.setenv("REGISTER_TEST_REQUIRE_BROWSER", "0")
    with pytest.raises(pytest.skip.Exception):
        mod._need_browser()
