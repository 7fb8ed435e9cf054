"""`sracl data fetch`: the paper's four interaction files from the official SRA-CL repository, sha256-checked.

The files are the repository's raw files at the commit the shared data was taken from
(`<base>/data/Beauty/Beauty.txt`, ...), saved as `<dir>/sracl_official/Beauty/Beauty.txt`, the layout the
recipes find through SRACL_DATA. The base URL can be replaced (`--base-url`, or SRACL_FETCH_URL) by a mirror.
Each file is downloaded under a hidden temporary name beside its destination, hashed as it arrives, and renamed
into place only when its sha256 is the expected one; a file already there with that hash is not downloaded.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from sracl_cli.artifacts import sha256_file, write_atomic
from sracl_cli.errors import RunFailure, UsageError

OFFICIAL_URL = "https://raw.githubusercontent.com/ziqiangcui/SRA-CL/301353d9f72e1ec232e64af28a68ac289d86daae"
URL_ENV = "SRACL_FETCH_URL"
FOLDER = "sracl_official"
CHUNK = 1 << 20
TIMEOUT_S = 60


@dataclass(frozen=True)
class Remote:
    path: str  # below data/ in the repository and below <dir>/sracl_official/ here
    sha256: str
    size: int


FILES = {
    "beauty": Remote("Beauty/Beauty.txt", "c9435d9ff1503ea0981a863ea814330e0c525d767a2ceacbb2a40f19599fde04", 2054475),
    "office": Remote("Office/Office.txt", "c15c26df37acf33142dc2182f7b90ce07be1f807ed784eb3e77f84acdfb473a5", 478916),
    "sports": Remote("Sports/Sports_and_Outdoors.txt",
                     "2d6f1fc61e57ae9474a057ba72ec916c7e643c1476723dc0f57fc78d1f615834", 3183740),
    "yelp": Remote("Yelp/Yelp.txt", "d83b52cf313e5b5d7fef4d5dd28dcb0cc1df9743993f2c962c0f1dd1ca445118", 2173559),
}
ALL = "all"


def base_url(option: str | None) -> str:
    return (option or os.environ.get(URL_ENV) or OFFICIAL_URL).rstrip("/")


def fetch(names: list[str], folder: Path, url: str, console: Console) -> list[Path]:
    """Fetch the named files (or `all`) into `folder`; the paths of all of them, fetched or already there."""
    wanted = list(FILES) if ALL in names else list(dict.fromkeys(names))
    unknown = [name for name in wanted if name not in FILES]
    if unknown:
        raise UsageError(f"data fetch: unknown dataset '{unknown[0]}'; choose from {', '.join(FILES)} or {ALL}")
    return [_fetch_one(name, FILES[name], folder, url, console) for name in wanted]


def _fetch_one(name: str, remote: Remote, folder: Path, url: str, console: Console) -> Path:
    target = folder / FOLDER / remote.path
    if target.is_file() and sha256_file(target) == remote.sha256:
        console.print(f"{name}: {target} is present with the expected sha256, skipped", markup=False,
                      highlight=False, soft_wrap=True)
        return target
    source = f"{url}/data/{remote.path}"
    replacing = " (replacing a file with another sha256)" if target.exists() else ""
    console.print(f"{name}: downloading {source} ({remote.size:,} bytes){replacing}", markup=False,
                  highlight=False, soft_wrap=True)
    write_atomic(target, lambda tmp: _download(source, tmp, remote))
    console.print(f"{name}: wrote {target} (sha256 checked)", markup=False, highlight=False, soft_wrap=True)
    return target


def _download(source: str, tmp: Path, remote: Remote) -> None:
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(source, timeout=TIMEOUT_S) as response, tmp.open("wb") as out:
            while chunk := response.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as error:
        raise RunFailure(f"{source}: download failed: HTTP {error.code} {error.reason}; nothing written") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise RunFailure(f"{source}: download failed: {reason}; nothing written") from None
    if digest.hexdigest() != remote.sha256:
        raise RunFailure(f"{source}: sha256 {digest.hexdigest()} is not the expected {remote.sha256}; "
                         "nothing written")
