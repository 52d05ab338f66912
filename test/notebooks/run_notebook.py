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
  --timeout SEC    per-cell timeout (default 120); a cell whose metadata says
                   `"d2l-ts": {"timeout": SEC}` (a training that runs for minutes) gets that
                   many seconds instead, when more
  --kernel NAME    kernel to use (default: tslab)
  --cell-times     print each code cell's wall time, and the kernel's start and shutdown times
  --check-figures  fail when a figure output lacks one of its three representations
                   (custom +json MIME type, image/svg+xml, text/plain)
  --deno           run each notebook in Deno's Jupyter kernel (kernelspec `deno`) instead of the
                   one it declares: the executed copy carries Deno's kernelspec, outputs that
                   Deno publishes after a cell's idle status are collected (see LateOutputClient),
                   and a notebook whose metadata says `"d2l-ts": {"deno": "<why>"}` is skipped
                   with that one-line reason
  --same-figures DIR  compare each notebook's figures, cell by cell, with the executed copy of
                   the same notebook under DIR (e.g. the tslab run): same number of figures, same
                   text summaries, numbers equal to 1e-6 relative (JavaScript engines differ in
                   the last bits of Math.exp and friends); cells tagged `timing` are exempt
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
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

from kernel_start import KernelStartError, RetryingStartClient
from same_figures import figure_differences

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


async def collect_late_outputs(client: NotebookClient, cell, cell_index: int, timeout: int) -> int:
    """Adds to `cell` the outputs its kernel published after the cell's idle status; returns how many.

    Deno 2.9.6's kernel queues a cell's IOPub messages (console output, displays) for a task that
    publishes them while the cell's execute_reply and idle status go out directly, so a cell's last
    outputs can follow its idle status; nbclient then drops them, and so does JupyterLab. A fence
    finds them deterministically: a `console.log(token)` request goes through the same queue after
    everything the cell queued, so every output that arrives before the token is the cell's."""
    token = f"d2l-ts-fence-{uuid.uuid4().hex}"
    fence_id = client.kc.execute(f'console.log("{token}");', silent=False, store_history=False, allow_stdin=False)
    deadline = time.monotonic() + timeout
    seen_token = seen_idle = False
    late = 0
    while not (seen_token and seen_idle):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NotebookFailure(f"the kernel did not answer a fence request within {timeout} s after cell {cell_index}")
        msg = await ensure_async(client.kc.iopub_channel.get_msg(timeout=remaining))
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and token in content.get("text", ""):
            seen_token = True
        elif kind == "status":
            seen_idle = seen_idle or (msg["parent_header"].get("msg_id") == fence_id and content.get("execution_state") == "idle")
        elif kind != "execute_input" and not seen_token:
            client.process_message(msg, cell, cell_index)
            late += 1
    while True:  # the fence's execute_reply, so the shell channel holds nothing stale
        reply = await ensure_async(client.kc.shell_channel.get_msg(timeout=max(1, deadline - time.monotonic())))
        if reply["parent_header"].get("msg_id") == fence_id:
            return late


def cell_timeout(cell, default: int) -> int:
    """The cell's time limit in seconds: its own `"d2l-ts": {"timeout": SEC}` when larger than
    the run's default (long trainings declare their budget in the notebook), else the default."""
    declared = cell.get("metadata", {}).get("d2l-ts", {}).get("timeout")
    if isinstance(declared, bool) or not isinstance(declared, (int, float)) or declared <= 0:
        return default
    return max(default, int(declared))


def execute(nb, nb_path: Path, kernel: str, timeout: int, check_figures: bool, cell_log=None, late_outputs: bool = False):
    """Runs the notebook `nb` (read from nb_path) in place; returns (seconds, code cells run,
    outputs collected after their cell's idle status — only with `late_outputs`).

    On failure the cells run so far keep their outputs, so the caller can still save `nb`."""
    shown = os.path.relpath(nb_path)
    failure: list[str] = []
    cell_started: dict[int, float] = {}
    phases: dict[str, float] = {}
    late_total = 0

    def on_notebook_start(notebook):
        phases["kernel ready"] = time.monotonic()

    def on_cell_execute(cell, cell_index):
        cell_started[cell_index] = time.monotonic()

    async def on_cell_executed(cell, cell_index, execute_reply):
        nonlocal late_total
        if late_outputs and execute_reply["content"].get("status") == "ok":
            late_total += await collect_late_outputs(client, cell, cell_index, cell_timeout(cell, timeout))
        phases["last cell done"] = time.monotonic()
        if cell_log is not None and cell_index in cell_started:
            elapsed = time.monotonic() - cell_started[cell_index]
            print(f"    cell {cell_index:3d} {elapsed:6.2f} s  {first_line(cell.source)[:70]}", file=cell_log, flush=True)
        problem = cell_problem(describe_cell(shown, cell_index, cell), execute_reply["content"], cell.outputs, check_figures)
        if problem is not None:
            failure.append(problem)
        if failure:
            # Stop at the first problem: later cells would only be aborted by tslab anyway.
            raise NotebookFailure(failure[0])

    client = RetryingStartClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        timeout_func=lambda cell: cell_timeout(cell, timeout),
        # The kernel's working directory is the notebook's folder, as in JupyterLab: tslab takes
        # it as the root for module resolution (bare names resolve through node_modules above).
        resources={"metadata": {"path": str(nb_path.parent.resolve())}},
        record_timing=False,  # executed copies of two runs stay byte-identical
        allow_errors=False,
        on_notebook_start=on_notebook_start,
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
    )
    started = time.monotonic()
    try:
        client.execute()
    except NotebookFailure as e:
        raise NotebookFailure(str(e)) from None
    except CellTimeoutError as e:
        raise NotebookFailure(f"{shown}: a cell timed out (limit {timeout} s, or its own d2l-ts timeout): {e}") from None
    except DeadKernelError as e:
        raise NotebookFailure(f"{shown}: the kernel died: {e}") from None
    except KernelStartError as e:
        raise NotebookFailure(f"{shown}: kernel {kernel!r} did not start: {e}") from None
    except CellExecutionError as e:  # only if a hook did not catch it first
        raise NotebookFailure(f"{shown}: {e}") from None
    finished = time.monotonic()
    if cell_log is not None and "kernel ready" in phases:
        # Start: from launching the kernel to its answer to kernel_info (nbclient's wait_for_ready);
        # shutdown: from the last cell's reply to the kernel process being gone.
        done = phases.get("last cell done", phases["kernel ready"])
        print(f"    kernel start {phases['kernel ready'] - started:6.2f} s, shutdown {finished - done:6.2f} s", file=cell_log, flush=True)
    return finished - started, client.code_cells_executed, late_total


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


