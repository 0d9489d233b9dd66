"""The benchmarks still run: each at a tiny size, printing its figures.

They are not timed here (a shared CI machine makes timings meaningless); what is checked is that
they run to the end, print every figure, and that `bench_iac.py`'s generated plan and template are
read whole, every attached resource followed, and judged (not all UNKNOWN). `bench_account.py` and
`bench_cluster.py` have files of their own (the slowest, run by separate workers).
"""

from __future__ import annotations

import re

from .runner import number, run_bench


def test_bench_evaluate_prints_its_figures() -> None:
    output = run_bench("bench_evaluate.py", "20000", "--accounts", "2")

    counts = {
        line.split("  ")[1].strip(): number(line.split()[-1])
        for line in output.splitlines()
        if line.startswith("  ") and line.split()[-1].replace(",", "").isdigit()
    }
    assert sum(counts.values()) == 20_000, output
    assert re.search(r"^build snapshot\s+[\d.]+ s\s+peak RSS\s+\d+ MiB$", output, re.MULTILINE), output
    assert re.search(r"^evaluate\s+[\d.]+ s\s+peak RSS\s+\d+ MiB", output, re.MULTILINE), output
    findings = re.search(r"^findings\s+([\d,]+)\s+FAIL [\d,]+\s+PASS [\d,]+", output, re.MULTILINE)
    assert findings, output
    assert number(findings[1]) > 20_000, output
    assert re.search(r"^  findings streamed, counted and dropped \(no report\)$", output, re.MULTILINE), (
        output
    )

    for mode, line in (
        ("--json", r"JSON report streamed to a file: \d+ MiB"),
        ("--in-memory", r"report held in memory, not written"),
    ):
        other = run_bench("bench_evaluate.py", "2000", "--accounts", "2", mode)
        assert re.search(rf"^  {line}$", other, re.MULTILINE), other
        findings_line = re.search(r"^findings\s+([\d,]+)\s+FAIL [\d,]+\s+PASS [\d,]+", other, re.MULTILINE)
        assert findings_line, other


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
    output = run_bench("bench_iac.py", "60")

    files: list[tuple[str, int, int, int]] = []
    steps: list[str] = []
    findings: dict[tuple[str, str], dict[str, int]] = {}
    for line in output.splitlines():
        if match := IAC_FILE.match(line):
            label = match["label"]
            files.append((label, number(match["made"]), number(match["read"]), number(match["skipped"])))
        elif match := IAC_STEP.match(line):
            steps.append(f"{files[-1][0]}: {match[1]}")
        elif match := IAC_FINDINGS.match(line):
            counts = {key: number(value) for key, value in match.groupdict().items() if key != "source"}
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
    output = run_bench("bench_history.py", "3", "3000", "--accounts", "3")

    sections = re.split(r"^(sqlite|postgresql)$", output, flags=re.MULTILINE)
    figures = dict(zip(sections[1::2], sections[2::2], strict=True))
    assert "sqlite" in figures, output
    if "postgresql" not in figures:  # no server binaries on this machine: said so
        assert re.search(r"^postgresql: skipped: no server binaries", output, re.MULTILINE), output
    for database, text in figures.items():
        runs = [match for match in map(HISTORY_RUN.match, text.splitlines()) if match]
        assert [int(match[1]) for match in runs] == [1, 2, 3], f"{database}:\n{output}"
        assert all(number(match[2]) > 1_000 for match in runs), output
        for figure in HISTORY_FIGURES:
            assert re.search(figure, text, re.MULTILINE), f"{database}: {figure}\n{output}"
