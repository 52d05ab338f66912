#!/usr/bin/python3
"""Completion and inspection through a live kernel, as JupyterLab asks for them (Tab, Shift+Tab).

    /usr/bin/python3 kernel_requests.py KERNEL_NAME CWD SETUP_CODE COMPLETE_CODE INSPECT_CODE
Starts the kernel KERNEL_NAME in CWD, executes SETUP_CODE, then sends a complete_request for
COMPLETE_CODE and an inspect_request for INSPECT_CODE, each with the cursor at its end, and prints
both replies' content as JSON: {"complete": {...}, "inspect": {...}}.
"""
import json
import sys

from kernel_start import start_kernel


def main(kernel_name: str, cwd: str, setup_code: str, complete_code: str, inspect_code: str) -> None:
    km, kc = start_kernel(kernel_name, cwd)
    try:
        reply = kc.execute_interactive(setup_code, timeout=120, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise SystemExit(f"setup code failed: {reply['content']}")
        complete = kc.complete(complete_code, len(complete_code), reply=True, timeout=60)["content"]
        inspect = kc.inspect(inspect_code, len(inspect_code), detail_level=0, reply=True, timeout=60)["content"]
        print(json.dumps({"complete": complete, "inspect": inspect}))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


if __name__ == "__main__":
    main(*sys.argv[1:6])
