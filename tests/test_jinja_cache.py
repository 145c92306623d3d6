"""Page templates are compiled once per server process (workbench/serve/jinja_cache.py)."""

from __future__ import annotations

import jinja2
import nbformat
from nbconvert.exporters.html import HTMLExporter

from workbench.serve import jinja_cache


def compiles_during(fn) -> int:
    calls = []
    original = jinja2.Environment.compile

    def counting(self, *args, **kwargs):
        calls.append(args[1] if len(args) > 1 else kwargs.get("name"))
        return original(self, *args, **kwargs)

    jinja2.Environment.compile = counting
    try:
        fn()
    finally:
        jinja2.Environment.compile = original
    return len(calls)


def render(marker: str) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"hello {marker}")])
    return HTMLExporter(template_name="lab").from_notebook_node(nb)[0]


def test_a_second_exporter_compiles_nothing_and_renders_the_same():
    jinja_cache.install()
    jinja_cache.install()  # twice is once
    first = compiles_during(lambda: render("a"))
    html = []
    second = compiles_during(lambda: html.append(render("b")))
    assert first > 0 and second == 0
    assert "hello b" in html[0]


def test_an_edited_template_is_compiled_again():
    env = jinja2.Environment(loader=jinja2.DictLoader({"t": "one {{ x }}"}), bytecode_cache=jinja_cache.CACHE)
    assert env.get_template("t").render(x=1) == "one 1"
    env2 = jinja2.Environment(loader=jinja2.DictLoader({"t": "two {{ x }}"}), bytecode_cache=jinja_cache.CACHE)
    assert env2.get_template("t").render(x=2) == "two 2"


def test_async_and_plain_environments_keep_their_own_code():
    loader = jinja2.DictLoader({"m": "mode {{ x }}"})
    plain = jinja2.Environment(loader=loader, bytecode_cache=jinja_cache.CACHE)
    assert plain.get_template("m").render(x=1) == "mode 1"
    asynchronous = jinja2.Environment(loader=loader, bytecode_cache=jinja_cache.CACHE, enable_async=True)
    import asyncio

    assert asyncio.run(asynchronous.get_template("m").render_async(x=2)) == "mode 2"
