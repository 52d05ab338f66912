#!/usr/bin/python3
"""Interrupt and kill a live kernel as Jupyter does, and report what happened (JSON on stdout).

    /usr/bin/python3 kernel_lifecycle.py KERNEL_NAME CWD
1. executes a cell that awaits a 60 s timer, interrupts the kernel (SIGINT, as JupyterLab's stop
   button) after 2 s, and records the cell's reply status and how long the interrupt took;
2. executes `console.log("alive")` (the kernel still works after the interrupt);
3. kills the kernel process (SIGKILL, as a forced shutdown) and records whether every process it
   had started (a kernel started from d2l-tslab's snapshot is a child of the launcher) is gone
   within 10 s.
"""
import json
import os
import signal
import sys
import time

from kernel_start import start_kernel


def descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        parent = pending.pop()
        for task in os.listdir(f"/proc/{parent}/task"):
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    children = [int(c) for c in f.read().split()]
            except FileNotFoundError:
                children = []
            found += children
            pending += children
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def main(kernel_name: str, cwd: str) -> None:
    km, kc = start_kernel(kernel_name, cwd)
    result = {}
    try:
        msg_id = kc.execute("await new Promise((resolve) => setTimeout(resolve, 60000));")
        time.sleep(2)
        interrupted_at = time.monotonic()
        km.interrupt_kernel()
        while True:
            reply = kc.get_shell_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        result["interrupt_status"] = reply["content"]["status"]
        result["interrupt_seconds"] = round(time.monotonic() - interrupted_at, 2)
        time.sleep(0.5)  # tslab aborts requests for 200 ms after an error
        outputs = []
        kc.execute_interactive('console.log("alive");', timeout=60, output_hook=lambda m: outputs.append(m))
        result["after_interrupt"] = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
        pid = km.provisioner.process.pid
        processes = [pid] + descendants(pid)
        result["processes"] = len(processes)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in processes[1:]):
            time.sleep(0.1)
        result["left_after_kill"] = sum(alive(p) for p in processes[1:])
    finally:
        kc.stop_channels()
        km.cleanup_resources()
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:3])
