"""The run page's HTML: one self-contained file (inline style, images beside it). Every text that comes from
a run or a dataset (titles, ids, names, paths) passes through `text()`, i.e. html.escape."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; }
td, th { padding: .25em .6em; border-bottom: 1px solid #eee; vertical-align: top; }
th { text-align: left; background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.missing { color: #8a5a00; background: #fff6e0; padding: .4em .7em; border-left: 3px solid #e0a000; }
.note { color: #555; font-size: .9em; } img { max-width: 100%; border: 1px solid #eee; }
ol { margin: .2em 0; padding-left: 1.6em; } .unit { margin: .8em 0 1.2em; } .earlier { color: #777; }
"""


def text(value: object) -> str:
    return escape(str(value), quote=True)


def table(headers: Sequence[str] | None, rows: Iterable[Sequence[object]], numeric_from: int = 1) -> str:
    """Cells from column `numeric_from` on are right-aligned; cells are escaped unless given as Markup."""
    head = "" if headers is None else "<thead><tr>" + "".join(f"<th>{text(h)}</th>" for h in headers) + "</tr></thead>"
    body = "".join(
        "<tr>" + "".join(_cell(cell, column >= numeric_from) for column, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table>{head}<tbody>{body}</tbody></table>"


class Markup(str):
    """HTML built here from escaped parts: inserted as it is."""


def ordered(items: Iterable[object]) -> Markup:
    return Markup("<ol>" + "".join(f"<li>{text(item)}</li>" for item in items) + "</ol>")


def missing(why: str) -> str:
    return f'<p class="missing">{text(why)}</p>'


def number(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def document(title: str, sections: Iterable[tuple[str, str, str]]) -> str:
    """`sections`: (id, heading, body HTML) in page order."""
    parts = [f'<section id="{text(key)}"><h2>{text(heading)}</h2>{body}</section>' for key, heading, body in sections]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{text(title)}</title><style>{STYLE}</style></head>\n<body>\n<h1>{text(title)}</h1>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def _cell(value: object, numeric: bool) -> str:
    content = value if isinstance(value, Markup) else text(value)
    return f'<td class="num">{content}</td>' if numeric else f"<td>{content}</td>"
