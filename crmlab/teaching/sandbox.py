"""Run one submitted notebook in a sandbox: bubblewrap namespaces, resource limits, nothing else inside.

Each run gets its own ``bwrap`` sandbox (Debian package ``bubblewrap``):

* a fresh mount namespace holding, read-only: ``/usr`` (and the ``/lib*``, ``/bin`` links), a few
  files of ``/etc`` the dynamic linker and fonts need, the Python the venv links to, the venv,
  and a **copy of crmlab without the grader** (:data:`ALLOWED` lists the teaching modules that
  enter; every other module of ``crmlab.teaching`` -- the answer key ``checks``, ``grading``,
  ``cli`` ... -- is replaced by a stub that raises ImportError). The job (the submitted
  notebook with the student's parameters) and the student's own data are bound read-only at
  ``/grading/job.json`` and ``/grading/data``. The only writable place is a private tmpfs
  ``/tmp`` of bounded size; the executed notebook and the answers leave through the runner's
  standard output, read by the grader up to a size limit;
* new PID, network (loopback only), IPC and UTS namespaces, a new session (no terminal),
  ``--die-with-parent``; when the run ends, the namespace's init dies and the kernel kills
  every process left in it (a ``setsid`` daemon included); the grader waits until it is gone;
* no environment but a short allow-list (``--clearenv``): the course key never enters;
* limits set inside before any student code runs: CPU time, address space, file size, number
  of processes (``RLIMIT_NPROC``); when the grader runs as root, the run drops to the
  unprivileged uid :data:`SANDBOX_UID` first (root is exempt from the process limit).

What runs inside is :data:`crmlab.teaching.runner.RUNNER`. With ``unsafe=True``
(``--unsafe-no-sandbox``) the same runner is started as a plain child process with the same
environment and limits (but no process limit: without a user namespace it would count every
process of the teacher's), and sees the whole file system with the teacher's rights.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .runner import RUNNER, Limits, RunResult, read_result

__all__ = ["ALLOWED", "SANDBOX_UID", "Limits", "RunResult", "Sandbox", "SandboxUnavailable", "find_bwrap"]

#: the modules of crmlab.teaching a student notebook may import (everything else is a stub inside)
ALLOWED = ("__init__.py", "roster.py", "inputs.py", "exercises.py")
#: the uid/gid a run uses when the grader is root (no passwd entry needed)
SANDBOX_UID = 1_337_042
INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
    "bubblewrap), or pass --unsafe-no-sandbox (make grade UNSAFE_NO_SANDBOX=1) to run the students' "
    "code with your own rights"
)
_STUB = (
    '"""Not available here."""\n\n'
    "raise ImportError(\n"
    "    '{module} is part of the grader (the answer key): it is not available inside the grading "
    "sandbox'\n)\n"
)
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts", "localtime", "mime.types")
_ENV = {
    "HOME": "/tmp/home",
    "USER": "student",
    "LOGNAME": "student",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "JUPYTER_PREFER_ENV_PATH": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here; the message says what to do."""


def find_bwrap() -> str | None:
    """The bubblewrap executable on PATH, or None.

    Returns
    -------
    str or None
        The path of bwrap.
    """
    return shutil.which("bwrap")


# --------------------------------------------------------------------------- the sandbox (outside)


def _stage_crmlab(into: Path) -> Path:
    """A copy of the crmlab package with every non-allowed teaching module replaced by a stub."""
    import compileall

    import crmlab

    source = Path(crmlab.__file__).resolve().parent
    copy = into / "crmlab"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    for path in (copy / "teaching").rglob("*.py"):
        if path.name not in ALLOWED or path.parent != copy / "teaching":
            module = "crmlab.teaching." + path.relative_to(copy / "teaching").with_suffix("").as_posix()
            path.write_text(_STUB.format(module=module.replace("/", ".")))
    compileall.compile_dir(str(copy), quiet=1)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


def _system_binds() -> list[str]:
    argv = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    argv += ["--perms", "0755", "--dir", "/etc"]
    for name in _ETC:
        argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return argv


def _with_parents(binds: list[tuple[str, str]]) -> list[str]:
    """``--ro-bind`` for each (source, destination), creating missing parents with mode 0755."""
    argv, made = [], {"/", "/usr", "/etc", "/tmp"}
    for source, dest in binds:
        for parent in reversed(Path(dest).parents):
            if str(parent) not in made:
                argv += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        argv += ["--ro-bind", source, dest]
    return argv


