"""Serve the JupyterLab 4 frontend of jupyterlab-app/build with Debian's jupyter_server.

PyPI's `jupyterlab` package is not available here, so this small LabServerApp plays its part:
it points jupyterlab_server at the frontend that `node build.js` made and lists prebuilt
(federated) extensions from share/jupyter/labextensions folders, as a pip-installed JupyterLab
does. Run it with /usr/bin/python3 (Debian's Python has jupyter_server and jupyterlab_server).
"""

import json
import os

from jupyter_core.paths import jupyter_path
from jupyterlab_server import LabServerApp
from traitlets import Bool, default

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


main = launch_new_instance = D2lLab.launch_instance

if __name__ == "__main__":
    main()
