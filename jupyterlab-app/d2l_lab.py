"""Serve the JupyterLab 4 frontend of jupyterlab-app/build with Debian's jupyter_server.

PyPI's `jupyterlab` package is not available here, so this small LabServerApp plays its part:
it points jupyterlab_server at the frontend that `node build.js` made and lists prebuilt
(federated) extensions from share/jupyter/labextensions folders, as a pip-installed JupyterLab
does. Run it with /usr/bin/python3 (Debian's Python has jupyter_server and jupyterlab_server).
"""

import json
import os
import secrets
import sys
from urllib.parse import urlencode

from jupyter_core.paths import jupyter_path
from jupyter_server import serverapp
from jupyterlab_server import LabServerApp
from tornado.ioloop import IOLoop
from traitlets import Bool, default
from traitlets.config.loader import KVArgParseConfigLoader

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(HERE, "build")
# Where setup.d/50-jupyterlab.sh puts the prebuilt jupyterlab-d2l-ts extension: the same
# share/jupyter/labextensions/<name>/ layout that pip gives under sys.prefix.
LOCAL_LABEXTENSIONS = os.path.join(ROOT, "build", "share", "jupyter", "labextensions")

with open(os.path.join(BUILD, "static", "package.json"), encoding="utf-8") as fid:
    _BUILD_INFO = json.load(fid)


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": D2lLab}]


def server_defaults(environ):
    """What `npm start` sets unless the command line does: ServerApp trait -> value.

    D2L_LAB_PORT / D2L_LAB_TOKEN / D2L_LAB_ROOT choose the port (no retries then), the token and
    the folder; without them Jupyter's own defaults hold: the first free port from 8888 and a
    fresh token.
    """
    defaults = {
        "ip": "127.0.0.1",
        "token": environ.get("D2L_LAB_TOKEN") or secrets.token_hex(24),
        "open_browser": "False",
        "allow_root": "True",
        "log_level": "WARN",
    }
    if environ.get("D2L_LAB_PORT"):
        defaults.update(port=environ["D2L_LAB_PORT"], port_retries="0")
    if environ.get("D2L_LAB_ROOT"):
        defaults["root_dir"] = environ["D2L_LAB_ROOT"]
    return defaults


# The kernelspec scripts/setup.sh registers (tslab through d2l-ts's launcher), and the config
# sections that may name another default (jupyter_server's kernel managers, by class).
DEFAULT_KERNEL = "tslab"
KERNEL_MANAGERS = ("MappingKernelManager", "AsyncMappingKernelManager", "MultiKernelManager", "AsyncMultiKernelManager")


def with_defaults(argv, environ):
    """`argv` with `--ServerApp.<trait>=<default>` added for every default the user's own flags
    (`--port=9000`, `--ip 0.0.0.0`, `--ServerApp.token=…`, `--no-browser`, …) do not set.

    Read with Jupyter's own aliases and flags, so every spelling counts, and a trait is never
    given twice (traitlets refuses that: "port only accepts one value").
    """
    given = KVArgParseConfigLoader(argv=list(argv), aliases=serverapp.aliases, flags=serverapp.flags).load_config()
    chosen = set(given.get("ServerApp", {})) | set(given.get("NotebookApp", {}))
    if "token" in given.get("IdentityProvider", {}):  # jupyter_server 2's spelling
        chosen.add("token")
    if "port" in chosen:
        chosen.add("port_retries")  # the user's port, with Jupyter's own retry rule
    added = [f"--ServerApp.{name}={value}" for name, value in server_defaults(environ).items() if name not in chosen]
    # New notebooks start the TypeScript kernel, not Jupyter's default python3.
    kernel_set = any("default_kernel_name" in given.get(section, {}) for section in KERNEL_MANAGERS)
    if not kernel_set:
        added.append(f"--MappingKernelManager.default_kernel_name={DEFAULT_KERNEL}")
    return added + list(argv)


class D2lLab(LabServerApp):
    """JupyterLab 4 (npm build) served at /lab."""

    # jupyter_server finds the app through this module's extension points, by module name.
    name = __name__
    app_name = "JupyterLab"
    app_url = "/lab"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    file_url_prefix = "/lab/tree"

    app_version = _BUILD_INFO["jupyterlabVersion"]
    static_dir = os.path.join(BUILD, "static")
    templates_dir = os.path.join(BUILD, "static")
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    app_settings_dir = os.path.join(HERE, "settings")

    expose_app_in_browser = Bool(
        False, config=True, help="Set window.jupyterapp (used by the browser tests)."
    ).tag(config=True)

    repo_extension = Bool(
        True,
        config=True,
        help="Load jupyterlab-d2l-ts from this repository's build/share/jupyter/labextensions "
        "before the Jupyter data folders. False: only the data folders (sys.prefix, user, "
        "system), as a pip-installed JupyterLab does (the wheel test).",
    )

    @default("labextensions_path")
    def _labextensions_path(self):
        # Ours first, then every standard place (sys.prefix, user, system), like JupyterLab.
        standard = jupyter_path("labextensions")
        return ([LOCAL_LABEXTENSIONS] if self.repo_extension else []) + standard

    @default("user_settings_dir")
    def _user_settings_dir(self):
        return os.path.join(os.environ.get("D2L_LAB_STATE_DIR", os.path.join(ROOT, ".jupyter-local")), "user-settings")

    @default("workspaces_dir")
    def _workspaces_dir(self):
        return os.path.join(os.environ.get("D2L_LAB_STATE_DIR", os.path.join(ROOT, ".jupyter-local")), "workspaces")

    def initialize_settings(self):
        super().initialize_settings()
        page_config = self.settings.setdefault("page_config_data", {})
        page_config["exposeAppInBrowser"] = self.expose_app_in_browser
        # Once the loop runs, the server listens: its port (after retries) and token are final.
        IOLoop.current().add_callback(self.print_url)

    def print_url(self):
        """The URL the server serves, read from the server itself, printed once it listens.
        (jupyter_server's own URLs hide a token that was given rather than generated.)"""
        server = self.serverapp
        parts = server._get_urlparts(include_token=False)
        # jupyter_server 2 keeps the token on its identity provider (a D2L_LAB_PYTHON environment).
        token = getattr(getattr(server, "identity_provider", None), "token", None) or server.token
        if token:
            parts = parts._replace(query=urlencode({"token": token}))
        url = parts.geturl()
        local = parts._replace(netloc=f"127.0.0.1:{server.port}").geturl()
        also = f" (or {local})" if local != url and not server.sock else ""
        print(f"\033[1m==> JupyterLab: {url}\033[0m{also}", flush=True)
        print(f"    notebooks: {server.root_dir}   (stop with Ctrl-C)", flush=True)

    @classmethod
    def launch_instance(cls, argv=None, **kwargs):
        args = sys.argv[1:] if argv is None else argv
        super().launch_instance(argv=with_defaults(args, os.environ), **kwargs)


main = launch_new_instance = D2lLab.launch_instance

if __name__ == "__main__":
    main()
