"""Shared test configuration: a non-interactive matplotlib backend for plot tests."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
