"""The benchmarks still run: each at a tiny size, printing its figures.

They are not timed here (a shared CI machine makes timings meaningless); what is checked is that
they run to the end, print every figure, that the scan and the plain boto3 floor of
`bench_account.py` read exactly the same resources, and that `bench_iac.py`'s generated plan and
template are read whole, every attached resource followed, and judged (not all UNKNOWN).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
SIDE_BY_SIDE = re.compile(r"^  (?P<kind>[A-Za-z ]+?)\s{2,}(?P<scan>[\d,]+)\s+(?P<floor>[\d,]+)(?P<mark>.*)$")
RESOURCE_KINDS = (
    "security groups",
    "security group rules",
    "network interfaces",
    "buckets",
    "IAM users",
    "hosted zones",
    "record sets",
)


def _run(script: str, *arguments: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    completed = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        capture_output=True,
        text=True,
        timeout=180,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_bench_account_prints_both_sides_and_they_read_the_same_resources() -> None:
    output = _run("bench_account.py", "0.01")

    assert re.search(r"^wall time\s+[\d.]+ s\s+[\d.]+ s\s+[\d.]+x$", output, re.MULTILINE), output
    assert re.search(r"^API calls\s+[\d,]+\s+[\d,]+\s+[\d.]+x$", output, re.MULTILINE), output
    assert re.search(r"^peak RSS\s+\d+ MiB\s+\d+ MiB\s+[\d.]+x$", output, re.MULTILINE), output
    assert re.search(r"^targets: wall <= 1.25x floor: (met|MISSED); peak RSS", output, re.MULTILINE), output
    read = {
        match["kind"]: (_number(match["scan"]), _number(match["floor"]), match["mark"].strip())
        for match in map(SIDE_BY_SIDE.match, output.splitlines())
        if match
    }
    assert set(read) == set(RESOURCE_KINDS), output
    for kind, (scanned, floor, mark) in read.items():
        assert scanned == floor, f"{kind}: the scan read {scanned}, the floor {floor}"
        assert scanned > 0, kind
        assert not mark, output


def test_bench_evaluate_prints_its_figures() -> None:
    output = _run("bench_evaluate.py", "20000", "--accounts", "2")

    counts = {
        line.split("  ")[1].strip(): _number(line.split()[-1])
        for line in output.splitlines()
        if line.startswith("  ") and line.split()[-1].replace(",", "").isdigit()
    }
    assert sum(counts.values()) == 20_000, output
    assert re.search(r"^build snapshot\s+[\d.]+ s\s+peak RSS\s+\d+ MiB$", output, re.MULTILINE), output
    assert re.search(r"^evaluate\s+[\d.]+ s\s+peak RSS\s+\d+ MiB", output, re.MULTILINE), output
    findings = re.search(r"^findings\s+([\d,]+)\s+FAIL [\d,]+\s+PASS [\d,]+", output, re.MULTILINE)
    assert findings, output
    assert _number(findings[1]) > 20_000, output
    assert re.search(r"^  findings streamed, counted and dropped \(no report\)$", output, re.MULTILINE), (
        output
    )

    for mode, line in (
        ("--json", r"JSON report streamed to a file: \d+ MiB"),
        ("--in-memory", r"report held in memory, not written"),
    ):
        other = _run("bench_evaluate.py", "2000", "--accounts", "2", mode)
        assert re.search(rf"^  {line}$", other, re.MULTILINE), other
        findings_line = re.search(r"^findings\s+([\d,]+)\s+FAIL [\d,]+\s+PASS [\d,]+", other, re.MULTILINE)
        assert findings_line, other


def test_bench_cluster_prints_every_side_with_every_account_scanned() -> None:
    output = _run("bench_cluster.py", "4", "0", "1")

    sides = re.findall(
        r"^(local pool \(8 accounts\)|dask, 1 workers x 8)\s+[\d.]+ s\s+\d+ accounts/min\s+\d+ calls\s+"
        r"[\d.]+ s per account\s+(\d+) unreachable$",
        output,
        re.MULTILINE,
    )
    assert [side for side, _ in sides] == ["local pool (8 accounts)", "dask, 1 workers x 8"], output
    assert [unreachable for _, unreachable in sides] == ["0", "0"], output
    assert re.search(r"^\s+[\d.]+ s of scanner CPU per account$", output, re.MULTILINE), output


IAC_FILE = re.compile(
    r"^(?P<label>terraform plan \(JSON\)|cloudformation \(YAML\))\s+"
    r"(?P<made>[\d,]+) resources\s+[\d.]+ MiB\s+"
    r"(?P<read>[\d,]+) read, (?P<skipped>[\d,]+) not judged$"
)
IAC_STEP = re.compile(r"^  (read \+ parse|translate|judge|cloudwarden iac)\s+[\d.]+ s\s+peak RSS\s+\d+ MiB")
IAC_FINDINGS = re.compile(
    r"^  findings \((?P<source>judge|report)\)\s+FAIL (?P<FAIL>[\d,]+)\s+PASS (?P<PASS>[\d,]+)\s+"
    r"UNKNOWN (?P<UNKNOWN>[\d,]+)\s+MANUAL (?P<MANUAL>[\d,]+)\s+\(total (?P<total>[\d,]+)\)$"
)


def test_bench_iac_reads_and_judges_every_generated_resource() -> None:
    output = _run("bench_iac.py", "60")

    files: list[tuple[str, int, int, int]] = []
    steps: list[str] = []
    findings: dict[tuple[str, str], dict[str, int]] = {}
    for line in output.splitlines():
        if match := IAC_FILE.match(line):
            label = match["label"]
            files.append((label, _number(match["made"]), _number(match["read"]), _number(match["skipped"])))
        elif match := IAC_STEP.match(line):
            steps.append(f"{files[-1][0]}: {match[1]}")
        elif match := IAC_FINDINGS.match(line):
            counts = {key: _number(value) for key, value in match.groupdict().items() if key != "source"}
            findings[(files[-1][0], match["source"])] = counts
    labels = ["terraform plan (JSON)", "cloudformation (YAML)"]
    assert [label for label, *_ in files] == labels, output
    for label, made, read, skipped in files:
        assert made >= 60, output
        assert read == made, f"{label}: {made} resources generated, {read} read"
        assert skipped == 0, f"{label}: {skipped} resources not judged (a link not followed)"
    assert steps == [
        f"{label}: {step}"
        for label in labels
        for step in ("read + parse", "translate", "judge", "cloudwarden iac")
    ], output
    for label in labels:
        judged, reported = findings[(label, "judge")], findings[(label, "report")]
        assert judged == reported, f"{label}: the engine and the command's report disagree"
        assert judged["total"] == sum(judged[status] for status in ("FAIL", "PASS", "UNKNOWN", "MANUAL"))
        assert all(judged[status] > 0 for status in ("FAIL", "PASS", "UNKNOWN", "MANUAL")), output
        assert judged["UNKNOWN"] < min(judged["FAIL"], judged["PASS"]), output
    assert re.search(
        r"^target\s+the plan's whole command within seconds \(< 10 s\): (met|MISSED)", output, re.M
    )


HISTORY_RUN = re.compile(
    r"^  run +(\d+) +([\d,]+) findings  record +[\d.]+ s  \(add +[\d.]+ s, finish +[\d.]+ s\)$"
)
HISTORY_FIGURES = (
    r"^  record median +[\d.]+ s   slowest +[\d.]+ s$",
    r"^  history \(the view\) +[\d.]+ s   over 3 runs, 1 stale account\(s\)$",
    r"^  history json +[\d.]+ s   to /dev/null, [\d,]+ open FAILs$",
    r"^  history terminal +[\d.]+ s$",
    r"^  diff --store +[\d.]+ s   peak RSS +\d+ MiB \(its process\)$",
    r"^  store on disk +[\d,]+ MiB$",
    r"^  peak RSS +\d+ MiB \(this process, so far\)$",
)


def test_bench_history_records_and_reads_back_on_both_databases() -> None:
    output = _run("bench_history.py", "3", "3000", "--accounts", "3")

    sections = re.split(r"^(sqlite|postgresql)$", output, flags=re.MULTILINE)
    figures = dict(zip(sections[1::2], sections[2::2], strict=True))
    assert "sqlite" in figures, output
    if "postgresql" not in figures:  # no server binaries on this machine: said so
        assert re.search(r"^postgresql: skipped: no server binaries", output, re.MULTILINE), output
    for database, text in figures.items():
        runs = [match for match in map(HISTORY_RUN.match, text.splitlines()) if match]
        assert [int(match[1]) for match in runs] == [1, 2, 3], f"{database}:\n{output}"
        assert all(_number(match[2]) > 1_000 for match in runs), output
        for figure in HISTORY_FIGURES:
            assert re.search(figure, text, re.MULTILINE), f"{database}: {figure}\n{output}"
