"""Letter runs stream (issue 17): the working memory of 2,000 letters is far below 10x that of 200,
for the built-in DIN 5008 letter and for an uploaded Word template.

The letters are XML trees made by lxml (libxml2 allocates them, tracemalloc does not see them), so
each run is measured in a fresh process by its resident memory: the peak (VmHWM, reset to the
current size just before the call through /proc/self/clear_refs) minus the size before the call.
The merge rows are prepared before the measurement (a letter run makes them from the database),
and each process first makes a few letters unmeasured, so that neither size pays for what the
first letters of a process allocate once (imports, the cached letter template, compiled
expressions). The engine works LETTER_CHUNK letters (100) at a time: 200 letters are two chunks,
2,000 are twenty; what may grow with the letters is the compressed .docx itself (held in memory
until it is stored with the run).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMALL, LARGE = 200, 2000

CHILD = """
import gc, io, json, sys, zipfile
from pathlib import Path
from crm.interop import letters
from tests.interop import word_files
from tests.interop.test_letters import ADDRESSEES, LETTERHEAD, TEXT, rows_for

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

kind, count = sys.argv[1], int(sys.argv[2])
template = word_files.serienbrief(text_paragraphs=8)  # about a page: the test template and a letter's text

def make(rows):
    if kind == "builtin":
        return letters.builtin_letters(LETTERHEAD, TEXT, rows)
    return letters.merge_template(template, rows)

make(rows_for(ADDRESSEES))  # warm-up, not measured
rows = rows_for([ADDRESSEES[i % len(ADDRESSEES)] for i in range(count)])
gc.collect()
Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from the current size
before = status("VmRSS")
data = make(rows)
peak = status("VmHWM") - before
with zipfile.ZipFile(io.BytesIO(data)) as archive:
    document = archive.read("word/document.xml")
print(json.dumps({"peak": peak, "bytes": len(data), "xml": len(document), "sections": document.count(b"<w:sectPr")}))
"""


def _measure(kind: str, count: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", CHILD, kind, str(count)], capture_output=True, env=env,
                            cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


@pytest.fixture(scope="module")
def resettable_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError as error:  # not Linux, or a kernel without it: the peak cannot be measured per call
        pytest.skip(f"the peak memory of a call cannot be measured here: {error}")


@pytest.mark.parametrize("kind", ["builtin", "template"])
def test_peak_memory_of_letters_does_not_grow_with_ten_times_the_letters(resettable_peak, kind):
    small, large = _measure(kind, SMALL), _measure(kind, LARGE)
    report = {"letters": (SMALL, LARGE), "peak MB": (round(small["peak"] / 2**20, 1), round(large["peak"] / 2**20, 1)),
              "ratio": round(large["peak"] / small["peak"], 2), "docx KB": (small["bytes"] // 1024, large["bytes"] // 1024)}
    print(f"letter memory ({kind}):", report)
    assert (small["sections"], large["sections"]) == (SMALL, LARGE)  # every letter is in the file
    assert large["xml"] > 9 * small["xml"]  # the letters' XML did grow tenfold
    assert large["peak"] < 3 * small["peak"], report
