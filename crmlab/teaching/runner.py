"""What runs inside a sandbox, its limits, and how its output is read back.

:data:`RUNNER` is the program the sandbox starts (``python -I -c RUNNER job.json``): it drops
root (to :data:`~crmlab.teaching.sandbox.SANDBOX_UID`), sets the resource limits, executes the
notebook with nbclient and prints one JSON line -- status, the executed notebook and the
answers the grader's last cell dumped -- on a private copy of its standard output (the
kernel's standard output goes to /dev/null). :func:`read_result` turns that line, which the
grader treats as untrusted, into a :class:`RunResult`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

__all__ = ["Limits", "RunResult", "RUNNER", "read_result"]


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run (per process, except ``disk_mb`` and ``processes``)."""

    memory_mb: int = 4096  # address space of each process (RLIMIT_AS)
    file_size_mb: int = 64  # largest file a process may write (RLIMIT_FSIZE)
    disk_mb: int = 256  # size of the private /tmp
    processes: int = 128  # processes and threads of the run (RLIMIT_NPROC)
    output_mb: int = 32  # executed notebook + answers, as read by the grader
    cpu_seconds: int | None = None  # per process (RLIMIT_CPU); default: the timeout + 60 s

    def rlimits(self, timeout: float) -> dict[str, int]:
        """Resource limits of one sandboxed run (setrlimit names to values).

        Parameters
        ----------
        timeout : float
            Wall-clock seconds of the run; CPU time defaults to it plus a minute.

        Returns
        -------
        dict of str to int
            RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_NPROC, RLIMIT_CORE.
        """
        cpu = self.cpu_seconds or int(timeout) + 60
        return {
            "RLIMIT_CPU": cpu,
            "RLIMIT_AS": self.memory_mb * 2**20,
            "RLIMIT_FSIZE": self.file_size_mb * 2**20,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_CORE": 0,
        }

    def hints(self) -> dict[str, str]:
        """Why an error happened, in the sandbox's words (keyed by what the error says).

        Returns
        -------
        dict of str to str
            Error text -> the limit it points to.
        """
        return {
            "File too large": f"sandbox: file size limit, {self.file_size_mb} MB per file",
            "No space left on device": f"sandbox: disk space limit, {self.disk_mb} MB",
            "Resource temporarily unavailable": f"sandbox: process limit, {self.processes} processes",
            "MemoryError": f"sandbox: memory limit, {self.memory_mb} MB",
            "Cannot allocate memory": f"sandbox: memory limit, {self.memory_mb} MB",
            "Read-only file system": "sandbox: only the working folder is writable",
            "Network is unreachable": "sandbox: no network",
        }


@dataclass
class RunResult:
    """What came out of one run: status (ok, timeout, failed), why, the executed notebook (JSON
    text), the dumped answers, and the seconds it took."""

    status: str
    message: str = ""
    seconds: float = 0.0
    executed: str | None = None
    answers: dict | None = None
    cpu_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the runner (inside)

#: runs inside the sandbox: drop root, set limits, execute the notebook with nbclient, print the
#: result on a private copy of stdout (the kernel's stdout goes to /dev/null).
RUNNER = r"""
import json, os, resource, sys, time
spec = json.load(open(sys.argv[1]))
if spec["uid"] is not None and os.geteuid() == 0:
    os.setgroups([]); os.setgid(spec["uid"]); os.setuid(spec["uid"])
for name, value in spec["limits"].items():
    resource.setrlimit(getattr(resource, name), (value, value))
for d in (spec["home"], spec["workdir"]):
    os.makedirs(d, exist_ok=True)
result = os.fdopen(os.dup(1), "w")
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0); os.dup2(null, 1)
started = time.monotonic()
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
nb = nbformat.reads(spec["notebook"], as_version=4)
answers_file = os.path.join(spec["workdir"], ".crmlab-answers.json")
nb.cells.append(nbformat.v4.new_code_cell(spec["dump"].replace("@ANSWERS_FILE@", answers_file),
                                          metadata={"tags": [spec["tag"]]}))
deadline = []
def remaining(cell):
    if not deadline:
        deadline.append(time.monotonic() + spec["timeout"])
    return max(1, int(deadline[0] - time.monotonic() + 0.999))
status, message = "ok", ""
try:
    NotebookClient(nb, timeout_func=remaining, allow_errors=True, kernel_name="python3",
                   startup_timeout=60, resources={"metadata": {"path": spec["workdir"]}}).execute()
except (CellTimeoutError, TimeoutError):
    status, message = "timeout", "the notebook did not finish within %g s" % spec["timeout"]
except DeadKernelError as exc:
    status, message = "failed", "the kernel died while running the notebook (%s)" % exc
except Exception as exc:
    status, message = "failed", "could not run the notebook: %s: %s" % (type(exc).__name__, exc)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
answers = None
try:
    with open(answers_file, "rb") as fh:
        answers = json.loads(fh.read(spec["answers_cap"]))
except Exception:
    pass
json.dump({"status": status, "message": message, "seconds": round(time.monotonic() - started, 1),
           "cpu_seconds": usage.ru_utime + usage.ru_stime, "executed": nbformat.writes(nb),
           "answers": answers}, result)
result.close()
"""


def read_result(out: bytes, err: bytes, why: str, seconds: float, code: int | None) -> RunResult:
    """What a sandboxed run produced: its JSON result line, or why it failed.

    Parameters
    ----------
    out, err : bytes
        The run's standard output and error.
    why : str
        Why the run ended: "output" (limit), "timeout" or "exit".
    seconds : float
        Wall-clock time.
    code : int or None
        Exit status.

    Returns
    -------
    RunResult
        status, reason, seconds (and the answers on success).
    """
    if why == "output":
        return RunResult("failed", "sandbox: output limit (the notebook's output is too large)", seconds)
    if why == "timeout":
        return RunResult("timeout", "the notebook did not finish in time and was stopped", seconds)
    try:
        data = json.loads(out.decode("utf-8", errors="replace").strip().splitlines()[-1])
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (ValueError, IndexError):
        lines = err.decode(errors="replace").strip().splitlines()
        tail = f": {lines[-1][:300]}" if lines else ""
        return RunResult("failed", f"the sandbox ended without a result (exit code {code}){tail}", seconds)
    answers = data.get("answers") if isinstance(data.get("answers"), dict) else None
    executed = data.get("executed") if isinstance(data.get("executed"), str) else None
    status = data.get("status") if data.get("status") in ("ok", "timeout", "failed") else "failed"
    cpu = data.get("cpu_seconds") if isinstance(data.get("cpu_seconds"), (int, float)) else 0.0
    return RunResult(status, str(data.get("message", ""))[:500], seconds, executed, answers, float(cpu))
