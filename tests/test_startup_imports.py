"""A worker starts without openpyxl: it is loaded the first time a spreadsheet is written
or read (see ``app/excel``, ``app/report.py``, ``views/excel_import.py``), so the many
workers that never touch one save its start-up time and memory. Nor does it load Alembic,
which only the commands that migrate need (``app.bootstrap.migrate_to``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: builds the app as gunicorn does (``app:create_app()``, settings from the environment),
#: then writes a small export
SCRIPT = """
import json, sys
from pathlib import Path

from app import create_app

app = create_app()
at_start = "openpyxl" in sys.modules
alembic = "alembic" in sys.modules

from app.excel import export
path = Path(sys.argv[1]) / "rows.xlsx"
count = export.write(path, "rows", [export.Column("n", "N", lambda item: item)], iter([1, 2]))
from app.bootstrap import init_database
init_database(app)
print(json.dumps({"at_start": at_start, "numpy": "numpy" in sys.modules, "count": count,
                  "after_export": "openpyxl" in sys.modules, "written": path.exists(),
                  "alembic": alembic, "migrated": "alembic" in sys.modules}))
"""


def _started(tmp_path: Path) -> dict[str, object]:
    """What :data:`SCRIPT` saw, run in a fresh interpreter."""
    env = {**os.environ, "TONGXIN_MODE": "test", "TONGXIN_INSTANCE_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}",
           "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_openpyxl_and_alembic_are_loaded_only_when_needed(tmp_path: Path) -> None:
    result = _started(tmp_path)
    assert result["at_start"] is False, f"openpyxl imported at start-up: {result}"
    assert result["after_export"] is True and result["written"] is True
    assert result["count"] == 2
    assert result["alembic"] is False and result["migrated"] is True, result
