"""jupyterlab_d2l_ts: the JupyterLab 4 extension that draws d2l-ts figures with plotly.

Installing the wheel puts the prebuilt extension in <sys.prefix>/share/jupyter/labextensions/
jupyterlab-d2l-ts/, where JupyterLab 4 finds it (`jupyter labextension list`); there is no
server part, so this module holds only the version.
"""
from importlib.metadata import version

__version__ = version("jupyterlab_d2l_ts")
