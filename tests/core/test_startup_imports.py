"""An app process starts without matplotlib (with numpy about 60 MB of memory in every app process and worker):
it is loaded when the first chart is drawn (crm/reports/charts.py). The streamed exports' peak memory
(bench: vcard_export_peak_rss_mb <= 200 MB) starts from what create_app leaves."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from crm import create_app
app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
print("matplotlib" in sys.modules, "numpy" in sys.modules)
from crm.reports import charts, figures
chart = figures.Chart(key="k", title="T", kind="bar", categories=["a"], series=[("S", [1])])
assert charts.png(chart).startswith(b"\\x89PNG")
print("matplotlib" in sys.modules)
"""


def test_matplotlib_is_loaded_with_the_first_chart_only():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]
