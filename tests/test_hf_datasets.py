"""register.hf_datasets: ``datasets`` objects are named only by what really names them.

Real local parquet datasets built by ``datasets`` (``Dataset.from_dict(...).to_parquet`` then
``load_dataset("parquet", data_files=...)``): their ``builder_name`` / ``dataset_name`` is
``parquet``, which must never identify them (issue 11 class 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from register import Register
from register.errors import UsageError
from register.hf_datasets import check_datasets, hub_reference

datasets = pytest.importorskip("datasets")

SHA_A = "a" * 40
SHA_B = "0123456789abcdef0123456789abcdef01234567"


def _card(directory: Path, license_id: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "README.md").write_text(
        f"---\nlicense: {license_id}\npretty_name: {directory.name}\n---\n# {directory.name}\n",
        encoding="utf-8")
    return directory


@pytest.fixture
def hub_reg(tmp_path: Path) -> Register:
    """A register holding acme/nc-set (CC-BY-NC-4.0) and acme/mit-set (MIT)."""
    reg = Register.open(tmp_path / "hf.db", create=True)
    for ds_id, lic in (("acme/nc-set", "cc-by-nc-4.0"), ("acme/mit-set", "mit")):
        summary = reg.ingest_paths([_card(tmp_path / "cards" / ds_id, lic)], dataset_id=ds_id)
        assert summary.failed == []
    return reg


def _parquet(tmp_path: Path, name: str, rows: list[str]) -> Any:
    path = tmp_path / f"{name}.parquet"
    datasets.Dataset.from_dict({"text": rows}).to_parquet(str(path))
    return datasets.load_dataset("parquet", data_files=str(path), split="train",
                                 cache_dir=str(tmp_path / "hf-cache"))


def _arrow_at(tmp_path: Path, relative: str) -> Any:
    """A dataset memory-mapped from an Arrow file at a cache-like path."""
    saved = tmp_path / "saved" / relative.replace("/", "_")
    datasets.Dataset.from_dict({"text": ["x"]}).save_to_disk(str(saved))
    target = tmp_path / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(next(saved.glob("*.arrow")).read_bytes())
    return datasets.Dataset.from_file(str(target))


def test_local_parquet_datasets_are_named_parquet(tmp_path: Path) -> None:
    ds = _parquet(tmp_path, "nc", ["a", "b"])
    assert ds.info.builder_name == "parquet"
    assert hub_reference(ds) is None


def test_unnamed_local_datasets_are_refused(tmp_path: Path, hub_reg: Register) -> None:
    nc, mit = _parquet(tmp_path, "nc", ["a", "b"]), _parquet(tmp_path, "mit", ["c"])
    with pytest.raises(UsageError, match=r"item 1 \(Dataset built by the 'parquet' builder\)"):
        check_datasets([nc, mit], use="service", register=hub_reg)
    with pytest.raises(UsageError, match="item 2"):
        check_datasets([("acme/nc-set", nc), mit], use="service", register=hub_reg)


def test_two_local_datasets_do_not_collapse(tmp_path: Path, hub_reg: Register) -> None:
    nc, mit = _parquet(tmp_path, "nc", ["a", "b"]), _parquet(tmp_path, "mit", ["c"])
    for result in (
        check_datasets({"acme/nc-set": nc, "acme/mit-set": mit}, use="service",
                       register=hub_reg),
        check_datasets([("acme/nc-set", nc), ("acme/mit-set", mit)], use="service",
                       register=hub_reg),
        check_datasets([nc, mit], ids=["acme/nc-set", "acme/mit-set"], use="service",
                       register=hub_reg),
    ):
        by_id = {d.id: d for d in result.datasets}
        assert set(by_id) == {"acme/nc-set", "acme/mit-set"}
        assert by_id["acme/nc-set"].license == "CC-BY-NC-4.0"
        assert by_id["acme/nc-set"].verdict == "blocked"
        assert by_id["acme/mit-set"].license == "MIT"
        assert result.verdict == "blocked"


def test_two_objects_under_one_id_are_refused(tmp_path: Path, hub_reg: Register) -> None:
    nc, mit = _parquet(tmp_path, "nc", ["a", "b"]), _parquet(tmp_path, "mit", ["c"])
    with pytest.raises(UsageError, match="both named 'acme/nc-set'"):
        check_datasets([("acme/nc-set", nc), ("acme/nc-set", mit)], use="service",
                       register=hub_reg)
    with pytest.raises(UsageError, match="ids= names 1 items, but 2"):
        check_datasets([nc, mit], ids=["acme/nc-set"], use="service", register=hub_reg)


def test_hub_repo_and_revision_from_data_files(tmp_path: Path, hub_reg: Register) -> None:
    snap = _arrow_at(tmp_path, f"hub/datasets--acme--nc-set/snapshots/{SHA_A}/train.arrow")
    assert hub_reference(snap) == ("acme/nc-set", SHA_A)
    cached = _arrow_at(tmp_path, f"cache/acme___mit-set/default/0.0.0/{SHA_B}/mit-train.arrow")
    assert hub_reference(cached) == ("acme/mit-set", None)
    info = datasets.DatasetInfo(download_checksums={
        f"hf://datasets/acme/mit-set@{SHA_B}/data/train-00000-of-00001.parquet":
            {"num_bytes": 1, "checksum": None}})
    assert hub_reference(info) == ("acme/mit-set", SHA_B)
    url = datasets.DatasetInfo(download_checksums={
        f"https://huggingface.co/datasets/acme/nc-set/resolve/{SHA_A}/train.csv": {}})
    assert hub_reference(url) == ("acme/nc-set", SHA_A)

    result = check_datasets([snap, cached], use="service", register=hub_reg)
    by_id = {d.id: d for d in result.datasets}
    assert set(by_id) == {"acme/nc-set", "acme/mit-set"}
    assert by_id["acme/nc-set"].verdict == "blocked"
    # The register holds no version of acme/nc-set at revision SHA_A: its license there is
    # not known, so the entry needs review (still blocked by the card's CC-BY-NC-4.0).
    assert result.verdict == "blocked"
    only_mit = check_datasets([cached], use="service", register=hub_reg)
    assert only_mit.verdict == "allowed-with-obligations"
    pinned = check_datasets([info], use="service", register=hub_reg)
    assert pinned.verdict == "needs-review"
    assert SHA_B in json.dumps(pinned.to_dict())


def test_files_from_two_repositories_are_refused(tmp_path: Path, hub_reg: Register) -> None:
    mixed = datasets.DatasetInfo(download_checksums={
        f"hf://datasets/acme/nc-set@{SHA_A}/a.parquet": {},
        f"hf://datasets/acme/mit-set@{SHA_A}/b.parquet": {}})
    with pytest.raises(UsageError, match="several Hub datasets"):
        check_datasets([mixed], use="service", register=hub_reg)


def test_splits_of_one_hub_dataset_are_one_entry(tmp_path: Path, hub_reg: Register) -> None:
    train = _arrow_at(tmp_path, f"cache/acme___mit-set/default/0.0.0/{SHA_B}/mit-train.arrow")
    test = _arrow_at(tmp_path, f"cache/acme___mit-set/default/0.0.0/{SHA_B}/mit-test.arrow")
    result = check_datasets([train, test], use="service", register=hub_reg)
    assert [d.id for d in result.datasets] == ["acme/mit-set"]


def test_base_model_is_checked(tmp_path: Path, hub_reg: Register) -> None:
    mit = _parquet(tmp_path, "mit", ["c"])
    result = check_datasets(
        {"acme/mit-set": mit}, use="service", register=hub_reg,
        base_model={"id": "meta-llama/Llama-2-7b-hf",
                    "license": "LicenseRef-scancode-llama-2-license-2023"})
    base = [d for d in result.datasets if d.base_model]
    assert [d.id for d in base] == ["meta-llama/Llama-2-7b-hf"]
    unknown = check_datasets({"acme/mit-set": mit}, use="service", register=hub_reg,
                             base_model="some/model")
    assert unknown.verdict == "needs-review"


def test_a_register_opened_here_is_closed(tmp_path: Path, hub_reg: Register,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    hub_reg.close()
    closed: list[Register] = []
    original = Register.close

    def close(self: Register) -> None:
        closed.append(self)
        original(self)

    monkeypatch.setattr(Register, "close", close)
    result = check_datasets(["acme/mit-set"], use="service", register=tmp_path / "hf.db")
    assert result.verdict == "allowed-with-obligations"
    assert len(closed) == 1
    with pytest.raises(UsageError):
        check_datasets([_parquet(tmp_path, "x", ["y"])], use="service",
                       register=tmp_path / "hf.db")
    assert len(closed) == 2
