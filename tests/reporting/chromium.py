"""Headless Chromium for the page tests: the Debian package (`make test` installs it when running as root)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Written into a copy of the page: after every image has loaded or failed, the counts land on <body>.
IMAGE_CHECK = """<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  document.body.dataset.images = images.length;
  document.body.dataset.loaded = images.filter(image => image.complete && image.naturalWidth > 0).length;
});
</script>"""


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.geteuid() == 0:  # CI and a root developer: `make test` installs it, so its absence is a failure
            pytest.fail("chromium is not installed: run `make test` (it runs apt-get install -y chromium)")
        pytest.skip("chromium is not installed and installing it needs root (apt-get install chromium)")
    return found


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM of `page` after its load event, as headless Chromium renders it."""
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom",
               page.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def with_image_check(page: Path, name: str, extra_html: str = "") -> Path:
    """A copy of `page` beside it (so its images resolve the same) that records how many images loaded."""
    checked = page.with_name(name)
    checked.write_text(page.read_text(encoding="utf-8").replace("</body>", f"{extra_html}{IMAGE_CHECK}</body>"),
                       encoding="utf-8")
    return checked


def image_counts(dom: str) -> tuple[int, int]:
    """(images on the page, images loaded) as the check script wrote them."""
    body = re.search(r"<body[^>]*>", dom)
    assert body, dom[:500]
    images = re.search(r'data-images="(\d+)"', body.group(0))
    loaded = re.search(r'data-loaded="(\d+)"', body.group(0))
    assert images and loaded, f"the load handler did not run: {body.group(0)}"
    return int(images.group(1)), int(loaded.group(1))
