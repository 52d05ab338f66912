#!/usr/bin/python3
"""Run cells one by one in a live kernel and record EVERY iopub message, including the ones
that arrive after their cell has finished (nbclient drops those; JupyterLab shows them).

Usage: /usr/bin/python3 test/notebooks/kernel_session.py CWD < cells.json
cells.json: [{"code": "...", "until": "text", "timeout": seconds, "pause": seconds}, ...] (all
but code optional). `pause`: wait before sending the cell (tslab aborts requests for 200 ms
after an error).
After a cell's reply and idle status, messages are collected until a stream containing `until`
has arrived (from any cell), or for `timeout` seconds (default 0: none).
Prints {"replies": [status, ...], "messages": [{"cell", "parent", "msg_type", ...}]} as JSON,
where `cell` is the cell being run when the message arrived and `parent` the index of the cell
whose request the message answers (null for none).
"""
from __future__ import annotations

import json
import queue
import sys
import time

from kernel_start import start_kernel


def record(msg: dict, cell: int, parents: dict[str, int]) -> dict:
    content = msg["content"]
    entry = {"cell": cell, "parent": parents.get(msg["parent_header"].get("msg_id")), "msg_type": msg["msg_type"]}
    if msg["msg_type"] == "stream":
        entry.update(name=content["name"], text=content["text"])
    elif msg["msg_type"] in ("display_data", "update_display_data"):
        data = content.get("data", {})
        entry.update(display_id=content.get("transient", {}).get("display_id"), mimes=sorted(data),
                     text=data.get("text/plain"))
        for mime, value in data.items():
            if mime.startswith("application/vnd.d2l-ts.") and isinstance(value, dict):
                entry["note"] = value.get("note")
    elif msg["msg_type"] == "status":
        entry["state"] = content["execution_state"]
    return entry


def main() -> int:
    cells = json.load(sys.stdin)
    km, kc = start_kernel("tslab", sys.argv[1])
    parents: dict[str, int] = {}
    messages: list[dict] = []
    replies: list[str] = []
    try:
        for index, cell in enumerate(cells):
            time.sleep(cell.get("pause", 0))
            msg_id = kc.execute(cell["code"])
            parents[msg_id] = index
            idle = False
            while not idle:
                msg = kc.get_iopub_msg(timeout=180)
                messages.append(record(msg, index, parents))
                idle = messages[-1].get("state") == "idle" and messages[-1]["parent"] == index
            while True:
                reply = kc.get_shell_msg(timeout=180)
                if reply["parent_header"].get("msg_id") == msg_id:
                    replies.append(reply["content"]["status"])
                    break
            until, deadline = cell.get("until"), time.time() + cell.get("timeout", 0)
            while time.time() < deadline:
                if until is not None and any(until in (m.get("text") or "") for m in messages if m["msg_type"] == "stream"):
                    break
                try:
                    messages.append(record(kc.get_iopub_msg(timeout=0.2), index, parents))
                except queue.Empty:
                    pass
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(json.dumps({"replies": replies, "messages": messages}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
