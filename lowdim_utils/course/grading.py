"""Grading submitted notebooks: the learner's code runs in its own kernel; the verdict never does.

How a submission is graded (``python -m lowdim_utils.course.instructor grade``):

1. **Exercises and points come from the instructor's copy** of the course: the lesson's
   registered exercises (public checks, hidden parts and their weights), never from the
   submission. A submission that deletes a check cell loses nothing the grader looks at.
2. **The submission runs in a scratch folder**: a fresh kernel (``ipykernel``) whose working
   folder holds only a copy of the notebook, and which imports a *release* copy of
   ``lowdim_utils`` (no ``solutions/``, no hidden checks, no wrong answers; marked as a release,
   so an unsolved exercise stops as in class). The kernel has a memory limit; every cell a time
   limit (default 300 s, nbval's and the book's). A cell that runs too long is interrupted and
   grading goes on with the next cell, as the lesson would in class. A cell that kills the
   kernel (``os._exit``, a crash) is skipped: the kernel is restarted and the cells before it
   are run again. The executed notebook is kept beside the report.
3. **The checks run in the grader's process, not in the kernel.** For each exercise the check
   calls a stand-in for the learner's function that sends the arguments to the kernel, where
   the learner's function runs, and receives its result as *data only*
   (:mod:`lowdim_utils.course._codec`: JSON and NumPy arrays, no pickle). Nothing the learner's
   code does — writing a "passed" record, replacing ``lu.check``, patching the checks module,
   ``sys.exit`` — can reach the verdict; a learner's function can only return values, and those
   are checked.
4. Reports: ``NAME.report.json``, ``NAME.report.md`` (per exercise: status, score, the feedback
   a learner can act on, and what happened while the notebook ran), and a Gradescope
   ``NAME.results.json`` (``tests[].{name, score, max_score, output, visibility}``).

What it does not guard against: the kernel runs as the grader's user on the grader's
machine, so code that knows where the instructor's files are can read or delete them, open
network connections, or use the CPU for the whole time limit. For submissions you do not
trust, run the grader inside a container or as a separate user without access to the
instructor's copy (see the instructor guide in the book).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _codec
from .layout import PACKAGE_DIR

__all__ = ["grade", "grade_all", "format_report", "release_package", "DEFAULT_CELL_TIMEOUT"]

#: seconds per cell: what nbval (make test) and the book's executor allow
DEFAULT_CELL_TIMEOUT = 300.0
DEFAULT_MEMORY_MB = 4096

_LAUNCHER = r'''
import os, resource, sys
mb = int(os.environ.get("LOWDIM_GRADER_MEMORY_MB", "0"))
if mb > 0:
    lim = mb * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (lim, lim))
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
'''


def release_package(dst: Path) -> Path:
    """Copy ``lowdim_utils`` as a classroom release ships it into ``dst/lowdim_utils``: without the
    instructor-only ``course/hidden`` (wrong answers, hidden parts), marked as a release."""
    dst = Path(dst)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "_data")
    shutil.copytree(PACKAGE_DIR, dst / "lowdim_utils", ignore=ignore)
    shutil.rmtree(dst / "lowdim_utils" / "course" / "hidden", ignore_errors=True)
    (dst / "lowdim_utils" / "_release").write_text(
        "This copy of the course is a classroom release: it ships without solutions.\n")
    return dst / "lowdim_utils"


# ----------------------------------------------------------------------------- the kernel

@dataclass
class CellRun:
    status: str                    # ok | error | timeout | died
    outputs: list = field(default_factory=list)
    ename: str = ""
    evalue: str = ""
    seconds: float = 0.0


class KernelSession:
    """The learner's kernel: scratch working folder, release package, memory limit."""

    def __init__(self, workdir: Path, pkgdir: Path, memory_mb: int, startup_timeout: float = 120.0):
        self.workdir, self.pkgdir = Path(workdir), Path(pkgdir)
        self.memory_mb, self.startup_timeout = int(memory_mb), startup_timeout
        self.km = self.kc = None
        self.spec_dir = self.workdir.parent / "kernels"
        (self.spec_dir / "lowdim-grader").mkdir(parents=True, exist_ok=True)
        launcher = self.workdir.parent / "launch_kernel.py"
        launcher.write_text(_LAUNCHER)
        (self.spec_dir / "lowdim-grader" / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, str(launcher), "-f", "{connection_file}"],
            "display_name": "LowDim grader", "language": "python"}))

    def _env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if k not in ("LOWDIM_SOLUTIONS", "LOWDIM_GRADING_LOG", "MPLBACKEND", "JPY_PARENT_PID")}
        data = None
        try:
            from ..data import data_dir
            data = str(data_dir())
        except Exception:
            pass
        env.update(LOWDIM_RELEASE="1", LOWDIM_STATIC="1", LOWDIM_GRADER_MEMORY_MB=str(self.memory_mb),
                   HOME=str(self.workdir), PYTHONNOUSERSITE="1")
        if data:
            env["LOWDIM_DATA"] = data
        env["PYTHONPATH"] = os.pathsep.join([str(self.pkgdir)] + [
            p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
        return env

    def start(self) -> None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager
        ksm = KernelSpecManager(kernel_dirs=[str(self.spec_dir)])
        self.km = KernelManager(kernel_name="lowdim-grader", kernel_spec_manager=ksm, transport="ipc",
                                ip=str(self.workdir.parent / "kernel-ipc"))
        self._log = open(self.workdir.parent / "kernel.log", "ab")
        self.km.start_kernel(cwd=str(self.workdir), env=self._env(), stdout=self._log, stderr=self._log)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=self.startup_timeout)

    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def shutdown(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
        self.km = self.kc = None
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def execute(self, code: str, timeout: float) -> CellRun:
        """Run ``code``; interrupt it after ``timeout`` seconds (restart the kernel if it does not stop)."""
        import nbformat
        t0 = time.perf_counter()
        run = CellRun("ok")
        if not self.alive():
            run.status = "died"
            return run
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        deadline = t0 + timeout
        interrupted_at = None
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.2)
            except Exception:        # queue.Empty: nothing yet
                msg = None
            now = time.perf_counter()
            if msg is not None and msg.get("parent_header", {}).get("msg_id") == msg_id:
                kind, content = msg["msg_type"], msg["content"]
                if kind == "status" and content.get("execution_state") == "idle":
                    break
                if kind in ("stream", "display_data", "execute_result", "error"):
                    try:
                        run.outputs.append(nbformat.v4.output_from_msg(msg))
                    except Exception:
                        pass
                    if kind == "error" and run.status == "ok":
                        run.status, run.ename, run.evalue = "error", content.get("ename", ""), content.get("evalue", "")
                continue
            if not self.alive():
                run.status = "died"
                break
            if interrupted_at is None and now > deadline:
                self.km.interrupt_kernel()
                interrupted_at = now
            elif interrupted_at is not None and now > interrupted_at + 10:
                self.restart()                   # the cell ignored the interrupt
                run.status = "died"
                run.ename = "timeout"
                break
        if interrupted_at is not None and run.status != "died":
            run.status = "timeout"
        run.seconds = time.perf_counter() - t0
        return run


# ----------------------------------------------------------------------------- the learner's function, at a distance

class _LearnerError(Exception):
    pass


def _learner_exception(err: dict) -> BaseException:
    if err.get("type") == "NotImplementedError":
        return NotImplementedError(err.get("message", ""))
    if err.get("interrupted"):
        return _LearnerError("your function was interrupted (it ran past the time limit)")
    name = re.sub(r"\W", "", str(err.get("type", "Error"))) or "Error"
    cls = type(name, (_LearnerError,), {})
    return cls(f"{err.get('message', '')}{err.get('where', '')}")


class RemoteFunction:
    """A stand-in for the learner's function ``name``: each call runs it in the kernel and returns
    its result as data (see the module docstring). Gradients flow back through tensor outputs."""

    def __init__(self, session: KernelSession, name: str, tmp: Path, call_timeout: float):
        self.session, self.__name__, self.tmp = session, name, Path(tmp)
        self.call_timeout = call_timeout
        self.calls = 0

    def _roundtrip(self, payload, arrays, mode):
        self.calls += 1
        base = self.tmp / f"call{self.calls}"
        _codec.write_bundle(str(base) + "_in", payload, arrays)
        out = str(base) + "_out"
        code = (f"__lowdim_grader__['kernel_call'](globals(), {self.__name__!r}, {str(base) + '_in'!r}, "
                f"{out!r}, {mode!r})")
        try:
            run = self.session.execute(code, self.call_timeout)
        except BaseException:
            # the check's own time limit fired while the learner's function was running
            if self.session.alive():
                self.session.km.interrupt_kernel()
                self.session.execute("pass", 10)
            raise
        if run.status == "died":
            raise _LearnerError("the kernel stopped while your function ran (did it call os._exit, or use "
                                "more memory than the grader allows?)")
        if run.status == "timeout":
            raise _LearnerError(f"your function did not finish within {self.call_timeout:g} s")
        if not os.path.exists(out + ".json"):
            raise _LearnerError(f"your function's result could not be read ({run.ename}: {run.evalue})")
        try:
            return _codec.read_bundle(out)
        except Exception as exc:
            raise _LearnerError(f"your function's result could not be read: {exc}") from None

    def __call__(self, *args, **kwargs):
        arrays = []
        try:
            payload = {"args": _codec.encode(list(args), arrays), "kwargs": _codec.encode(dict(kwargs), arrays)}
        except _codec.Unsupported as exc:
            raise RuntimeError(f"the grader cannot send this check's arguments to the kernel: {exc}") from None
        reply, got = self._roundtrip(payload, arrays, "call")
        if "error" in reply:
            raise _learner_exception(reply["error"])
        try:
            after = _codec.decode(reply["args_after"], got)
            result = _codec.decode(reply["result"], got)
        except _codec.Unsupported as exc:
            raise _LearnerError(f"your function returned {exc}, which a check cannot use") from None
        _copy_back(list(args), after)
        return self._bridge(result, list(args), kwargs, reply.get("graded", []))

    # ---- gradients: outputs that carry a gradient in the kernel get a backward that asks the kernel
    def _bridge(self, result, args, kwargs, graded):
        import sys as _sys
        torch = _sys.modules.get("torch")
        if torch is None or not any(graded):
            return _strip_grad(result)
        inputs = []
        _codec._tensor_leaves(args, inputs)
        inputs = [t for t in inputs if t.requires_grad]
        if not inputs:
            return _strip_grad(result)
        counter = iter(range(10**6))
        fn = self

        class _Bridge(torch.autograd.Function):
            @staticmethod
            def forward(ctx, index, value, *ins):
                ctx.index = index
                return value.detach().clone()

            @staticmethod
            def backward(ctx, grad):
                return (None, None, *fn._vjp(args, kwargs, ctx.index, grad, len(graded)))

        def rebuild(obj):
            if isinstance(obj, torch.Tensor):
                i = next(counter)
                t = obj.detach()
                return _Bridge.apply(i, t, *inputs) if i < len(graded) and graded[i] else t
            if isinstance(obj, tuple):
                return tuple(rebuild(v) for v in obj)
            if isinstance(obj, list):
                return [rebuild(v) for v in obj]
            if isinstance(obj, dict):
                return {k: rebuild(v) for k, v in obj.items()}
            return obj
        return rebuild(result)

    def _vjp(self, args, kwargs, index, grad, n_leaves):
        arrays = []
        cot = [None] * n_leaves
        cot[index] = grad
        payload = {"args": _codec.encode(args, arrays), "kwargs": _codec.encode(dict(kwargs), arrays),
                   "cotangents": _codec.encode(cot, arrays)}
        reply, got = self._roundtrip(payload, arrays, "vjp")
        if "error" in reply:
            raise _learner_exception(reply["error"])
        grads = _codec.decode(reply["grads"], got)
        return [None if g is None else g.detach() for g in grads]


def _strip_grad(obj):
    import sys as _sys
    torch = _sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.Tensor):
        return obj.detach()
    if isinstance(obj, tuple):
        return tuple(_strip_grad(v) for v in obj)
    if isinstance(obj, list):
        return [_strip_grad(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _strip_grad(v) for k, v in obj.items()}
    return obj


def _copy_back(before, after):
    """Apply the kernel's in-place changes of the arguments to the caller's objects (so a check can
    see that a function modified its input)."""
    import sys as _sys
    torch = _sys.modules.get("torch")
    if not isinstance(after, list) or len(after) != len(before):
        return
    for b, a in zip(before, after):
        if isinstance(b, np.ndarray) and isinstance(a, np.ndarray) and a.shape == b.shape and b.flags.writeable:
            if not np.array_equal(a, b, equal_nan=True):
                np.copyto(b, a.astype(b.dtype, copy=False))
        elif torch is not None and isinstance(b, torch.Tensor) and isinstance(a, torch.Tensor) and a.shape == b.shape:
            if not torch.equal(a.to(b.dtype), b.detach()):
                with torch.no_grad():
                    b.copy_(a.to(b.dtype))
        elif isinstance(b, np.random.Generator) and isinstance(a, np.random.Generator):
            b.bit_generator.state = a.bit_generator.state


# ----------------------------------------------------------------------------- grading one notebook

def _lesson_of(nb, submission: Path, lesson: str | None, lessons: set) -> str:
    if lesson:
        if lesson not in lessons:
            raise SystemExit(f"--lesson must be one of {sorted(lessons)}, got {lesson!r}.")
        return lesson
    meta = nb.metadata.get("lowdim", {}).get("lesson")
    if meta in lessons:
        return meta
    m = re.match(r"(\d\d)", submission.name)
    cands = [le for le in lessons if m and le.startswith(m.group(1) + "_")]
    if len(cands) == 1:
        return cands[0]
    raise SystemExit(f"cannot tell which lesson {submission.name} answers: pass --lesson (one of {sorted(lessons)}).")


def grade(submission, *, lesson: str | None = None, cell_timeout: float = DEFAULT_CELL_TIMEOUT,
          timeout: float | None = None, memory_mb: int = DEFAULT_MEMORY_MB, out_dir=None,
          check_timeout_factor: float = 3.0) -> dict:
    """Execute ``submission`` in a scratch kernel and score its lesson's exercises; return the report.

    Args:
        submission: a ``.ipynb`` file.
        lesson: the lesson it answers (e.g. ``"01_pca_svd"``); default: the release's notebook
            metadata, else the file name's ``NN_`` prefix.
        cell_timeout: seconds per cell before it is interrupted (the book's and nbval's 300 s).
        timeout: seconds for the whole notebook (cells after it are not run; default: no limit).
        memory_mb: the kernel's memory limit (MiB).
        out_dir: where the reports and the executed notebook go (default: beside the submission).
        check_timeout_factor: a check may take this many times the time it allows in the notebook
            (the learner's function runs in another process, on a possibly busy machine).
    """
    import nbformat
    from .exercises import all_exercises, run_check
    submission = Path(submission)
    out_dir = Path(out_dir) if out_dir else submission.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = submission.name[:-6] if submission.name.endswith(".ipynb") else submission.stem
    t0 = time.perf_counter()
    exercises_all = all_exercises()
    lessons = {ex.lesson for ex in exercises_all}
    events: list[str] = []
    try:
        nb = nbformat.read(submission, as_version=4)
    except Exception as exc:
        raise SystemExit(f"{submission} is not a readable notebook: {exc}") from None
    lesson = _lesson_of(nb, submission, lesson, lessons)
    exercises = [ex for ex in exercises_all if ex.lesson == lesson]
    with tempfile.TemporaryDirectory(prefix="lowdim-grade-") as tmp:
        tmp = Path(tmp)
        work = tmp / "work"
        work.mkdir()
        shutil.copy2(submission, work / submission.name)
        pkg = tmp / "pkg"
        release_package(pkg)
        calls = tmp / "calls"
        calls.mkdir()
        session = KernelSession(work, pkg, memory_mb)
        session.start()
        try:
            good: list[int] = []                  # indices of cells that ran to the end
            code_cells = [c for c in nb.cells if c.cell_type == "code"]
            replays = 0
            for i, cell in enumerate(code_cells):
                cell.outputs, cell.execution_count = [], None
                if timeout is not None and time.perf_counter() - t0 > timeout:
                    events.append(f"the notebook ran out of its {timeout:g} s: cells {i + 1}–{len(code_cells)} were not run.")
                    break
                run = session.execute(cell.source, cell_timeout)
                cell.outputs = run.outputs
                cell.execution_count = i + 1
                if run.status == "ok" or run.status == "error":
                    good.append(i)
                    if run.status == "error" and run.ename not in ("ExerciseNotSolved",):
                        events.append(f"cell {i + 1} raised {run.ename}: {run.evalue[:200]}")
                    elif run.ename == "ExerciseNotSolved":
                        events.append(f"cell {i + 1}: {run.evalue[:200]}")
                elif run.status == "timeout":
                    events.append(f"cell {i + 1} ran longer than {cell_timeout:g} s and was interrupted; "
                                  "grading went on with the next cell.")
                    good.append(i)
                else:   # died
                    what = "ran past its time limit and ignored the interrupt" if run.ename == "timeout" else \
                        "stopped the kernel (os._exit, a crash, or more memory than the grader allows)"
                    events.append(f"cell {i + 1} {what}; the kernel was restarted, cells before it were run "
                                  "again, and this cell was skipped.")
                    replays += 1
                    if replays > 3:
                        events.append("the kernel stopped more than three times: the remaining cells were not run.")
                        break
                    if not session.alive():
                        session.restart()
                    for j in good:
                        session.execute(code_cells[j].source, cell_timeout)
            # the verdicts: the instructor's checks, in this process, against the kernel's functions
            session.execute("import sys\n__lowdim_grader__ = {}\nexec(compile(" +
                            repr(Path(_codec.__file__).read_text()) + ", '<lowdim grader>', 'exec'), "
                            "__lowdim_grader__)", 60)
            rows = []
            for ex in exercises:
                if not session.alive():
                    session.restart()
                    for j in good:
                        session.execute(code_cells[j].source, cell_timeout)
                    session.execute("__lowdim_grader__ = {}\nexec(compile(" + repr(Path(_codec.__file__).read_text())
                                    + ", '<lowdim grader>', 'exec'), __lowdim_grader__)", 60)
                probe = session.execute(f"assert callable(globals().get({ex.function!r}))", 30)
                if probe.status != "ok":
                    res = None
                else:
                    fn = RemoteFunction(session, ex.function, calls, call_timeout=ex.timeout * check_timeout_factor)
                    saved = ex.timeout
                    ex.timeout = saved * check_timeout_factor
                    try:
                        res = run_check(ex.name, fn)
                    finally:
                        ex.timeout = saved
                rows.append(_row(ex, res))
        finally:
            session.shutdown()
    executed = out_dir / f"{stem}.executed.ipynb"
    nbformat.write(nb, executed)
    report = {"submission": submission.name, "lesson": lesson, "seconds": round(time.perf_counter() - t0, 1),
              "events": events, "score": round(sum(r["score"] for r in rows), 4),
              "max_score": sum(r["points"] for r in rows), "exercises": rows, "executed_notebook": executed.name}
    (out_dir / f"{stem}.report.json").write_text(json.dumps(report, indent=2))
    (out_dir / f"{stem}.report.md").write_text(format_report(report))
    (out_dir / f"{stem}.results.json").write_text(json.dumps(gradescope(report), indent=2))
    return report


def _row(ex, res) -> dict:
    title = f"{ex.name}" + (f" ({ex.title})" if ex.title else "")
    if res is None:
        parts = [dict(title=p.title, weight=p.weight, passed=False, hidden=p.hidden,
                      message=f"the notebook defines no function `{ex.function}` (at the end of the run).")
                 for p in ex.all_parts()]
        return {"exercise": ex.name, "title": title, "function": ex.function, "status": "missing",
                "score": 0.0, "points": ex.points, "message": parts[0]["message"], "parts": _scored(parts, ex.points)}
    return {"exercise": ex.name, "title": title, "function": ex.function, "status": res.status,
            "score": round(ex.points * res.fraction, 4), "points": ex.points, "message": res.message,
            "parts": _scored(res.parts, ex.points)}


def _scored(parts, points):
    total = sum(p["weight"] for p in parts) or 1.0
    return [dict(p, max_score=round(points * p["weight"] / total, 4),
                 score=round(points * p["weight"] / total, 4) if p["passed"] else 0.0) for p in parts]


def gradescope(report: dict) -> dict:
    """The report as Gradescope's autograder ``results.json``: one test per part of each exercise."""
    tests = []
    for r in report["exercises"]:
        for p in r["parts"]:
            tests.append({"name": f"{r['title']}: {p['title']}", "score": p["score"], "max_score": p["max_score"],
                          "output": p["message"] or ("passed" if p["passed"] else ""),
                          "visibility": "after_published" if p["hidden"] else "visible"})
    notes = "\n".join(report["events"])
    return {"score": report["score"], "execution_time": report["seconds"], "tests": tests,
            "output": (f"Lesson {report['lesson']}: {report['score']:g} / {report['max_score']:g}."
                       + (f"\nWhile the notebook ran:\n{notes}" if notes else ""))}


def format_report(report: dict) -> str:
    """A Markdown report a person can act on."""
    lines = [f"# Grading report: {report['submission']}", "",
             f"Lesson `{report['lesson']}` — score **{report['score']:g} / {report['max_score']:g}** "
             f"(graded in {report['seconds']} s; executed notebook: `{report.get('executed_notebook', '')}`)", ""]
    if report["events"]:
        lines += ["## While the notebook ran", ""] + [f"- {e}" for e in report["events"]] + [""]
    lines += ["## Exercises", "", "| exercise | status | score | feedback |", "|---|---|---|---|"]
    for r in report["exercises"]:
        msg = r["message"].replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {r['title']} | {r['status']} | {r['score']:g}/{r['points']:g} | {msg} |")
    parts = [(r, p) for r in report["exercises"] for p in r["parts"] if len(r["parts"]) > 1]
    if parts:
        lines += ["", "## Parts", "", "| exercise | part | score |", "|---|---|---|"]
        for r, p in parts:
            lines.append(f"| {r['exercise']} | {p['title']}{' (hidden)' if p['hidden'] else ''} | "
                         f"{p['score']:g}/{p['max_score']:g} |")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- a folder of submissions

def grade_all(folder, *, lesson: str | None = None, out_dir=None, progress: bool = True, **kwargs) -> list:
    """Grade every ``.ipynb`` in ``folder`` (one bad submission never stops the others); write a
    CSV of scores, ``scores.csv``, into ``out_dir`` (default ``folder/grading``). Returns the rows."""
    import csv
    from ..progress import progress_bar
    folder = Path(folder)
    if not folder.is_dir():
        raise SystemExit(f"folder {folder} does not exist.")
    out_dir = Path(out_dir) if out_dir else folder / "grading"
    out_dir.mkdir(parents=True, exist_ok=True)
    subs = sorted(p for p in folder.glob("*.ipynb") if not p.name.endswith(".executed.ipynb"))
    rows, names = [], []
    for sub in progress_bar(subs, desc=f"grading {len(subs)} submissions", disable=not progress):
        try:
            rep = grade(sub, lesson=lesson, out_dir=out_dir, **kwargs)
            row = {"submission": sub.name, "lesson": rep["lesson"], "score": rep["score"],
                   "max_score": rep["max_score"], "seconds": rep["seconds"], "problem": "; ".join(rep["events"])[:300]}
            for r in rep["exercises"]:
                row[r["exercise"]] = r["score"]
                if r["exercise"] not in names:
                    names.append(r["exercise"])
        except BaseException as exc:   # noqa: BLE001 — a broken submission is a row, not a crash
            if isinstance(exc, KeyboardInterrupt):
                raise
            row = {"submission": sub.name, "lesson": lesson or "", "score": 0.0, "max_score": "",
                   "seconds": "", "problem": f"not graded: {exc}"[:300]}
        rows.append(row)
    cols = ["submission", "lesson", "score", "max_score"] + names + ["seconds", "problem"]
    with open(out_dir / "scores.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for row in rows:
            w.writerow({c: row.get(c, "") for c in cols})
    return rows

