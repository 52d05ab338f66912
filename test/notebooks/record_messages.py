#!/usr/bin/python3
"""Execute one notebook with nbclient and record every display message the kernel sends.

The executed notebook alone cannot tell a display that was updated in place from one that was
replaced, because nbclient folds `update_display_data` into the existing output. This runner
keeps the message stream: for each `display_data` / `update_display_data` it records the cell,
the message type, the display id and the MIME types. It fails like run_notebook.py does: on an
execute_reply that is not `ok` (tslab answers `abort` after an error) and on any stderr output.

Usage: /usr/bin/python3 test/notebooks/record_messages.py NOTEBOOK OUT.ipynb [OUT.html]
The kernel is the notebook's kernelspec name (tslab by default).
Prints {"messages": [...]} as JSON; writes the executed notebook (and its nbconvert HTML export).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

from kernel_start import RetryingStartClient
from run_notebook import collect_late_outputs


class RecordingClient(RetryingStartClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages: list[dict] = []

    def process_message(self, msg, cell, cell_index):
        kind = msg["msg_type"]
        if kind in ("display_data", "update_display_data"):
            content = msg["content"]
            self.messages.append({
                "cell": cell_index,
                "msg_type": kind,
                "display_id": content.get("transient", {}).get("display_id"),
                "mimes": sorted(content.get("data", {}).keys()),
            })
        return super().process_message(msg, cell, cell_index)


def main(argv: list[str]) -> int:
    source, out = Path(argv[1]), Path(argv[2])
    html = Path(argv[3]) if len(argv) > 3 else None
    nb = nbformat.read(source, as_version=4)
    problems: list[str] = []

    async def on_cell_executed(cell, cell_index, execute_reply):
        status = execute_reply["content"].get("status")
        if status == "ok" and client.kernel_name == "deno":
            # Deno may publish a cell's last outputs after its idle status: a fence collects them
            # (run_notebook.collect_late_outputs), so each message is filed under its own cell.
            await collect_late_outputs(client, cell, cell_index, 180)
        stderr = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stderr")
        # Deno's kernel reports exceptions as `error` outputs rather than stderr.
        stderr += "".join(f"{o.get('ename')}: {o.get('evalue')}\n" for o in cell.outputs if o.get("output_type") == "error")
        if status != "ok" or stderr:
            problems.append(f"{source}: cell {cell_index} status {status!r}; stderr:\n{stderr}")
            raise RuntimeError(problems[-1])

    client = RecordingClient(
        nb, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "tslab"), timeout=180, record_timing=False, allow_errors=False,
        resources={"metadata": {"path": str(source.parent.resolve())}}, on_cell_executed=on_cell_executed,
    )
    try:
        client.execute()
    except Exception as e:  # noqa: BLE001 - reported below with the cell that failed
        print(problems[0] if problems else f"{source}: {e}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    if html is not None:
        from svg_html import html_exporter  # shows SVGs despite Debian's nbconvert 6.5 (see there)
        body, _ = html_exporter().from_notebook_node(nb)
        html.write_text(body, encoding="utf-8")
    print(json.dumps({"messages": client.messages}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
