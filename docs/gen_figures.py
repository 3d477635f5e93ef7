"""Docs build step (mkdocs-gen-files): draw every figure of the site by running code.

Runs each ``docs/figures/*.py`` in its own Python process, two at a time, as
``python docs/figures/NAME.py OUTDIR``, and publishes every PNG the script writes to OUTDIR as
``img/<file name>`` in the built site (the pages refer to ``img/<file name>``). A script that
fails, times out, writes no PNG, or writes a PNG another script also writes fails the build.

Every figure script is seeded and small (a few seconds each); run one by hand with
``python docs/figures/nps.py /tmp/figs`` to look at its figures without building the site.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mkdocs_gen_files
from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.loyaltystats.figures")
FIGURES = Path(__file__).resolve().parent / "figures"
TIMEOUT_S = 300


def _run(script: Path, outdir: Path) -> tuple[Path, float, subprocess.CompletedProcess]:
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(script), str(outdir)], env=env,
                              capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PluginError(f"docs figure script {script.name} took more than {TIMEOUT_S} s") from exc
    return script, time.perf_counter() - start, proc


def main() -> None:
    scripts = sorted(FIGURES.glob("*.py"))
    if not scripts:
        raise PluginError(f"no figure scripts in {FIGURES}")
    published: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="loyaltystats-docs-figures-") as tmp:
        dirs = {s: Path(tmp) / s.stem for s in scripts}
        for d in dirs.values():
            d.mkdir()
        workers = max(1, min(2, os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda s: _run(s, dirs[s]), scripts))
        for script, seconds, proc in results:
            if proc.returncode != 0:
                raise PluginError(f"docs figure script {script.name} failed "
                                  f"(exit {proc.returncode}):\n{proc.stderr[-4000:]}")
            pngs = sorted(dirs[script].glob("*.png"))
            if not pngs:
                raise PluginError(f"docs figure script {script.name} wrote no PNG")
            for png in pngs:
                if png.stat().st_size == 0:
                    raise PluginError(f"{script.name} wrote an empty {png.name}")
                if png.name in published:
                    raise PluginError(f"{png.name} is written by both {published[png.name]} "
                                      f"and {script.name}")
                published[png.name] = script.name
                with mkdocs_gen_files.open(f"img/{png.name}", "wb") as f:
                    f.write(png.read_bytes())
            log.info("figures: %s drew %s in %.1f s", script.name,
                     ", ".join(p.name for p in pngs), seconds)


main()
