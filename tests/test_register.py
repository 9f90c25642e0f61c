"""The Python API: Register.open / check / require_allowed, and the datasets helper."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import register
from register import CheckFailed, CheckResult, Register, require_allowed
from register.errors import UsageError


@pytest.fixture
def api_reg(tmp_path: Path, cards_dir: Path) -> Register:
    reg = Register.open(tmp_path / "api.db", create=True)
    summary = reg.ingest_paths([cards_dir], recursive=True)
    assert summary.failed == []
    return reg


def test_normalize_is_exported() -> None:
    result = register.normalize("Creative Commons Attribution-ShareAlike 4.0 International")
    assert result.expression == "CC-BY-SA-4.0" and result.needs_review is False


def test_check_returns_spec_shape(api_reg: Register) -> None:
    result = api_reg.check(["beans", "squad_v2"], use="release-weights", on=date(2026, 12, 1))
    assert isinstance(result, CheckResult)
    assert set(result.to_dict()) >= {"schema_version", "verdict", "use", "commercial", "region",
                                     "on", "policy", "datasets", "conflicts", "obligations",
                                     "warnings"}
    assert result.verdict == "allowed-with-obligations"
    assert result.commercial is True
    assert require_allowed(result) is result


def test_require_allowed_raises_with_the_result(api_reg: Register) -> None:
    result = api_reg.check(["aslg_pc12"], use="service")
    with pytest.raises(CheckFailed) as err:
        require_allowed(result)
    assert err.value.result.verdict == "blocked"
    assert err.value.exit_code == 4
    assert err.value.verdict == "blocked" and err.value.result is result


def test_check_failed_for_needs_review_exits_3(api_reg: Register) -> None:
    result = api_reg.check(["aslg_pc12"], use="research", region="DE")
    result = replace(result, verdict="needs-review")
    with pytest.raises(CheckFailed) as err:
        require_allowed(result)
    assert err.value.exit_code == 3 and str(err.value) == "corpus check verdict is needs-review"


def test_non_commercial_flag(api_reg: Register) -> None:
    result = api_reg.check(["aslg_pc12"], use="internal", non_commercial=True)
    assert result.verdict == "allowed"
    assert result.commercial is False


def test_datasets_helper_with_datasetinfo(api_reg: Register) -> None:
    import datasets

    from register.hf_datasets import check_datasets

    # A DatasetInfo is named by the caller (builder_name / dataset_name name no dataset:
    # issue 11 class 1); unnamed, it is refused.
    known = datasets.DatasetInfo(builder_name="beans", license="mit")
    outside = datasets.DatasetInfo(dataset_name="private-scrape", license="CC BY-NC 4.0")
    result = check_datasets([("beans", known), "squad_v2", ("private-scrape", outside)],
                            use="service", register=api_reg)
    by_id = {d.id: d for d in result.datasets}
    assert by_id["private-scrape"].license == "CC-BY-NC-4.0"
    assert by_id["private-scrape"].verdict == "blocked"
    assert result.verdict == "blocked"
    with pytest.raises(CheckFailed):
        check_datasets({"private-scrape": outside}, use="service", register=api_reg,
                       require=True)
    unclear = datasets.DatasetInfo(dataset_name="mystery", license="")
    assert check_datasets([unclear], use="research", register=api_reg,
                          ids=["mystery"]).verdict == "needs-review"
    for unnamed in (known, outside, unclear):
        with pytest.raises(UsageError, match="cannot tell which dataset"):
            check_datasets([unnamed], use="research", register=api_reg)


def test_datasets_helper_with_a_dataset_object(api_reg: Register) -> None:
    import datasets

    from register.hf_datasets import check_datasets

    ds = datasets.Dataset.from_dict({"text": ["a", "b"]},
                                    info=datasets.DatasetInfo(builder_name="cedr",
                                                              license="apache-2.0"))
    result = check_datasets({"cedr": ds}, use="internal", register=api_reg)
    assert [d.id for d in result.datasets] == ["cedr"]
    assert result.verdict == "allowed"
    with pytest.raises(UsageError, match="'cedr' builder"):
        check_datasets([ds], use="internal", register=api_reg)


# -- issue 17: the API behaves as a caller expects ------------------------------------------
def test_check_accepts_a_single_id(api_reg: Register) -> None:
    one = api_reg.check("beans", use="research", on=date(2026, 12, 1))
    assert [d["id"] for d in one.to_dict()["datasets"]] == ["beans"]
    assert one.verdict == api_reg.check(["beans"], use="research", on=date(2026, 12, 1)).verdict


def test_check_accepts_an_iso_date_string(api_reg: Register) -> None:
    as_text = api_reg.check(["beans"], use="service", on="2027-01-01", region="DE")
    as_date = api_reg.check(["beans"], use="service", on=date(2027, 1, 1), region="DE")
    assert as_text.to_dict() == as_date.to_dict()
    with pytest.raises(UsageError, match=r"^on: '2027-13-01' is not an ISO 8601 date"):
        api_reg.check(["beans"], use="service", on="2027-13-01")


def test_clearance_until_compares_with_a_string_date(api_reg: Register) -> None:
    api_reg.clear("squad_v2", use="service", reason="contract", by="alice",
                  until=date(2027, 6, 30))
    assert api_reg.check(["squad_v2"], use="service", on="2027-01-01").verdict in (
        "allowed", "allowed-with-obligations")


def test_check_not_strict_leaves_unknown_ids_out(api_reg: Register) -> None:
    result = api_reg.check(["beans", "no/such"], use="research", strict=False)
    assert [d["id"] for d in result.to_dict()["datasets"]] == ["beans"]
    result = api_reg.check([{"id": "no/such", "revision": "abc"}, "beans"], use="research",
                           strict=False)
    assert [d["id"] for d in result.to_dict()["datasets"]] == ["beans"]
    with pytest.raises(register.RegisterError, match="none of the datasets"):
        api_reg.check(["no/such"], use="research", strict=False)


def test_check_of_nothing_is_refused(api_reg: Register) -> None:
    with pytest.raises(UsageError, match="^datasets is empty"):
        api_reg.check([], use="research")


def test_api_errors_name_parameters_not_cli_flags(api_reg: Register) -> None:
    with pytest.raises(UsageError) as info:
        api_reg.check(["beans"], use="training")
    assert info.value.message.startswith("use must be one of") and "--" not in info.value.message
    with pytest.raises(UsageError) as info:
        api_reg.clear("beans", use="service", reason=" ", by="alice")
    assert "--" not in info.value.message
    with pytest.raises(UsageError) as info:
        api_reg.set_license("beans", "MIT", reason="")
    assert "--" not in info.value.message


def test_open_never_creates_for_a_read(tmp_path: Path) -> None:
    from register.errors import StoreError

    typo = tmp_path / "typo.db"
    with pytest.raises(StoreError, match=f"no register at {typo}"):
        Register.open(typo)
    assert not typo.exists()
    with Register.open(typo, create=True) as reg:
        assert reg.count() == 0
    with Register.open(typo) as reg:  # now it exists
        assert reg.count() == 0
