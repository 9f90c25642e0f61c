"""The board's figures equal what ``list``, ``model list``, ``model trace`` and ``check``
say in JSON (computed here from those outputs, independently of reports.figures)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from register.check.uses import USES
from register.reports.figures import AGE_BUCKETS, build_figures
from tests.cli_helpers import run_cli
from tests.reports.conftest import TUNED


def _json(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> dict:  # type: ignore[type-arg]
    run = run_cli(capsys, "--db", str(db), *args, "--format", "json")
    assert run.code in (0, 3, 4), run.err
    return json.loads(run.out)  # type: ignore[no-any-return]


def test_figures_match_the_cli_json(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fig = _json(capsys, built, "report", "dashboard")
    listed = _json(capsys, built, "list")["datasets"]
    queue = _json(capsys, built, "list", "--needs-review")["datasets"]
    models = _json(capsys, built, "model", "list")
    due = _json(capsys, built, "list", "--expiring-within", "90")["datasets"]

    assert fig["on"] == date.today().isoformat()
    assert fig["datasets"] == len(listed)
    assert fig["models"] == len(models)
    assert fig["datasets_license_issues"] == [d["id"] for d in listed if d["needs_review"]]
    assert fig["models_license_issues"] == [m["id"] for m in models
                                            if m["declared_needs_review"]]
    assert fig["review_queue"] == len(queue)
    assert [i["id"] for i in fig["review_items"]] == [d["id"] for d in queue]
    assert fig["review_by_reason"] == {
        "license": sum(d["needs_review"] for d in queue),
        "rights": sum(d["rights_needs_review"] for d in queue)}
    assert fig["review_by_age"] == {AGE_BUCKETS[0][0]: len(queue),
                                    **{label: 0 for label, _ in AGE_BUCKETS[1:]}}
    assert [(r["id"], r["retain_until"]) for r in fig["retention_due"]] == sorted(
        ((d["id"], d["retain_until"]) for d in due), key=lambda x: (x[1], x[0]))
    assert [r["id"] for r in fig["retention_due"]] == ["arabic_speech_corpus"]

    passed = 0
    for m in models:
        trace = _json(capsys, built, "model", "trace", m["id"])
        ok = (all(n["in_register"] for n in trace["chain"])
              and bool(trace["data"]) and all(d["in_register"] for d in trace["data"])
              and bool(trace["weights"]) and all(w["sha256"] for w in trace["weights"]))
        passed += ok
        assert {p["id"]: p["passed"] for p in fig["provenance"]}[m["id"]] is ok
    assert fig["models_provenance_passed"] == passed == 1
    assert {p["id"]: p["passed"] for p in fig["provenance"]}[TUNED] is True

    for use in USES:
        verdicts = Counter(
            _json(capsys, built, "check", "--dataset", d["id"], "--use", use)["verdict"]
            for d in listed)
        assert {v: n for v, n in fig["verdicts"][use].items() if n} == dict(verdicts)
    assert "governance" not in fig  # filled once governance records exist


def test_on_moves_ages_and_the_retention_window(built: Path) -> None:
    from register import Register

    with Register.open(built) as reg:
        later = build_figures(reg, on=date.today() + timedelta(days=45))
        today = build_figures(reg)
    assert later.review_by_age["31-90 days"] == len(later.review_items) > 0
    # 30 days ahead is overdue 45 days on: still listed (as list --expiring-within does)
    days = {r["id"]: r["days_left"] for r in later.retention_due}
    assert days["arabic_speech_corpus"] == -15
    assert {r["id"] for r in today.retention_due} == {"arabic_speech_corpus"}
    assert later.to_dict()["on"] == (date.today() + timedelta(days=45)).isoformat()


def test_dashboard_json_matches_its_schema(built: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    from register.schemas import load_schema

    jsonschema.validate(_json(capsys, built, "report", "dashboard"), load_schema("dashboard"))


def test_governance_section_only_once_filled(built: Path) -> None:
    import dataclasses

    from register import Register
    from register.reports.dashboard import render_dashboard

    with Register.open(built) as reg:
        fig = build_figures(reg)
    assert fig.governance is None and "tier" not in render_dashboard(fig)
    filled = dataclasses.replace(fig, governance={
        "by_tier_and_approval": {"high": {"approved": 1, "pending": 2}}})
    assert filled.to_dict()["governance"]["by_tier_and_approval"]["high"]["pending"] == 2
    page = render_dashboard(filled)
    assert "Models by tier and approval state" in page
    assert 'data-figure="governance.high.pending">2<' in page


def test_governance_figures_match_status_json(built: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    policy = built.parent / "policy.yaml"  # legal signs the internal tier in this team
    policy.write_text("tiers:\n  internal-decision-support:\n    roles: [legal]\n",
                      encoding="utf-8")
    run = run_cli(capsys, "--db", str(built), "approve", TUNED, "--tier",
                  "internal-decision-support", "--role", "legal", "--by", "alice",
                  "--reason", "internal pilot", "--policy", str(policy))
    assert run.code == 0, run.err
    fig = _json(capsys, built, "report", "dashboard")
    status = _json(capsys, built, "status")["subjects"]
    expected: dict[str, Counter[str]] = {}
    for subject in status:
        if subject["kind"] == "model":
            for tier in subject["tiers"]:
                expected.setdefault(tier["tier"], Counter())[tier["state"]] += 1
    got = fig["governance"]["by_tier_and_approval"]
    assert {t: {s: n for s, n in per.items() if n} for t, per in got.items()} == {
        t: dict(c) for t, c in expected.items()}
    assert sum(got["exploratory"].values()) == fig["models"]
    assert got["exploratory"]["approved"] >= 1
    from register import Register
    from register.reports.dashboard import render_dashboard

    with Register.open(built) as reg:
        page = render_dashboard(build_figures(reg))
    n = got["exploratory"]["approved"]
    assert f'data-figure="governance.exploratory.approved">{n}<' in page
