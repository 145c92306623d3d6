"""Run many real processes at once (as participants' kernels are) and collect what each reports.

Shared by the concurrency tests and benchmarks/bench_load.py. Each worker is a
top-level function ``target(*args, start, out)``: it does its setup (imports,
opening the store), calls ``start.wait()`` so that all begin together once all
are ready, does its work, and puts one ``(key, result)`` pair on ``out``.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections.abc import Callable, Iterable


def spawn_and_collect(target: Callable, args_each: Iterable[tuple], timeout: float = 300.0,
                      ready_timeout: float = 300.0) -> dict:
    """Start one spawned process per argument tuple, release them together, return {key: result}.

    Raises RuntimeError naming the workers that exited with a non-zero code or
    never got ready, so a crash is never read as "nothing lost".
    """
    args_each = list(args_each)
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(len(args_each) + 1), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, out)) for args in args_each]
    for p in procs:
        p.start()
    results: dict = {}
    try:
        start.wait(timeout=ready_timeout)  # every worker has done its setup
        for _ in procs:
            key, value = out.get(timeout=timeout)
            results[key] = value
    except threading.BrokenBarrierError:
        start.abort()
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
                p.join()
    failed = {i: p.exitcode for i, p in enumerate(procs) if p.exitcode != 0}
    if failed or len(results) < len(procs):
        raise RuntimeError(f"{len(procs) - len(results)} of {len(procs)} workers reported nothing; "
                           f"exit codes of the failed ones: {failed}")
    return results
