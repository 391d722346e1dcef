"""The web process as gunicorn loads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_web_process_freezes_what_it_loaded_at_start_up():
    probe = "import gc, supportpm.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    env = {**os.environ, "SUPPORTPM_TESTING": "1", "ALLOWED_HOSTS": "testserver"}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout.split()  # fmt: skip
    frozen, tracked = int(out[0]), int(out[1])
    # Django, the apps and the URLconf are out of the collector's way; what a request builds is not.
    assert frozen > 50_000 and tracked < 1_000