# The kernelspec `deno jupyter --install` writes (setup.d/40-deno.sh writes one under build/jupyter).
DENO_KERNELSPEC = {"name": "deno", "display_name": "Deno", "language": "typescript"}


def deno_skip_reason(nb) -> str | None:
    """The one-line reason a notebook gives for not running on Deno (docs/notebooks.md), or None."""
    reason = nb.metadata.get("d2l-ts", {}).get("deno")
    return None if reason is None else " ".join(str(reason).split())


def one_line(problem: str) -> str:
    """A failure as one line: where it happened and the first line of what the kernel said."""
    lines = [line.strip() for line in problem.splitlines() if line.strip()]
    if len(lines) < 2:
        return lines[0] if lines else problem
    return f"{lines[0].rstrip(':')} -> {lines[1]}"


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
    parser.add_argument("--deno", action="store_true")
    parser.add_argument("--same-figures", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    if args.json and len(args.notebooks) != 1:
        parser.error("--json takes exactly one notebook")
    if args.html and not args.out_dir:
        parser.error("--html needs --out-dir")
    if args.same_figures and not args.base:
        parser.error("--same-figures needs --base (to find each notebook's reference copy)")
    for p in args.notebooks:
        if not p.is_file():
            parser.error(f"no such notebook: {p}")
    log = sys.stderr if args.json else sys.stdout
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)

    total = 0.0
    failures: list[str] = []
    skipped = 0
    kernel_label = " (Deno)" if args.deno else ""
    for nb_path in args.notebooks:
        shown = os.path.relpath(nb_path)
        relative = nb_path.resolve().relative_to(args.base.resolve()) if args.base else Path(nb_path.name)
        out_path = None
        if args.out_dir:
            out_path = args.out_dir / relative
            out_path.parent.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(str(nb_path), as_version=4)
        kernel = args.kernel
        if args.deno:
            reason = deno_skip_reason(nb)
            if reason is not None:
                print(f"skip {shown} on Deno: {reason}", file=log, flush=True)
                skipped += 1
                continue
            nb.metadata["kernelspec"] = dict(DENO_KERNELSPEC)
            kernel = DENO_KERNELSPEC["name"]
        late = 0
        try:
            seconds, cells, late = execute(
                nb, nb_path, kernel, args.timeout, args.check_figures, log if args.cell_times else None, late_outputs=args.deno
            )
            if out_path is not None and args.html:
                export_html(nb, out_path.with_suffix(".html"), shown)
            if args.same_figures:
                reference_path = args.same_figures / relative
                if not reference_path.is_file():
                    raise NotebookFailure(f"{shown}: no executed reference copy at {reference_path} to compare figures with")
                differences = figure_differences(nb, nbformat.read(str(reference_path), as_version=4))
                if differences:
                    raise NotebookFailure(f"{shown}: figures differ from {reference_path}: " + "; ".join(differences))
        except NotebookFailure as e:
            # Keep going: one run reports every failing notebook. The partial copy helps debugging.
            if out_path is not None:
                nbformat.write(nb, str(out_path))
            print(f"FAILED{kernel_label} {one_line(str(e)) if args.deno else e}", file=sys.stderr, flush=True)
            failures.append(shown)
            continue
        total += seconds
        if out_path is not None:
            nbformat.write(nb, str(out_path))
        notes = [f"{cells} code cells"]
        if late:
            notes.append(f"{late} outputs published after their cell's idle status, collected")
        if args.same_figures:
            notes.append("figures as in the reference run")
        print(f"ok{kernel_label}  {shown}  {seconds:6.1f} s  ({'; '.join(notes)})", file=log, flush=True)
        if args.json:
            json.dump(nb, sys.stdout)
            sys.stdout.write("\n")
    if failures:
        print(f"{len(failures)} of {len(args.notebooks)} notebooks failed: {', '.join(failures)}", file=sys.stderr, flush=True)
        return 1
    if len(args.notebooks) > 1:
        ran = len(args.notebooks) - skipped
        print(f"all {ran} notebooks ran clean{kernel_label} in {total:.1f} s" + (f" ({skipped} skipped)" if skipped else ""), file=log, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
