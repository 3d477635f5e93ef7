"""The one file writer (issue #18): all or nothing, never through a link or into a device."""

from __future__ import annotations

import os
import stat

import pytest

from loyaltystats._files import atomic_output, write_text_atomic
from loyaltystats.errors import LoyaltyStatsError, OutputError


def test_writes_and_replaces_a_regular_file_keeping_its_mode(tmp_path):
    p = tmp_path / "r.html"
    p.write_text("old")
    os.chmod(p, 0o640)
    write_text_atomic(p, "new")
    assert p.read_text() == "new"
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["r.html"]


def test_a_new_file_gets_the_umask_mode_not_the_temporary_files_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "n.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.txt").stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_litter(tmp_path):
    p = tmp_path / "scores.csv"
    p.write_text("good old content")
    with pytest.raises(RuntimeError), atomic_output(p) as fh:
        fh.write("half of the new")
        raise RuntimeError("disk full")
    assert p.read_text() == "good old content"
    assert sorted(os.listdir(tmp_path)) == ["scores.csv"]


def test_symlinks_directories_and_fifos_are_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.txt"
    link.symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        write_text_atomic(link, "x")
    assert victim.read_text() == "keep me" and link.is_symlink()
    with pytest.raises(OutputError, match="directory"):
        write_text_atomic(tmp_path, "x")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="FIFO"):
        write_text_atomic(fifo, "x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    with pytest.raises(OutputError, match="does not exist"):
        write_text_atomic(tmp_path / "no" / "dir.txt", "x")
    assert issubclass(OutputError, LoyaltyStatsError) and issubclass(OutputError, OSError)


def test_a_file_planted_at_a_predictable_name_is_not_followed(tmp_path):
    # the old writer used PATH.partial: a link planted there must not receive the output
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "out.csv.partial").symlink_to(victim)
    write_text_atomic(tmp_path / "out.csv", "scores")
    assert victim.read_text() == "keep me"
    assert (tmp_path / "out.csv").read_text() == "scores"


def test_the_cli_and_the_report_refuse_a_symlinked_output(tmp_path):
    import pandas as pd

    from loyaltystats.claims import ClaimsReport
    from loyaltystats.claims.report import REPORT_COLUMNS

    victim = tmp_path / "victim.html"
    victim.write_text("keep me")
    link = tmp_path / "report.html"
    link.symlink_to(victim)
    report = ClaimsReport(table=pd.DataFrame([{c: "" for c in REPORT_COLUMNS}]))
    with pytest.raises(OutputError):
        report.to_html(link)
    assert victim.read_text() == "keep me"


def _run(code: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)


def test_a_full_disk_keeps_the_old_file(tmp_path):
    # RLIMIT_FSIZE makes writes beyond 64 KiB fail (EFBIG), as a full disk would
    target = tmp_path / "report.html"
    target.write_text("good old report")
    code = f"""
import resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
from loyaltystats._files import write_text_atomic
try:
    write_text_atomic({str(target)!r}, "x" * 1_000_000)
except OSError as exc:
    print("failed", exc.errno)
"""
    out = _run(code)
    assert out.stdout.startswith("failed"), out.stderr
    assert target.read_text() == "good old report"
    assert sorted(os.listdir(tmp_path)) == ["report.html"]


def test_sigkill_mid_write_keeps_the_old_file(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "scores.csv"
    target.write_text("good old scores")
    code = f"""
import time
from loyaltystats._files import atomic_output
with atomic_output({str(target)!r}) as fh:
    fh.write("half of the new scores")
    fh.flush()
    print("writing", flush=True)
    time.sleep(60)
"""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.1)
    assert target.read_text() == "good old scores"
    # SIGKILL cannot be caught: the hidden temporary file stays until the next write of the
    # same file, which removes it (its writer is dead)
    leftovers = [p for p in os.listdir(tmp_path) if p != "scores.csv"]
    assert all(p.startswith(".scores.csv.") and p.endswith(".tmp") for p in leftovers)
    write_text_atomic(target, "new scores")
    assert sorted(os.listdir(tmp_path)) == ["scores.csv"]
    assert target.read_text() == "new scores"


def test_a_live_writers_temporary_file_is_not_swept(tmp_path):
    live = tmp_path / f".out.csv.{os.getpid()}.abc.tmp"   # this process is alive
    live.write_text("in progress")
    write_text_atomic(tmp_path / "out.csv", "x")
    assert live.exists()


def test_sigterm_mid_write_leaves_the_old_file_and_no_litter(tmp_path):
    import signal
    import subprocess
    import sys

    target = tmp_path / "scores.csv"
    target.write_text("good old scores")
    code = f"""
import time
from loyaltystats.cli import _exit_on_sigterm
from loyaltystats._files import atomic_output
_exit_on_sigterm()   # what loyaltystats.cli.main installs
with atomic_output({str(target)!r}) as fh:
    fh.write("half of the new scores")
    print("writing", flush=True)
    time.sleep(60)
"""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert target.read_text() == "good old scores"
    assert sorted(os.listdir(tmp_path)) == ["scores.csv"]


def test_special_outputs_only_with_the_explicit_choice(tmp_path):
    victim = tmp_path / "real.csv"
    victim.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    with pytest.raises(OutputError):
        write_text_atomic(link, "new")
    write_text_atomic(link, "new", allow_special=True)     # the link's file, replaced
    assert link.is_symlink() and victim.read_text() == "new"
    with pytest.raises(OutputError, match="directory"):
        write_text_atomic(tmp_path, "x", allow_special=True)


def test_cli_writes_to_a_fifo_only_when_allowed(tmp_path):
    import threading

    from loyaltystats.cli import main

    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    args = ["report", "--demo", "--n-customers", "1500", "--out", "", "--json", str(fifo)]
    assert main(args) == 2                                 # refused: a FIFO
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    assert main([*args, "--allow-special-output", "--allow-failed"]) == 0
    reader.join(timeout=30)
    assert got and got[0].startswith("{") and '"claims"' in got[0]
