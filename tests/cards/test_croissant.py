"""Reading Croissant JSON-LD into the register (``register import croissant``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from register.cards.croissant import parse_croissant, read_croissant
from register.errors import CardError
from register.register import Register

FIXTURES = Path(__file__).parents[1] / "fixtures" / "croissant"
VOICE = FIXTURES / "common-voice-subset.json"
WEATHER = FIXTURES / "weather-stations.jsonld"


def test_reads_a_hub_croissant_file() -> None:
    doc = read_croissant(VOICE)
    assert doc.dataset_id == "example-org/voice-commands-de"
    assert doc.source == "https://huggingface.co/datasets/example-org/voice-commands-de"
    assert doc.revision == "2.1.0"
    assert doc.raw_license["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc.metadata["pretty_name"] == "Voice Commands (German subset)"
    assert doc.metadata["conforms_to"] == "http://mlcommons.org/croissant/1.0"
    dist = {d["name"]: d for d in doc.metadata["distribution"]}
    assert dist["train-00000-of-00001.parquet"]["sha256"].startswith("9f2c4a1e")
    # the Hub's placeholder "sha256" (an issue URL) is kept, but not as a digest
    assert "sha256" not in dist["repo"] and "sha256_not_a_digest" in dist["repo"]
    assert doc.metadata["rai"]["dataUseCases"].startswith("Training")
    assert doc.rights_suggestions["personal_data"]["value"] == "yes"
    assert doc.rights_suggestions["sensitive"]["value"] == ["biometric"]
    assert doc.rights_suggestions["consent_required"]["value"] is True
    assert all(not s["confirmed"] for s in doc.rights_suggestions.values())


def test_prefixed_keys_license_list_and_denied_personal_data() -> None:
    doc = read_croissant(WEATHER)
    assert doc.dataset_id == "weather-stations-1990-2020"
    assert doc.raw_license["license"] == [
        "https://opendatacommons.org/licenses/odbl/1-0/", "CC BY-SA 4.0"]
    assert isinstance(doc.raw_license["croissant_license"], list)
    assert doc.metadata["distribution"][0]["sha256"].startswith("4b2277")
    assert doc.rights_suggestions["personal_data"]["value"] == "no"


def test_ingest_normalizes_the_license(sqlite_reg: Register) -> None:
    summary = sqlite_reg.ingest_documents([read_croissant(VOICE), read_croissant(WEATHER)])
    assert summary.ingested == 2
    voice = sqlite_reg.show("example-org/voice-commands-de")
    assert voice.license.declared == "CC-BY-4.0"
    assert voice.license.needs_review is False
    assert voice.pretty_name == "Voice Commands (German subset)"
    weather = sqlite_reg.show("weather-stations-1990-2020")
    assert weather.license.declared in ("ODbL-1.0 AND CC-BY-SA-4.0",
                                              "CC-BY-SA-4.0 AND ODbL-1.0")
    # re-reading the same file changes nothing
    again = sqlite_reg.ingest_documents([read_croissant(VOICE)])
    assert again.unchanged == 1


def test_graph_form_and_errors(tmp_path: Path) -> None:
    node = json.loads(VOICE.read_text())
    context = node.pop("@context")
    graph = {"@context": context, "@graph": [{"@type": "sc:Person", "name": "x"}, node]}
    doc = parse_croissant(json.dumps(graph).encode(), where="graph.json")
    assert doc.dataset_id == "example-org/voice-commands-de"
    with pytest.raises(CardError, match="not valid JSON"):
        parse_croissant(b"{", where="bad.json")
    with pytest.raises(CardError, match="JSON object"):
        parse_croissant(b"[1]", where="list.json")
    with pytest.raises(CardError, match="neither a name nor a url"):
        parse_croissant(b'{"@type": "sc:Dataset"}', where="empty.json")
    with pytest.raises(CardError, match="no such file"):
        read_croissant(tmp_path / "missing.json")
    no_license = parse_croissant(b'{"@type": "sc:Dataset", "name": "Bare"}', where="b.json")
    assert no_license.raw_license["license"] == []
    assert any("no license" in w for w in no_license.warnings)


def test_two_license_keys_are_an_error_naming_the_file(tmp_path: Path) -> None:
    # json keeps the last of two equal keys; a license must not be decided that way (issue
    # 11 class 6), the same rule as a YAML card's repeated license key.
    text = VOICE.read_text(encoding="utf-8")
    first = '"license": "https://creativecommons.org/licenses/by/4.0/"'
    assert first in text
    twice = text.replace(
        first, first + ',\n  "license": "https://creativecommons.org/licenses/by-nc/4.0/"')
    path = tmp_path / "croissant.json"
    path.write_text(twice, encoding="utf-8")
    with pytest.raises(CardError, match="license key 'license' is given twice") as err:
        read_croissant(path)
    assert str(path.resolve()) in str(err.value)
    # license and sc:license with different values: the same conflict
    both = text.replace(
        first, first + ',\n  "sc:license": "https://creativecommons.org/licenses/by-nc/4.0/"')
    with pytest.raises(CardError, match="license is given twice"):
        parse_croissant(both.encode(), where="both.json")
    # the same value twice is no conflict; another repeated key is a warning
    same = text.replace(first, first + ",\n  " + first + ',\n  "version": "9", "version": "9"')
    doc = parse_croissant(same.encode(), where="same.json")
    assert doc.raw_license["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert any("duplicate key 'version'" in w for w in doc.warnings)
