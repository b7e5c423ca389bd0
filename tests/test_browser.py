"""Built reports open in headless Chromium with their figures and without console errors.

Needs Debian's chromium (`.ci/run` installs it); elsewhere these tests skip and say why.
"""

import pytest

from crmlab import paths
from crmlab.reports import browser, build

pytestmark = pytest.mark.skipif(
    browser.find_chromium() is None,
    reason="no chromium on this machine: apt-get install chromium (CI installs it) to run the browser tests",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    build.run(paths.NOTEBOOKS_DIR / "00_data_overview.ipynb", {"n_customers": 1500}, reports_dir=reports)
    return reports


@pytest.mark.parametrize("page", ["00_data_overview.html", "management/00_data_overview.html"])
def test_report_renders_with_figures_and_no_console_errors(built, page):
    result = browser.render_check(built / page)
    assert result["title"] == "Data overview: who buys, how often, how much"
    assert result["images"] >= 5
    assert result["images_loaded"] == result["images"]
    assert result["tables"] >= 5
    assert result["console"] == []


def test_index_renders_and_links_every_report(built):
    result = browser.render_check(built / "index.html")
    assert result["title"] == "crmlab reports" and result["console"] == []
    png = browser.screenshot(built / "index.html", built / "index.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000


def test_a_broken_image_is_detected(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><head><title>t</title></head><body><img src='missing.png'></body></html>")
    result = browser.render_check(page)
    assert result["images"] == 1 and result["images_loaded"] == 0
