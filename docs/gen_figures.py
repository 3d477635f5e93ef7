"""Docs build step (mkdocs-gen-files): draw every figure of the site by running code.

Runs each ``docs/figures/*.py`` in its own Python process, two at a time, as
``python docs/figures/NAME.py OUTDIR``, and publishes every PNG the script writes to OUTDIR as
``img/<file name>`` in the built site (the pages refer to ``img/<file name>``). A script that
fails, times out, writes no PNG, or writes a PNG another script also writes fails the build.

Every figure script is seeded and small (a few seconds each); run one by hand with
``python docs/figures/nps.py /tmp/figs`` to look at its figures without building the site.

Figures are cached by content: a script's PNGs are kept under
``$LOYALTYSTATS_DOCS_CACHE`` (default ``~/.cache/loyaltystats/docs-figures``) keyed by the
SHA-256 of the script, every source file of the package, the benchmark results the pages
read and the versions of the libraries that draw; a rebuild with nothing changed copies them
instead of redrawing. A fresh machine (CI) draws every figure once.
"""

from __future__ import annotations

import hashlib
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
ROOT = FIGURES.parents[1]
TIMEOUT_S = 300
CACHE = Path(os.environ.get("LOYALTYSTATS_DOCS_CACHE",
                            Path.home() / ".cache" / "loyaltystats" / "docs-figures"))


def _inputs_digest() -> str:
    """Hash of everything a figure depends on besides its own script."""
    from importlib.metadata import version

    h = hashlib.sha256()
    files = sorted((ROOT / "src" / "loyaltystats").rglob("*.py"))
    files += sorted((ROOT / "benchmarks" / "results").glob("*"))
    for f in files:
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(f.read_bytes())
    for lib in ("numpy", "pandas", "scipy", "statsmodels", "lifelines", "matplotlib"):
        h.update(f"{lib}={version(lib)}".encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def _cache_dir(script: Path, inputs: str) -> Path:
    key = hashlib.sha256(script.read_bytes() + inputs.encode()).hexdigest()[:24]
    return CACHE / f"{script.stem}-{key}"


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
    inputs = _inputs_digest()
    cached = {s: _cache_dir(s, inputs) for s in scripts}
    with tempfile.TemporaryDirectory(prefix="loyaltystats-docs-figures-") as tmp:
        dirs = {s: Path(tmp) / s.stem for s in scripts}
        for d in dirs.values():
            d.mkdir()
        todo = [s for s in scripts if not any(cached[s].glob("*.png"))]
        workers = max(1, min(2, os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda s: _run(s, dirs[s]), todo))
        for script in scripts:
            if script not in todo:
                dirs[script] = cached[script]
                log.info("figures: %s unchanged, figures from %s", script.name, cached[script])
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
            log.info("figures: %s drew %s in %.1f s", script.name,
                     ", ".join(p.name for p in pngs), seconds)
            _store(dirs[script], cached[script])
        for script in scripts:
            pngs = sorted(dirs[script].glob("*.png"))
            for png in pngs:
                if png.name in published and published[png.name] != script.name:
                    raise PluginError(f"{png.name} is written by both {published[png.name]} "
                                      f"and {script.name}")
                published[png.name] = script.name
                with mkdocs_gen_files.open(f"img/{png.name}", "wb") as f:
                    f.write(png.read_bytes())


def _store(src: Path, dest: Path) -> None:
    """Keep a script's figures for the next build (best effort: a read-only home is fine)."""
    import shutil

    try:
        tmp = dest.with_name(dest.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src, tmp)
        tmp.replace(dest)  # all or nothing: a half-written cache entry is never read
    except OSError as exc:
        log.info("figures: could not cache %s (%s)", dest, exc)


main()
