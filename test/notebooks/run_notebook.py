#!/usr/bin/python3
"""Execute Jupyter notebooks with the tslab kernel and fail loudly on the first problem.

tslab never sends `error` messages: a type error or an exception arrives as a `stderr` stream and
the execute_reply has status `error`; for the next 200 ms tslab answers every request with status
`abort` and no outputs. nbclient only raises on status `error` (and not at all with allow_errors),
so this runner inspects every execute_reply itself and treats as failure:
  - an execute_reply whose status is not `ok` (`error` or `abort`),
  - any `stderr` stream output (stderr in a notebook is an error in this project),
  - any `error` output (other kernels).
The failure names the notebook, the cell index, the cell's first source line and tslab's stderr
text, so a CI log says what broke without opening the notebook.

Usage (always with Debian's Python, which has nbclient):
  /usr/bin/python3 test/notebooks/run_notebook.py [options] NOTEBOOK...
Options:
  --out-dir DIR    write each executed notebook to DIR/<name>.ipynb (also when it fails,
                   with the outputs up to the failing cell)
  --base DIR       with --out-dir, mirror each notebook's path relative to DIR under the
                   output folder (default: flat, by file name)
  --html           with --out-dir, also write an nbconvert HTML export DIR/<name>.html and
                   check that it shows every SVG figure (the static fallback)
  --json           print the executed notebook (one notebook only) as JSON on stdout; status
                   lines then go to stderr
  --timeout SEC    per-cell timeout (default 120)
  --kernel NAME    kernel to use (default: tslab)
  --cell-times     print each code cell's wall time
  --check-figures  fail when a figure output lacks one of its three representations
                   (custom +json MIME type, image/svg+xml, text/plain)
Each notebook stops at its first failing cell; the run goes on with the next notebook.
Exit status: 0 when every notebook ran clean, 1 when any failed, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

# A figure of this project: one display_data holding the custom JSON payload, the SVG fallback
# and a text summary. The custom type is matched by pattern so the harness does not depend on the
# contract package's exact name.
CUSTOM_FIGURE_MIME = re.compile(r"^application/vnd\.[\w.+-]+\+json$")
SVG_MIME = "image/svg+xml"


class NotebookFailure(Exception):
    """A notebook did not run clean; the message says where and why."""


def first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


def stderr_text(outputs: list) -> str:
    return "".join(
        o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )


def error_text(outputs: list) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "error":
            parts.append(f"{o.get('ename', '')}: {o.get('evalue', '')}")
    return "\n".join(parts)


def describe_cell(nb_path: str, index: int, cell) -> str:
    return f"{nb_path}: cell {index} ({first_line(cell.source)!r})"


def figure_problems(outputs: list) -> list[str]:
    """Names what each figure-like display_data lacks of {custom JSON, SVG, text}."""
    problems = []
    for o in outputs:
        if o.get("output_type") not in ("display_data", "update_display_data", "execute_result"):
            continue
        mimes = set(o.get("data", {}).keys())
        has_custom = any(CUSTOM_FIGURE_MIME.match(m) for m in mimes)
        has_svg = SVG_MIME in mimes
        if not (has_custom or has_svg):
            continue
        missing = []
        if not has_custom:
            missing.append("custom application/vnd.*+json payload")
        if not has_svg:
            missing.append(SVG_MIME)
        if "text/plain" not in mimes:
            missing.append("text/plain")
        if missing:
            problems.append(f"figure output with {sorted(mimes)} lacks {', '.join(missing)}")
    return problems


def cell_problem(where: str, reply: dict, outputs: list, check_figures: bool):
    """What is wrong with one executed cell, from its execute_reply content and its outputs, or
    None when it ran clean. `where` names the notebook and the cell."""
    status = reply.get("status")
    err = stderr_text(outputs)
    errors = error_text(outputs)
    if status == "abort":
        return (
            f"{where} was aborted by the kernel (tslab aborts requests for 200 ms after an "
            f"error, so an earlier request failed)" + (f"; stderr:\n{err}" if err else "")
        )
    if status != "ok":
        detail = err or errors or json.dumps(reply)
        return f"{where} failed with status {status!r}; tslab stderr:\n{detail}"
    if err:
        return f"{where} wrote to stderr (treated as an error):\n{err}"
    if errors:
        return f"{where} produced an error output:\n{errors}"
    if check_figures:
        problems = figure_problems(outputs)
        if problems:
            return f"{where}: " + "; ".join(problems)
    return None


def execute(nb, nb_path: Path, kernel: str, timeout: int, check_figures: bool, cell_log=None):
    """Runs the notebook `nb` (read from nb_path) in place; returns (seconds, code cells run).

    On failure the cells run so far keep their outputs, so the caller can still save `nb`."""
    shown = os.path.relpath(nb_path)
    failure: list[str] = []
    cell_started: dict[int, float] = {}

    def on_cell_execute(cell, cell_index):
        cell_started[cell_index] = time.monotonic()

    def on_cell_executed(cell, cell_index, execute_reply):
        if cell_log is not None and cell_index in cell_started:
            elapsed = time.monotonic() - cell_started[cell_index]
            print(f"    cell {cell_index:3d} {elapsed:6.2f} s  {first_line(cell.source)[:70]}", file=cell_log, flush=True)
        problem = cell_problem(describe_cell(shown, cell_index, cell), execute_reply["content"], cell.outputs, check_figures)
        if problem is not None:
            failure.append(problem)
        if failure:
            # Stop at the first problem: later cells would only be aborted by tslab anyway.
            raise NotebookFailure(failure[0])

    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        # The kernel's working directory is the notebook's folder, as in JupyterLab: tslab takes
        # it as the root for module resolution (bare names resolve through node_modules above).
        resources={"metadata": {"path": str(nb_path.parent.resolve())}},
        record_timing=False,  # executed copies of two runs stay byte-identical
        allow_errors=False,
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
    )
    started = time.monotonic()
    try:
        client.execute()
    except NotebookFailure as e:
        raise NotebookFailure(str(e)) from None
    except CellTimeoutError as e:
        raise NotebookFailure(f"{shown}: a cell timed out after {timeout} s: {e}") from None
    except DeadKernelError as e:
        raise NotebookFailure(f"{shown}: the kernel died: {e}") from None
    except CellExecutionError as e:  # only if a hook did not catch it first
        raise NotebookFailure(f"{shown}: {e}") from None
    return time.monotonic() - started, client.code_cells_executed


# MathJax for the HTML export: Debian's nbconvert points at a local copy from libjs-mathjax; when
# that package is absent, use the CDN that upstream nbconvert uses.
LOCAL_MATHJAX = Path("/usr/share/javascript/mathjax/MathJax.js")
CDN_MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js"


def export_html(nb, path: Path, shown: str) -> None:
    """Writes the nbconvert HTML export and checks that every SVG figure made it into the page.

    The exporter comes from svg_html.py (beside this file): Debian's nbconvert 6.5 empties inline
    SVGs, so it shows them as <img> data URIs instead."""
    from svg_html import html_exporter

    exporter = html_exporter()
    mathjax = LOCAL_MATHJAX if LOCAL_MATHJAX.is_file() else None
    exporter.mathjax_url = (mathjax.as_uri() if mathjax else CDN_MATHJAX) + "?config=TeX-AMS_CHTML-full,Safe"
    body, _ = exporter.from_notebook_node(nb)
    path.write_text(body, encoding="utf-8")
    figures = sum(1 for cell in nb.cells for o in cell.get("outputs", []) if SVG_MIME in o.get("data", {}))
    shown_in_html = body.count('<img src="data:image/svg+xml;base64,')
    if shown_in_html != figures:
        raise NotebookFailure(
            f"{shown}: the HTML export shows {shown_in_html} SVG images but the notebook has {figures} figures"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--base", type=Path)
    parser.add_argument("--html", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--kernel", default="tslab")
    parser.add_argument("--check-figures", action="store_true")
    parser.add_argument("--cell-times", action="store_true")
    args = parser.parse_args(argv)
    if args.json and len(args.notebooks) != 1:
        parser.error("--json takes exactly one notebook")
    if args.html and not args.out_dir:
        parser.error("--html needs --out-dir")
    for p in args.notebooks:
        if not p.is_file():
            parser.error(f"no such notebook: {p}")
    log = sys.stderr if args.json else sys.stdout
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)

    total = 0.0
    failures: list[str] = []
    for nb_path in args.notebooks:
        out_path = None
        if args.out_dir:
            relative = nb_path.resolve().relative_to(args.base.resolve()) if args.base else Path(nb_path.name)
            out_path = args.out_dir / relative
            out_path.parent.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(str(nb_path), as_version=4)
        try:
            seconds, cells = execute(
                nb, nb_path, args.kernel, args.timeout, args.check_figures, log if args.cell_times else None
            )
            if out_path is not None and args.html:
                export_html(nb, out_path.with_suffix(".html"), os.path.relpath(nb_path))
        except NotebookFailure as e:
            # Keep going: one run reports every failing notebook. The partial copy helps debugging.
            if out_path is not None:
                nbformat.write(nb, str(out_path))
            print(f"FAILED {e}", file=sys.stderr, flush=True)
            failures.append(os.path.relpath(nb_path))
            continue
        total += seconds
        if out_path is not None:
            nbformat.write(nb, str(out_path))
        print(f"ok  {os.path.relpath(nb_path)}  {seconds:6.1f} s  ({cells} code cells)", file=log, flush=True)
        if args.json:
            json.dump(nb, sys.stdout)
            sys.stdout.write("\n")
    if failures:
        print(f"{len(failures)} of {len(args.notebooks)} notebooks failed: {', '.join(failures)}", file=sys.stderr, flush=True)
        return 1
    if len(args.notebooks) > 1:
        print(f"all {len(args.notebooks)} notebooks ran clean in {total:.1f} s", file=log, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
