"""The teaching kit: roster, seeds, student notebooks without solutions, answer key, grading."""

import hashlib
import hmac
import json
import shutil

import nbformat
import pandas as pd
import pytest

from crmlab import teaching
from crmlab.data import CRMDataError
from crmlab.teaching import checks, grading, sandbox, submission

KEY = "test-course-key"
TEMPLATES = teaching.exercise_templates()
STEMS = [t.stem for t in TEMPLATES]
SMALL = teaching.EXERCISES_DIR / "ex03_loyalty.ipynb"  # the notebook the failure cases hand in
UNSAFE = sandbox.find_bwrap() is None  # grade in the bubblewrap sandbox wherever it is installed


def write_roster(path, rows):
    pd.DataFrame(rows, columns=["student_id", "name"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Exercises and the answer key for three students."""
    root = tmp_path_factory.mktemp("course")
    roster = write_roster(root / "roster.csv", [("s001", "Ada"), ("s002", "Alan"), ("007", "James")])
    assert (
        teaching.main(
            ["exercises", "--roster", str(roster), "--out", str(root / "exercises"), "--course-key", KEY]
        )
        == 0
    )
    assert (
        teaching.main(
            ["solutions", "--roster", str(roster), "--out", str(root / "solutions"), "--course-key", KEY]
        )
        == 0
    )
    return root


# --------------------------------------------------------------------------- roster and seeds


def test_roster_is_read_as_text_and_stripped(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("student_id, name\n007 ,James Bond\ns-1.a,\n")
    roster = teaching.read_roster(path)
    assert roster["student_id"].tolist() == ["007", "s-1.a"]
    assert roster["name"].tolist() == ["James Bond", ""]


@pytest.mark.parametrize(
    "text, match",
    [
        ("id,name\ns1,Ada\n", r"missing column\(s\) \['student_id'\]"),
        ("student_id\ns1\n", r"missing column\(s\) \['name'\]"),
        ("student_id;name\ns1;Ada\n", "semicolon"),
        ("student_id,name\n", "no students"),
        ("", "empty"),
        ("student_id,name\ns1,Ada\n,Bob\n", r"1 row\(s\) have no student_id.*line 3"),
        ("student_id,name\ns1,Ada\ns2,Bob\ns1,Cy\n", r"repeat a student_id.*\['s1', 's1'\]"),
        ("student_id,name\nAB1,Ada\nab1,Bob\n", r"ignoring upper/lower case.*\['AB1', 'ab1'\]"),
        ("student_id,name\n../etc,Eve\n", r"unsafe as folder names.*'\.\./etc'"),
        ("student_id,name\na b,Eve\n", "unsafe as folder names"),
        ("student_id,name\n.hidden,Eve\n", "unsafe as folder names"),
        ("student_id,name\n" + "x" * 65 + ",Eve\n", "unsafe as folder names"),
    ],
)
def test_roster_errors_are_clear(tmp_path, text, match):
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(CRMDataError, match=match) as info:
        teaching.read_roster(path)
    assert info.value.table == "roster"


def test_roster_file_must_exist(tmp_path):
    with pytest.raises(CRMDataError, match="no such file"):
        teaching.read_roster(tmp_path / "nope.csv")


def test_cli_reports_roster_errors_without_writing(tmp_path, capsys):
    bad = tmp_path / "r.csv"
    bad.write_text("student_id,name\ns1,Ada\ns1,Bob\n")
    code = teaching.main(["exercises", "--roster", str(bad), "--out", str(tmp_path / "ex")])
    assert code == 2
    assert "repeat a student_id" in capsys.readouterr().err
    assert not (tmp_path / "ex").exists()


def test_course_key_comes_from_a_file_the_environment_or_a_warned_option(tmp_path, monkeypatch, capsys):
    from crmlab.teaching import cli

    def key(*argv):
        return cli.course_key(cli._parser().parse_args(["exercises", "--roster", "r", "--out", "o", *argv]))

    monkeypatch.setenv("CRMLAB_COURSE_KEY", "from-env")
    assert key() == "from-env"
    assert "CRMLAB_COURSE_KEY" not in __import__("os").environ  # removed once read: no child inherits it
    path = tmp_path / "course.key"
    path.write_text("from-file\n")
    path.chmod(0o600)
    assert key("--course-key-file", str(path)) == "from-file"
    assert capsys.readouterr().err == ""
    path.chmod(0o644)
    assert key("--course-key-file", str(path)) == "from-file"
    assert "readable by other users" in capsys.readouterr().err
    assert key("--course-key", "on-the-line") == "on-the-line"
    assert "visible to every user" in capsys.readouterr().err
    assert key() == teaching.DEFAULT_COURSE_KEY
    assert "default course key" in capsys.readouterr().err


def test_cli_exercises_option_names_unknown_exercises(tmp_path, capsys):
    roster = write_roster(tmp_path / "r.csv", [("s1", "Ada")])
    argv = ["exercises", "--roster", str(roster), "--out", str(tmp_path / "ex"), "--exercises", "ex99_nope"]
    assert teaching.main(argv) == 2
    assert "no exercise ['ex99_nope']" in capsys.readouterr().err
    assert not (tmp_path / "ex").exists()


def test_grading_without_bwrap_refuses_and_says_how_to_install_it():
    with pytest.raises(sandbox.SandboxUnavailable, match=r"apt-get install bubblewrap.*--unsafe-no-sandbox"):
        sandbox.Sandbox(bwrap="")


def test_the_private_tmp_never_hides_a_project_under_tmp(tmp_path, monkeypatch):
    """A clone under /tmp (CI, a student's laptop) puts the venv and crmlab below /tmp: the sandbox's
    private tmpfs must be mounted before those read-only binds, or bwrap cannot find Python."""
    monkeypatch.setattr(sandbox.sys, "prefix", "/tmp/clone/.venv")
    box = sandbox.Sandbox(bwrap="/usr/bin/bwrap")
    box._crmlab = tmp_path / "crmlab"
    argv = box.argv(tmp_path / "job.json", tmp_path / "data")
    tmpfs = argv.index("--tmpfs")
    assert argv[tmpfs + 1] == "/tmp"
    binds_below_tmp = [
        i for i in range(len(argv) - 2) if argv[i] == "--ro-bind" and argv[i + 2].startswith("/tmp/")
    ]
    assert binds_below_tmp and all(i > tmpfs for i in binds_below_tmp)


def test_a_linked_submission_is_refused(tmp_path):
    real = tmp_path / "real.ipynb"
    real.write_text("{}")
    (tmp_path / "link.ipynb").symlink_to(real)
    with pytest.raises(OSError):
        submission.read_submission(tmp_path / "link.ipynb")
    assert submission.read_submission(real) == "{}"
    big = tmp_path / "big.ipynb"
    big.write_bytes(b" " * 101)
    with pytest.raises(ValueError, match="larger than"):
        submission.read_submission(big, limit=100)


def test_seed_is_the_documented_hmac():
    expected = int.from_bytes(hmac.new(b"k", b"s001", hashlib.sha256).digest()[:4], "big")
    assert teaching.student_seed("s001", "k") == expected
    assert teaching.student_seed("s001", "k") != teaching.student_seed("s002", "k")
    assert teaching.student_seed("s001", "k") != teaching.student_seed("s001", "other key")
    with pytest.raises(ValueError, match="course key"):
        teaching.student_seed("s001", "")


# --------------------------------------------------------------------------- student notebooks


def test_strip_solutions_keeps_the_rest_and_the_indentation():
    src = "x = 1\nif True:\n    ### BEGIN SOLUTION\n    y = 2\n    ### END SOLUTION\nprint(x)"
    assert teaching.strip_solutions(src) == (
        "x = 1\nif True:\n    # YOUR CODE HERE\n    raise NotImplementedError()\nprint(x)"
    )
    with pytest.raises(ValueError, match="never closed"):
        teaching.strip_solutions("### BEGIN SOLUTION\ny = 2")
    with pytest.raises(ValueError, match="without"):
        teaching.strip_solutions("y = 2\n### END SOLUTION")
    with pytest.raises(ValueError, match="looks like a solution marker"):
        teaching.strip_solutions("## begin solution\ny = 2\n### END SOLUTION")


def test_student_notebooks_hold_no_solution_text(course):
    roster = teaching.read_roster(course / "roster.csv")
    for student in roster["student_id"]:
        seed = teaching.student_seed(student, KEY)
        folder = course / "exercises" / student
        assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted(t.name for t in TEMPLATES)
        for template in TEMPLATES:
            forbidden = teaching.solution_lines(nbformat.read(template, as_version=4))
            assert len(forbidden) >= 3
            raw = (folder / template.name).read_text()
            assert "BEGIN SOLUTION" not in raw and "END SOLUTION" not in raw
            nb = nbformat.read(folder / template.name, as_version=4)
            sources = "\n".join(c.source for c in nb.cells)
            assert [line for line in forbidden if line in sources] == []
            assert teaching.find_solution_leaks(nb, forbidden) == []
            code = [c for c in nb.cells if c.cell_type == "code"]
            assert all(not c.outputs and c.execution_count is None for c in code)
            stubs = [c for c in code if "solution" in c.metadata.get("tags", [])]
            assert stubs and all("# YOUR CODE HERE\nraise NotImplementedError()" in c.source for c in stubs)
            params, _ = submission._parameters(nb)
            assert params == {"student_id": student, "seed": seed, "data_dir": "data"}
            assert nb.metadata["crmlab"]["data_sha256"] == teaching.data_fingerprint(folder / "data")
        inputs = json.loads((folder / "data" / "inputs.json").read_text())
        assert inputs["seed"] == seed


def test_generator_refuses_a_notebook_that_would_leak(tmp_path):
    nb = nbformat.read(SMALL, as_version=4)
    line = teaching.solution_lines(nb)[0]
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(f"Hint: `{line}`"))  # the teacher pasted the solution
    template = tmp_path / "leaky.ipynb"
    nbformat.write(nb, template)
    out = tmp_path / "out" / "leaky.ipynb"
    with pytest.raises(teaching.SolutionLeakError, match="appears in cell"):
        teaching.write_student_notebook(template, out, "s1", 1)
    assert not out.exists() and list(out.parent.iterdir()) == []  # nothing written, no temporary left


def test_generator_refuses_markers_outside_solution_cells(tmp_path):
    nb = nbformat.read(SMALL, as_version=4)
    cell = next(c for c in nb.cells if "solution" in c.metadata.get("tags", []))
    cell.metadata["tags"] = []  # the teacher forgot the tag
    template = tmp_path / "untagged.ipynb"
    nbformat.write(nb, template)
    with pytest.raises(ValueError, match="not a code cell tagged 'solution'"):
        teaching.make_exercises(
            pd.DataFrame({"student_id": ["s1"], "name": [""]}), tmp_path / "ex", templates=[template]
        )
    assert not (tmp_path / "ex").exists()


def test_different_students_get_different_data_and_answers(course):
    a = teaching.load_exercise_data(
        teaching.student_seed("s001", KEY), course / "exercises" / "s001" / "data"
    )
    b = teaching.load_exercise_data(
        teaching.student_seed("s002", KEY), course / "exercises" / "s002" / "data"
    )
    assert not a.transactions["amount"].equals(b.transactions["amount"])
    assert a.inputs["loyalty"]["ahp_matrix"] != b.inputs["loyalty"]["ahp_matrix"]
    key_a = json.loads((course / "solutions" / "s001" / "answers.json").read_text())["answers"]
    key_b = json.loads((course / "solutions" / "s002" / "answers.json").read_text())["answers"]
    assert set(key_a) == set(key_b) == {i.name for i in checks.ITEMS if i.notebook in STEMS}
    same = {name for name in key_a if key_a[name] == key_b[name]}
    # labels from a short list (a yes/no, a shape, the synthetic Kano truth) and whole days may coincide
    may_coincide = {
        "answer_ahp_acceptable",
        "answer_stronger_driver",
        "answer_basic_shape",
        "answer_latent_shape",
        "answer_best_form_basic",
        "answer_trap",
        "answer_kano",
        "answer_median_gap_days",
        "answer_lift_significant",
        "answer_naive_overstates",
    }
    assert same <= may_coincide
    # the key is the checkers' value on the student's data, and data come back identical from the seed
    again = checks.expected_answers(teaching.load_exercise_data(teaching.student_seed("s001", KEY)))
    assert again == key_a
    assert key_a["answer_n_customers"] == a.transactions["customer_id"].nunique()


def test_load_exercise_data_refuses_data_of_another_seed(course):
    folder = course / "exercises" / "s001" / "data"
    with pytest.raises(ValueError, match="do not edit the parameters cell"):
        teaching.load_exercise_data(teaching.student_seed("s001", KEY) + 1, folder)


def test_answer_key_table(course):
    key = pd.read_csv(course / "solutions" / "answer_key.csv", dtype={"student_id": str})
    assert set(key["student_id"]) == {"s001", "s002", "007"}
    row = key[(key.student_id == "s001") & (key["item"] == "answer_ahp_cr")].iloc[0]
    assert row["tolerance"] == "within ±0.005"
    answers = json.loads((course / "solutions" / "s001" / "answers.json").read_text())["answers"]
    assert json.loads(row["expected"]) == pytest.approx(answers["answer_ahp_cr"])


# --------------------------------------------------------------------------- checks


def test_number_check_tolerance():
    check = checks.Number(abs_tol=0.005)
    assert check(0.104, 0.1) == (1.0, "correct")
    assert check(0.106, 0.1)[0] == 0.0 and "off by 0.006" in check(0.106, 0.1)[1]
    assert checks.Number(rel_tol=0.01)(101.0, 100.0)[0] == 1.0
    assert checks.Number(rel_tol=0.01)(101.5, 100.0)[0] == 0.0
    assert "expected a number" in check("0.1", 0.1)[1]
    assert check(True, 1.0)[0] == 0.0
    assert "not a finite number" in check({"__float__": "nan"}, 0.1)[1]


def test_optional_number_check():
    check = checks.OptionalNumber(abs_tol=0.05)
    item = checks.Item("nb", "answer_point", 2, check, "")
    assert checks.score_answer(item, None, None) == (2.0, "correct")
    assert checks.score_answer(item, {"__float__": "nan"}, None)[0] == 2.0
    assert "there is one" in checks.score_answer(item, None, 5.3)[1]
    assert checks.score_answer(item, 5.34, 5.3)[0] == 2.0
    assert checks.score_answer(item, 5.36, 5.3)[0] == 0.0
    assert "expected None" in checks.score_answer(item, 5.3, None)[1]


def test_other_checks():
    assert checks.Integer()(3.0, 3)[0] == 1.0
    assert checks.Integer()(3.5, 3)[0] == 0.0
    assert checks.Boolean()(1, True)[0] == 0.0
    assert checks.Text()("  Can’t  LOSE ", "can't lose")[0] == 1.0
    assert checks.Numbers(abs_tol=0.01)([1.0, 2.0], [1.0, 2.0, 3.0])[1] == "expected 3 numbers, got 2"
    assert checks.Numbers(abs_tol=0.01)({"a": 1.0, "b": 2.001}, [1.0, 2.0])[0] == 1.0  # a Series
    frac, reason = checks.Mapping(checks.Text())(
        {"a": "x", "b": "y", "c": "no"}, {"a": "x", "b": "y", "c": "z", "d": "w"}
    )
    assert frac == 0.5 and "2 of 4 correct" in reason and "d: missing" in reason
    item = checks.Item("nb", "answer_x", 2, checks.Mapping(checks.Text()), "")
    assert checks.score_answer(item, {"a": "x", "b": "q"}, {"a": "x", "b": "y"})[0] == 1.0
    assert checks.score_answer(item, checks.MISSING, {"a": "x"}) == (0.0, "answer_x is not set")
    assert "DataFrame" in checks.score_answer(item, {"__unsupported__": "DataFrame"}, {"a": "x"})[1]


def test_every_item_belongs_to_a_notebook_with_a_solution_cell():
    names = [i.name for i in checks.ITEMS]
    assert len(names) == len(set(names))
    for template in TEMPLATES:
        answers = submission.answer_cells(nbformat.read(template, as_version=4))
        assert {i.name for i in checks.items_for([template.stem])} == set(answers), template.name


# --------------------------------------------------------------------------- grading


def test_correct_solutions_score_full_marks(course, tmp_path):
    """The solved notebooks (make solutions) of one student, handed in: every item correct."""
    submissions = tmp_path / "submissions"
    shutil.copytree(course / "solutions" / "007", submissions / "007")
    (submissions / "007" / "answers.json").unlink()
    roster = pd.DataFrame({"student_id": ["007"], "name": ["James"]})
    table = grading.grade(
        submissions, roster, tmp_path / "grades", course_key=KEY, timeout=60, unsafe_no_sandbox=UNSAFE
    )
    details = pd.read_csv(tmp_path / "grades" / "details.csv", dtype={"student_id": str})
    assert details["reason"].eq("correct").all(), details.loc[details.reason != "correct", ["item", "reason"]]
    best = sum(i.points for i in checks.items_for(STEMS))
    assert table.loc[0, "total"] == best
    grades = pd.read_csv(tmp_path / "grades" / "grades.csv", dtype={"student_id": str})
    assert list(grades.columns) == ["student_id", "name", *[i.name for i in checks.items_for(STEMS)], "total"]
    page = (tmp_path / "grades" / "007" / "feedback.html").read_text()
    assert f"Total: {best:g} of {best:g} points" in page
    assert "Note:" not in page  # same data as handed out, no given cell edited
    assert (tmp_path / "grades" / "007" / "executed" / "ex05_clv.ipynb").exists()


def _edit(nb, marker, new_source):
    """Replace the source of the first solution cell whose source contains ``marker``."""
    cell = next(c for c in nb.cells if "solution" in c.metadata.get("tags", []) and marker in c.source)
    cell.source = new_source


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """One batch of broken, partial and suspicious submissions of ex03_loyalty."""
    root = tmp_path_factory.mktemp("grading")
    subs = root / "submissions"
    ids = ["stub", "partial", "crash", "dies", "slow", "missing", "seed", "cheat", "sneaky"]
    roster = pd.DataFrame({"student_id": ids, "name": ["<b>Eve</b>"] + [""] * (len(ids) - 1)})
    for sid in ids:
        if sid == "missing":
            continue
        seed = teaching.student_seed(sid, KEY)
        nb = teaching.student_notebook(SMALL, sid, seed, keep_solutions=sid == "crash")
        if sid == "stub":  # unchanged, except that the last answer cell was deleted
            nb.cells = [c for c in nb.cells if c.get("id") != "t3-solution"]
            nb.metadata["crmlab"]["data_sha256"] = "0" * 64  # as if handed out with other data
        elif sid == "partial":  # CR right, weights malformed, decision wrong; types as pandas / numpy values
            _edit(
                nb,
                "NotImplementedError",
                (
                    "import numpy as np\n"
                    "ahp = loyalty.ahp_weights(matrix, max_cr=None)\n"
                    "answer_ahp_cr = ahp.cr\nanswer_ahp_acceptable = np.bool_(ahp.cr > 0.10)\n"
                    "answer_ahp_weights = '<script>alert(1)</script>'\n"
                    "answers = survey.set_index('customer_id')\n"
                    "types = loyalty.satisfaction_loyalty_matrix(\n"
                    "    answers['satisfaction'], answers['loyalty_intention']\n"
                    ")\n"
                    "answer_customer_types = types.loc[task['type_customers'], 'customer_type']  # Series\n"
                    "answer_n_mercenaries = (types['customer_type'] == 'mercenary').sum()  # numpy integer\n"
                ),
            )
        elif sid == "crash":  # the solved notebook, broken in its setup cell
            nb.cells[2].source = "raise RuntimeError('boom')\n" + nb.cells[2].source
        elif sid == "dies":
            nb.cells[2].source = "import os\nos._exit(1)\n"
        elif sid == "slow":
            _edit(nb, "NotImplementedError", "import time\nwhile True:\n    time.sleep(0.1)\n")
        elif sid == "seed":
            nb.cells[1].source = nb.cells[1].source.replace(f"seed = {seed}", f"seed = {seed + 1}")
        elif sid == "cheat":
            _edit(nb, "NotImplementedError", "from crmlab import checks\nanswer_ahp_cr = 0.0\n")
        elif sid == "sneaky":  # hides the import from a text search; the kernel still knows
            _edit(
                nb,
                "NotImplementedError",
                "import importlib\nkey = importlib.import_module('crmlab.teaching.' + 'che' + 'cks')\n",
            )
        (subs / sid).mkdir(parents=True)
        nbformat.write(nb, subs / sid / SMALL.name)
    table = grading.grade(
        subs, roster, root / "grades", course_key=KEY, timeout=10, templates=[SMALL], unsafe_no_sandbox=UNSAFE
    )
    details = pd.read_csv(root / "grades" / "details.csv", dtype={"student_id": str}).set_index(
        ["student_id", "item"]
    )
    return root, table.set_index("student_id"), details


def reasons(details, student):
    return details.loc[student, "reason"]


def test_a_stub_notebook_scores_zero_with_reasons(graded):
    root, table, details = graded
    assert table.loc["stub", "total"] == 0
    stub = reasons(details, "stub")
    assert stub.drop("answer_stages").str.contains("raised NotImplementedError -- not answered yet").all()
    assert "its answer cell, cell 11 of the exercise, was deleted" in stub["answer_stages"]
    page = (root / "grades" / "stub" / "feedback.html").read_text()
    assert "differ from the data handed out" in page and "given cell" not in page


def test_partial_answers_score_their_own_items(graded):
    _, table, details = graded
    assert table.loc["partial", "answer_ahp_cr"] == 1
    assert table.loc["partial", "answer_ahp_acceptable"] == 0
    assert "is not the expected" in details.loc[("partial", "answer_ahp_acceptable"), "reason"]
    assert "expected a list of 4 numbers, got str" in details.loc[("partial", "answer_ahp_weights"), "reason"]
    assert table.loc["partial", "answer_customer_types"] == 2  # a Series is read as a dict
    assert table.loc["partial", "answer_n_mercenaries"] == 1  # a numpy integer as an integer
    assert table.loc["partial", "total"] == 4


def test_crashing_and_missing_submissions_do_not_stop_the_batch(graded):
    root, table, details = graded
    assert list(table.index) == [
        "stub",
        "partial",
        "crash",
        "dies",
        "slow",
        "missing",
        "seed",
        "cheat",
        "sneaky",
    ]
    assert table.loc["crash", "total"] == 0
    assert reasons(details, "crash").str.contains("the first error was in cell 3: RuntimeError: boom").all()
    assert table.loc["dies", "total"] == 0
    assert reasons(details, "dies").str.contains("kernel died").all()
    assert reasons(details, "missing").str.contains("no submission").all()
    assert details.loc["missing", "status"].eq("missing").all()
    assert reasons(details, "slow").str.contains("did not finish within 10 s").all()
    assert details.loc["slow", "status"].eq("timeout").all()
    assert (root / "grades" / "missing" / "feedback.html").exists()


def test_tampered_submissions_are_not_graded(graded):
    _, table, details = graded
    for sid, reason in [
        ("seed", "is not your seed"),
        ("cheat", "uses the grader's answer key"),
    ]:
        assert table.loc[sid, "total"] == 0
        assert reasons(details, sid).str.contains(reason).all(), sid
        assert details.loc[sid, "status"].eq("tampered").all()


def test_a_hidden_import_of_the_answer_key_scores_nothing(graded):
    """In the sandbox the answer key is not there; without it, the loaded module is found."""
    _, table, details = graded
    assert table.loc["sneaky", "total"] == 0
    if UNSAFE:
        expected = r"imported the grader's answer key \(crmlab.teaching.checks\)"
        assert reasons(details, "sneaky").str.contains(expected).all()
        return
    ahp = ["answer_ahp_weights", "answer_ahp_cr", "answer_ahp_acceptable"]
    assert (
        reasons(details, "sneaky")[ahp]
        .str.contains("its cell 6 raised ImportError: crmlab.teaching.checks is part of the grader")
        .all()
    )
    assert details.loc["sneaky", "status"].eq("graded").all()


def test_unsafe_mode_still_refuses_a_loaded_answer_key(course, tmp_path):
    """--unsafe-no-sandbox: no bwrap; a solved notebook still scores, a loaded answer key does not."""
    subs = tmp_path / "submissions"
    shutil.copytree(course / "solutions" / "s001", subs / "s001")
    seed = teaching.student_seed("s002", KEY)
    nb = teaching.student_notebook(SMALL, "s002", seed)
    _edit(
        nb,
        "NotImplementedError",
        "import importlib\nk = importlib.import_module('crmlab.teaching.' + 'checks')\n",
    )
    (subs / "s002").mkdir()
    nbformat.write(nb, subs / "s002" / SMALL.name)
    roster = pd.DataFrame({"student_id": ["s001", "s002"], "name": ["Ada", "Alan"]})
    table = grading.grade(
        subs,
        roster,
        tmp_path / "grades",
        course_key=KEY,
        timeout=60,
        templates=[SMALL],
        unsafe_no_sandbox=True,
    ).set_index("student_id")
    assert table.loc["s001", "total"] == 7
    details = pd.read_csv(tmp_path / "grades" / "details.csv", dtype={"student_id": str})
    assert (
        details[details.student_id == "s002"]["reason"]
        .str.contains(r"imported the grader's answer key \(crmlab.teaching.checks\)")
        .all()
    )


def test_feedback_escapes_what_students_wrote(graded):
    root, _, _ = graded
    page = (root / "grades" / "partial" / "feedback.html").read_text()
    assert "ex03_loyalty.ipynb — 4 / 7" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "&lt;b&gt;Eve&lt;/b&gt;" in (root / "grades" / "stub" / "feedback.html").read_text()


def test_numbers_check_names_the_first_wrong_element():
    from crmlab.teaching.checks import Numbers

    check = Numbers(0.01, 0.0)
    assert check([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == (1.0, "correct")
    score, reason = check([1.0, 2.5, 3.0], [1.0, 2.0, 3.0])
    assert score == 0.0
    assert reason.startswith("1 of 3 numbers are wrong; element 1: 2.5 is off by 0.5")


def test_teaching_modules_import_one_way_and_the_sandbox_copy_holds_no_answer_key():
    """No import circle inside crmlab.teaching (issue 11); only roster, inputs, exercises enter a sandbox,
    and none of them imports a module that stays outside (the package's own __init__ loads main and
    make_solutions lazily, on first use)."""
    import ast
    from graphlib import TopologicalSorter

    folder = teaching.EXERCISES_DIR.parents[1] / "crmlab" / "teaching"

    def imported(nodes):
        deps = set()
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                deps |= {node.module} if node.module else {a.name for a in node.names}
        return {d for d in deps if (folder / f"{d}.py").exists()}

    top, everywhere = {}, {}
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        top[path.stem], everywhere[path.stem] = imported(tree.body), imported(ast.walk(tree))
    order = list(TopologicalSorter(top).static_order())  # raises CycleError on a circle
    assert order.index("roster") < order.index("exercises") < order.index("grading") < order.index("cli")
    inside = {name.removesuffix(".py") for name in sandbox.ALLOWED}
    assert inside == {"__init__", "roster", "inputs", "exercises"}
    assert top["__init__"] <= inside
    for module in inside - {"__init__"}:
        assert everywhere[module] <= inside, module
