"""What the facilitator's room costs per poll on the demo project: group progress, opinion analysis, redraw.

    python benchmarks/bench_room.py                # builds the demo in a temporary folder (~2 min)
    python benchmarks/bench_room.py --project DIR  # an existing project

Prints the best of a few runs of each step (wall clock, this machine, whatever else runs on it; the
load average is printed so a busy machine shows). Not collected by pytest; writes nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def best_ms(fn, runs: int = 3) -> float:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", help="an existing project folder (default: build the demo)")
    args = ap.parse_args()
    import workbench

    if args.project:
        project = workbench.open(args.project)
    else:
        from workbench.demo import build_demo

        project = build_demo(os.path.join(tempfile.mkdtemp(prefix="bench-room-"), "demo"))
    from workbench.purpose.analysis import analyse_store
    from workbench.stages import group_progress
    from workbench.ui.room import RoomView

    events = project.store.events()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {len(events)} events")
    print(f"store.events():        {best_ms(project.store.events):8.1f} ms")
    print(f"group_progress():      {best_ms(lambda: group_progress(events)):8.1f} ms")
    print(f"analysis, first:       {best_ms(lambda: analyse_store(project.store), 1):8.1f} ms (imports scikit-learn)")
    print(f"analysis:              {best_ms(lambda: analyse_store(project.store)):8.1f} ms")
    room = RoomView(project, "en")
    print(f"poll, log unchanged:   {best_ms(room.poll, 5):8.1f} ms")
    print(f"render, log grew:      {best_ms(room.render):8.1f} ms (opinion groups held back: OPINION_EVERY_S)")
    project.close()


if __name__ == "__main__":
    main()
