"""`sracl data fetch` against the official files served from 127.0.0.1 (an http.server thread): sha256-checked
downloads into the SRACL_DATA layout, skipping, a wrong checksum or a failed download leaving nothing behind."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import run_cli
from sracl_cli.data.fetch import FILES, OFFICIAL_URL, URL_ENV


class _Handler(SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args) -> None:
        _Handler.requests.append(self.path)


@pytest.fixture
def mirror(shared_data, tmp_path):
    """A folder laid out like the repository (data/<name>/<file>) with the real files, served on 127.0.0.1."""
    root = tmp_path / "mirror"
    for remote in FILES.values():
        target = root / "data" / remote.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_data / "sracl_official" / remote.path, target)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.requests = []
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_the_checksums_are_those_of_the_shared_files(shared_data):
    from sracl_cli.artifacts import sha256_file

    for remote in FILES.values():
        file = shared_data / "sracl_official" / remote.path
        assert sha256_file(file) == remote.sha256 and file.stat().st_size == remote.size
    assert OFFICIAL_URL.startswith("https://raw.githubusercontent.com/ziqiangcui/SRA-CL/301353d")


def test_fetch_writes_the_layout_the_recipes_read_then_skips(mirror, shared_data, tmp_path):
    root, url = mirror
    out = tmp_path / "data"
    result = run_cli("data", "fetch", "office", "yelp", "--dir", out, "--base-url", url)
    assert result.exit_code == 0, result.stderr
    assert _files(out) == ["sracl_official/Office/Office.txt", "sracl_official/Yelp/Yelp.txt"]
    assert (out / "sracl_official/Office/Office.txt").read_bytes() == (root / "data/Office/Office.txt").read_bytes()
    assert _Handler.requests == ["/data/Office/Office.txt", "/data/Yelp/Yelp.txt"]
    again = run_cli("data", "fetch", "all", "--dir", out, "--base-url", url)
    assert again.exit_code == 0, again.stderr
    assert "office: " in again.stdout and "present with the expected sha256, skipped" in again.stdout
    assert _Handler.requests[2:] == ["/data/Beauty/Beauty.txt", "/data/Sports/Sports_and_Outdoors.txt"]
    assert len(_files(out)) == 4


def test_the_base_url_comes_from_the_environment(mirror, tmp_path, monkeypatch):
    _, url = mirror
    monkeypatch.setenv(URL_ENV, url)
    assert run_cli("data", "fetch", "office", "--dir", tmp_path / "d").exit_code == 0
    assert _Handler.requests == ["/data/Office/Office.txt"]


def test_a_wrong_checksum_is_exit_1_and_writes_nothing(mirror, tmp_path):
    root, url = mirror
    served = root / "data/Office/Office.txt"
    served.write_bytes(served.read_bytes()[:-10])
    out = tmp_path / "data"
    result = run_cli("data", "fetch", "office", "--dir", out, "--base-url", url)
    assert result.exit_code == 1
    assert f"{url}/data/Office/Office.txt: sha256 " in result.stderr and "nothing written" in result.stderr
    assert _files(out) == []  # no temporary file left either
    kept = out / "sracl_official/Office/Office.txt"
    kept.write_text("1 1\n")  # a file with another sha256 stays as it was when the download is bad
    assert run_cli("data", "fetch", "office", "--dir", out, "--base-url", url).exit_code == 1
    assert kept.read_text() == "1 1\n" and _files(out) == ["sracl_official/Office/Office.txt"]


def test_a_failed_download_is_exit_1(mirror, tmp_path):
    root, url = mirror
    (root / "data/Yelp/Yelp.txt").unlink()
    result = run_cli("data", "fetch", "yelp", "--dir", tmp_path / "d", "--base-url", url)
    assert result.exit_code == 1
    assert "/data/Yelp/Yelp.txt: download failed: HTTP 404 File not found; nothing written" in result.stderr
    assert _files(tmp_path / "d") == []


def test_an_unknown_name_is_exit_2(tmp_path):
    result = run_cli("data", "fetch", "movielens", "--dir", tmp_path)
    assert result.exit_code == 2
    assert "unknown dataset 'movielens'; choose from beauty, office, sports, yelp or all" in result.stderr
