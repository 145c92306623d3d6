"""Compile each page template once per server, not once per page.

Voila renders every page with a new nbconvert exporter, and each exporter makes
a new Jinja environment, so the page templates (ours and the base templates
they extend) were parsed and compiled again for every participant: a tenth of
the server process's CPU with sixty arriving (py-spy, bench_arrivals.py).

Jinja's own answer is a bytecode cache: the environment asks it before
compiling a template and stores what it compiled. Here one in-memory cache is
given to every environment the exporters make. Jinja checks each entry against
the template's source (a checksum), so an edited template is compiled afresh;
the code differs between async and plain rendering, so each mode has its own
entries.
"""

from __future__ import annotations

import threading

from jinja2.bccache import Bucket, BytecodeCache


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates in memory, shared by every environment in this process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get_bucket(self, environment, name, filename, source):
        mode = "async" if environment.is_async else "sync"
        bucket = Bucket(environment, f"{self.get_cache_key(name, filename)}:{mode}",
                        self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket) -> None:
        with self._lock:
            data = self._code.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        data = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = data


CACHE = SharedBytecodeCache()


def install() -> None:
    """Give every nbconvert template environment (Voila's exporters among them) the shared cache."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    if getattr(TemplateExporter._create_environment, "_workbench_cached", False):
        return
    create = TemplateExporter._create_environment

    def _create_environment(self):
        environment = create(self)
        environment.bytecode_cache = CACHE
        return environment

    _create_environment._workbench_cached = True
    TemplateExporter._create_environment = _create_environment