class Sandbox:
    """Runs notebooks one at a time, each in a fresh sandbox (or, unsafe, a plain child process).

    Use as a context manager: entering stages the crmlab copy and checks that bwrap works.
    """

    def __init__(self, unsafe: bool = False, limits: Limits | None = None, bwrap: str | None = None):
        self.unsafe = unsafe
        self.limits = limits or Limits()
        self.bwrap = bwrap if bwrap is not None else find_bwrap()
        self._staging: tempfile.TemporaryDirectory | None = None
        self._crmlab: Path | None = None
        if not unsafe and not self.bwrap:
            raise SandboxUnavailable(
                "grading runs every submission in a bubblewrap sandbox, and bwrap is not installed: "
                + INSTALL_HINT
            )

    def __enter__(self) -> Sandbox:
        self._staging = tempfile.TemporaryDirectory(prefix="crmlab-sandbox-")
        os.chmod(self._staging.name, 0o755)
        if not self.unsafe:
            self._crmlab = _stage_crmlab(Path(self._staging.name))
            self._probe()
        return self

    def __exit__(self, *exc) -> None:
        if self._staging is not None:
            self._staging.cleanup()

    def data_path(self, data_dir: Path) -> str:
        """Where the notebook finds the student's data (the ``data_dir`` parameter).

        Parameters
        ----------
        data_dir : pathlib.Path
            The host path of the data copy.

        Returns
        -------
        str
            The path inside the sandbox.
        """
        return str(data_dir) if self.unsafe else "/grading/data"

    def explain(self, message: str) -> str:
        """``message`` with the sandbox limit it points to, if any (e.g. 'File too large').

        Parameters
        ----------
        message : str
            An error message from the run.

        Returns
        -------
        str
            The message, with the limit named where one applies.
        """
        for key, hint in self.limits.hints().items():
            if key in message:
                return f"{message} ({hint})"
        return message

    # -- the command line ---------------------------------------------------------------
    def argv(self, job_file: Path, data_dir: Path) -> list[str]:
        """The bwrap command for one run (``job_file`` and ``data_dir`` are host paths).

        Parameters
        ----------
        job_file : pathlib.Path
            The job description (notebook and parameters).
        data_dir : pathlib.Path
            The student's data copy.

        Returns
        -------
        list of str
            The command.
        """
        import crmlab

        root = os.geteuid() == 0
        argv = [self.bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
        argv += ["--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
        if root:  # the run switches to SANDBOX_UID itself, before any student code
            argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            argv += ["--unshare-user", "--disable-userns"]
        argv += _system_binds()
        # the private /tmp first: binds below it (a project or venv under /tmp) must stay visible
        argv += ["--perms", "1777", "--size", str(self.limits.disk_mb * 2**20), "--tmpfs", "/tmp"]
        python = [
            Path(p).resolve() for p in (sys.base_prefix, sys.prefix, Path(sys.executable).resolve().parent)
        ]
        python = [p for p in dict.fromkeys(python) if not any(q in p.parents for q in python)]
        binds = [(str(p), str(p)) for p in python]
        binds.append((str(self._crmlab), str(Path(crmlab.__file__).resolve().parent)))
        binds += [(str(job_file), "/grading/job.json"), (str(data_dir), "/grading/data")]
        argv += _with_parents(binds)
        argv += ["--proc", "/proc", "--dev", "/dev"]
        env = dict(_ENV, PATH=f"{sys.prefix}/bin:/usr/bin:/bin")
        for key, value in env.items():
            argv += ["--setenv", key, value]
        argv += ["--chdir", "/tmp", "--", sys.executable, "-I", "-c", RUNNER, "/grading/job.json"]
        return argv

    def _probe(self) -> None:
        """Start one sandbox that imports what a notebook imports, as the run's user: bwrap may be
        installed but unable to create namespaces, or the venv unreadable for that user."""
        n = self.limits.processes
        probe = (
            f"import resource, subprocess; resource.setrlimit(resource.RLIMIT_NPROC, ({n}, {n})); "
            "subprocess.run(['/bin/true'], check=True); import crmlab.teaching"
        )
        if os.geteuid() == 0:
            probe = (
                f"import os; os.setgroups([]); os.setgid({SANDBOX_UID}); os.setuid({SANDBOX_UID}); " + probe
            )
        with tempfile.TemporaryDirectory(prefix="crmlab-probe-") as tmp:
            os.chmod(tmp, 0o755)
            job = Path(tmp) / "job.json"
            job.write_text("{}")
            job.chmod(0o644)
            argv = self.argv(job, Path(tmp))
            argv = argv[: argv.index("--")] + ["--", sys.executable, "-I", "-c", probe]
            done = subprocess.run(argv, capture_output=True, text=True, env={}, timeout=120)
        if done.returncode and "Resource temporarily unavailable" in done.stderr:
            raise SandboxUnavailable(
                f"the sandbox's process limit ({n}) counts every process of your user on this kernel "
                "(Linux < 5.14 without root): grade as root, or pass --processes larger than your "
                "process count"
            )
        if done.returncode:
            raise SandboxUnavailable(
                f"bwrap could not start a sandbox here ({done.stderr.strip()[-300:] or done.returncode}); "
                "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1, or run as "
                "root); or " + INSTALL_HINT.split(", or ", 1)[1]
            )

    # -- one run -------------------------------------------------------------------------
    def run(self, notebook: str, data_dir: Path, dump: str, tag: str, timeout: float) -> RunResult:
        """Execute ``notebook`` (JSON text, parameters already injected) on ``data_dir``.

        ``dump`` is the source of the last cell (``@ANSWERS_FILE@`` is replaced by the path
        the answers go to), tagged ``tag``. Never raises for what the notebook does.

        Parameters
        ----------
        notebook : str
            The notebook's JSON text.
        data_dir : pathlib.Path
            The student's data copy (mounted read-only).
        dump : str
            Name of the answers file the run writes.
        tag : str
            A label for temporary names.
        timeout : float
            Seconds.

        Returns
        -------
        RunResult
            Status, reason, seconds and answers.
        """
        with tempfile.TemporaryDirectory(prefix="crmlab-run-") as tmp:
            os.chmod(tmp, 0o755)
            inside = not self.unsafe
            limits = self.limits.rlimits(timeout)
            if inside:
                _readable(data_dir)
            else:  # without a user namespace the count would include all of the teacher's processes
                del limits["RLIMIT_NPROC"]
            spec = {
                "uid": SANDBOX_UID if inside else None,
                "limits": limits,
                "home": "/tmp/home" if inside else f"{tmp}/home",
                "workdir": "/tmp/run" if inside else f"{tmp}/run",
                "notebook": notebook,
                "dump": dump,
                "tag": tag,
                "timeout": timeout,
                "answers_cap": self.limits.output_mb * 2**20,
            }
            job = Path(tmp) / "job.json"
            job.write_text(json.dumps(spec))
            job.chmod(0o644)
            if inside:
                argv, env = self.argv(job, data_dir), {}
            else:
                argv = [sys.executable, "-I", "-c", RUNNER, str(job)]
                env = dict(_ENV, HOME=spec["home"], PATH=f"{sys.prefix}/bin:/usr/bin:/bin")
            result = self._execute(argv, env, tmp, timeout)
        cpu = limits["RLIMIT_CPU"]
        if "kernel died" in result.message and result.cpu_seconds >= cpu - 1:
            result.message += f" (sandbox: CPU time limit, {cpu} s)"
        return result

    def _execute(self, argv: list[str], env: dict, cwd: str, timeout: float) -> RunResult:
        info_r, info_w = os.pipe() if not self.unsafe else (None, None)
        if info_w is not None:
            argv = [argv[0], "--info-fd", str(info_w), *argv[1:]]
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=(info_w,) if info_w is not None else (),
        )
        if info_w is not None:
            os.close(info_w)
        backstop = timeout + 90  # kernel start-up (60 s) and the runner's own start
        out, err, info, why = _collect(proc, info_r, started + backstop, self.limits.output_mb * 2**20)
        _bury(proc, info)
        seconds = round(time.monotonic() - started, 1)
        return read_result(out, err, why, seconds, proc.returncode)


def _readable(folder: Path) -> None:
    """Let the sandbox's user read the student's data, whatever the teacher's umask."""
    os.chmod(folder, 0o755)
    for path in Path(folder).rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _collect(proc, info_fd, deadline: float, cap: int):
    """Read stdout (up to ``cap`` bytes), stderr (the last 64 kB) and bwrap's info until the
    process ends; kill it at ``deadline`` or when the output exceeds ``cap``."""
    chunks = {"out": bytearray(), "err": bytearray(), "info": bytearray()}
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    if info_fd is not None:
        sel.register(info_fd, selectors.EVENT_READ, "info")
    why, ended = "", None
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            why = "timeout"
            break
        if proc.poll() is not None:  # a process it left behind may hold the pipes open
            ended = ended or time.monotonic()
            if time.monotonic() - ended > 2:
                break
        _drain(sel, chunks, min(left, 0.5))
        if len(chunks["out"]) > cap:
            why = "output"
            break
    sel.close()
    if why:
        _kill(proc)
    if info_fd is not None:
        os.close(info_fd)
    proc.wait()
    try:
        info = json.loads(bytes(chunks["info"]).split(b"}")[0] + b"}") if chunks["info"] else {}
    except ValueError:
        info = {}
    return bytes(chunks["out"]), bytes(chunks["err"]), info, why


def _drain(sel, chunks: dict, wait: float) -> None:
    """Read what is ready (stderr: keep the last 64 kB); unregister pipes that closed."""
    for key, _ in sel.select(timeout=wait):
        fd = key.fileobj if isinstance(key.fileobj, int) else key.fileobj.fileno()
        data = os.read(fd, 1 << 16)
        if not data:
            sel.unregister(key.fileobj)
            continue
        chunks[key.data] += data
        if key.data == "err" and len(chunks["err"]) > 1 << 16:
            del chunks["err"][: -(1 << 16)]


def _kill(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _bury(proc, info: dict) -> None:
    """Make sure the run's PID namespace is gone: its init (bwrap's child) dead, so every
    process of the run is dead. Without bwrap (unsafe), kill the run's process group."""
    _kill(proc)
    pid = info.get("child-pid")
    if not pid:
        return
    for _ in range(200):  # the init exits only after the kernel has killed the namespace
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if state in ("Z", "X"):
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise RuntimeError(f"the sandbox (pid {pid}) did not end")  # pragma: no cover - never seen
