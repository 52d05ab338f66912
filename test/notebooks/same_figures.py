"""Are two executions of a notebook showing the same figures? (the Deno pass against tslab's)

A figure is a display output holding a custom `application/vnd.*+json` payload. Two runs show
the same figures when every code cell (except those tagged `timing`, which hold measured run
times) has the same number of figures, with the same MIME types, the same `text/plain` summary,
and payloads and SVGs that agree: strings equal, numbers equal to a relative 1e-6 (absolute 0.011
for the SVG's two-decimal coordinates). The tolerance exists because JavaScript engines (Node's
V8 and Deno's) differ in the last bits of Math.exp, Math.pow and friends; a real difference (a
lost point, another curve) is far larger. Large heatmaps carry one byte per cell (`uint8-base64`),
where a last-bit difference can move a cell to the next of the 256 levels: those bytes may differ
by one level.
"""
from __future__ import annotations

import base64
import math
import re

CUSTOM_FIGURE_MIME = re.compile(r"^application/vnd\.[\w.+-]+\+json$")
SVG_MIME = "image/svg+xml"
RELATIVE = 1e-6
SVG_ABSOLUTE = 0.011
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def figures_of(cell) -> list[dict]:
    """The data of the cell's figure outputs, in order."""
    return [
        o.get("data", {})
        for o in cell.get("outputs", [])
        if o.get("output_type") in ("display_data", "execute_result")
        and any(CUSTOM_FIGURE_MIME.match(m) for m in o.get("data", {}))
    ]


def close(a: float, b: float, absolute: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=absolute) or (math.isnan(a) and math.isnan(b))


def json_differences(a, b, where: str) -> list[str]:
    """Where two payloads differ beyond the tolerance (first few places)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return [] if a == b else [f"{where}: {a!r} vs {b!r}"]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return [] if close(float(a), float(b)) else [f"{where}: {a!r} vs {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a)} vs {sorted(b)}"]
        if a.get("encoding") == "uint8-base64" and isinstance(a.get("data"), str) and isinstance(b.get("data"), str):
            rest = json_differences({k: v for k, v in a.items() if k != "data"}, {k: v for k, v in b.items() if k != "data"}, where)
            return rest + uint8_differences(a["data"], b["data"], f"{where}.data")
        return [d for k in a for d in json_differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} entries"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in json_differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {str(a)[:60]!r} vs {str(b)[:60]!r}"]


def uint8_differences(a: str, b: str, where: str) -> list[str]:
    x, y = base64.b64decode(a), base64.b64decode(b)
    if len(x) != len(y):
        return [f"{where}: {len(x)} vs {len(y)} bytes"]
    worst = max((abs(p - q) for p, q in zip(x, y)), default=0)
    return [] if worst <= 1 else [f"{where}: a cell differs by {worst} of 255 levels"]


def svg_differences(a: str, b: str, where: str) -> list[str]:
    if NUMBER.sub("#", a) != NUMBER.sub("#", b):
        return [f"{where}: the SVGs differ in more than numbers"]
    for x, y in zip(NUMBER.findall(a), NUMBER.findall(b)):
        if not close(float(x), float(y), SVG_ABSOLUTE):
            return [f"{where}: {x} vs {y}"]
    return []


def figure_differences(nb, reference) -> list[str]:
    """How the figures of `nb` differ from those of `reference` (the same notebook executed
    elsewhere); empty when they are the same."""
    cells = [c for c in nb.cells if c.cell_type == "code"]
    reference_cells = [c for c in reference.cells if c.cell_type == "code"]
    if len(cells) != len(reference_cells):
        return [f"{len(cells)} code cells vs {len(reference_cells)} in the reference"]
    problems: list[str] = []
    for index, (cell, ref) in enumerate(zip(cells, reference_cells)):
        if "timing" in ref.get("metadata", {}).get("tags", []):
            continue
        ours, theirs = figures_of(cell), figures_of(ref)
        where = f"code cell {index}"
        if len(ours) != len(theirs):
            problems.append(f"{where}: {len(ours)} figures vs {len(theirs)} in the reference")
            continue
        for k, (x, y) in enumerate(zip(ours, theirs)):
            at = f"{where} figure {k}"
            if sorted(x) != sorted(y):
                problems.append(f"{at}: MIME types {sorted(x)} vs {sorted(y)}")
                continue
            for mime in x:
                if mime == SVG_MIME:
                    problems += svg_differences(str(x[mime]), str(y[mime]), f"{at} {mime}")
                elif mime == "text/plain":
                    if x[mime] != y[mime]:
                        problems.append(f"{at} text/plain: {x[mime]!r} vs {y[mime]!r}")
                else:
                    problems += json_differences(x[mime], y[mime], f"{at} {mime}")[:3]
    return problems
