"""An nbconvert HTML exporter that shows SVG outputs.

Debian 12's nbconvert 6.5.3 passes every `image/svg+xml` output through lxml's HTML
`clean_html`, which removes all SVG drawing elements (`path`, `text`, `g`, `image` ...) and
leaves an empty `<svg>` (jupyter/nbconvert#1849, fixed upstream in 7.2.3 by a different
sanitiser; not installable here without PyPI). This exporter overrides only the SVG block of
the stock `lab` template: the SVG goes in as an `<img>` with a data URI, which browsers draw
exactly but never run scripts in, so it is self-contained and as safe as the sanitiser meant.

    from svg_html import html_exporter
    body, _ = html_exporter().from_notebook_node(nb)
"""
from __future__ import annotations

import base64

from jinja2 import DictLoader
from nbconvert import HTMLExporter

TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
<img src="{{ output.data['image/svg+xml'] | svg_data_uri }}">
</div>
{%- endblock data_svg %}
"""


def svg_data_uri(svg) -> str:
    text = "".join(svg) if isinstance(svg, list) else svg
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def html_exporter() -> HTMLExporter:
    return HTMLExporter(
        extra_loaders=[DictLoader({"d2l_svg_as_img.html.j2": TEMPLATE})],
        template_file="d2l_svg_as_img.html.j2",
        filters={"svg_data_uri": svg_data_uri},
    )
