"""Naming: CAF names, each kind's rule enforced, never a silently truncated or invalid name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentimark_platform.components._naming import (
    NAMING_RULES,
    REGION_CODES,
    region_code,
    resource_name,
    stable_suffix,
)
from sentimark_platform.components.errors import InvalidArgumentError
from sentimark_platform.offline import run_preview


def test_builds_caf_names_with_hyphens_where_allowed() -> None:
    assert resource_name("key_vault", workload="sentimark", environment="uat", region="weu") == "kv-sentimark-uat-weu"
    assert resource_name("resource_group", workload="sentimark", environment="prod", region="neu", instance="001") == (
        "rg-sentimark-prod-neu-001"
    )
    assert resource_name("kubernetes_cluster", workload="sentimark", environment="dev", region="sdc") == (
        "aks-sentimark-dev-sdc"
    )


def test_drops_hyphens_for_kinds_that_forbid_them_and_appends_the_suffix() -> None:
    assert resource_name("container_registry", workload="senti-mark", environment="uat", region="weu", suffix="x7k2p") == (
        "crsentimarkuatweux7k2p"
    )
    assert resource_name("storage_account", workload="sentimark", environment="prod", region="eus2", suffix="ab12") == (
        "stsentimarkprodeus2ab12"
    )


def test_a_key_vault_name_that_cannot_fit_names_kind_value_limit_and_fix() -> None:
    with pytest.raises(InvalidArgumentError) as excinfo:
        resource_name("key_vault", workload="sentimarkplatform", environment="prod", region="eus2", suffix="abcde")
    assert str(excinfo.value) == (
        "naming: argument 'workload' got 'sentimarkplatform'; the key_vault name 'kv-sentimarkplatform-prod-eus2-abcde' "
        "has 36 characters, more than the 24 allowed; use a workload name of at most 5 characters"
    )


def test_a_shorter_workload_as_the_error_suggests_fits() -> None:
    name = resource_name("key_vault", workload="senti", environment="prod", region="eus2", suffix="abcde")
    assert name == "kv-senti-prod-eus2-abcde" and len(name) == 24


def test_when_no_workload_can_fit_the_fix_says_to_shorten_the_rest() -> None:
    with pytest.raises(InvalidArgumentError, match="even a one-character workload does not fit"):
        resource_name("key_vault", workload="a", environment="production", region="eus2", suffix="abcdefgh")


@pytest.mark.parametrize(
    ("argument", "value", "fix"),
    [
        ("workload", "Sentimark", "lower-case letters and digits"),
        ("environment", "uat--x", "single hyphens"),
        ("region", "", "lower-case letters and digits"),
        ("suffix", "AB_1", "1 to 8 lower-case letters and digits"),
        ("kind", "virtual_machine", "use one of"),
    ],
)
def test_malformed_parts_are_refused(argument: str, value: str, fix: str) -> None:
    parts = {"kind": "key_vault", "workload": "smk", "environment": "dev", "region": "weu", "suffix": None}
    parts[argument] = value
    kind = parts.pop("kind")
    with pytest.raises(InvalidArgumentError, match=fix) as excinfo:
        resource_name(kind, **parts)  # type: ignore[arg-type]
    assert excinfo.value.argument == argument


def test_event_hubs_namespace_may_not_end_in_sb() -> None:
    with pytest.raises(InvalidArgumentError, match="eventhubs_namespace"):
        resource_name("eventhubs_namespace", workload="smk", environment="dev", region="weu", instance="sb")


def test_region_codes() -> None:
    assert region_code("westeurope") == "weu"
    assert region_code("eastus2") == "eus2"
    assert REGION_CODES["swedencentral"] == "sdc"
    with pytest.raises(InvalidArgumentError, match="'mars'; use one of"):
        region_code("mars")


def test_stable_suffix_is_deterministic_lowercase_alphanumeric() -> None:
    assert stable_suffix("sub-1", "prod") == stable_suffix("sub-1", "prod")
    assert stable_suffix("sub-1", "prod") != stable_suffix("sub-1", "uat")
    assert re.fullmatch(r"[a-z0-9]{4}", stable_suffix("x", length=4))


_PART = st.from_regex(r"\A[a-z0-9]{1,12}(-[a-z0-9]{1,6}){0,2}\Z")
_ANY_TEXT = st.text(min_size=0, max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(NAMING_RULES)),
    workload=st.one_of(_PART, _ANY_TEXT),
    environment=st.one_of(st.sampled_from(["dev", "sit", "uat", "prod"]), _PART),
    region=st.one_of(st.sampled_from(sorted(REGION_CODES.values())), _PART),
    instance=st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,3}\Z")),
    suffix=st.one_of(st.none(), st.from_regex(r"\A[a-z0-9]{4,5}\Z")),
)
def test_every_name_satisfies_its_kind_or_the_error_is_clear(
    kind: str, workload: str, environment: str, region: str, instance: str | None, suffix: str | None
) -> None:
    rule = NAMING_RULES[kind]
    try:
        name = resource_name(kind, workload=workload, environment=environment, region=region, instance=instance, suffix=suffix)
    except InvalidArgumentError as error:
        assert error.component == "naming"
        assert error.fix
        return
    assert rule.min_length <= len(name) <= rule.max_length
    assert re.fullmatch(rule.pattern, name), name
    assert name.startswith(rule.abbreviation)
    if kind == "key_vault":
        assert "--" not in name and name[0].isalpha() and name[-1].isalnum()
    if not rule.hyphens:
        assert name.isalnum()


@settings(max_examples=100, deadline=None)
@given(workload=st.from_regex(r"\A[a-z]{1,40}\Z"), env=st.sampled_from(["dev", "sit", "uat", "prod"]),
       region=st.sampled_from(sorted(REGION_CODES.values())))
def test_a_too_long_name_is_refused_never_truncated(workload: str, env: str, region: str) -> None:
    full = f"kv-{workload}-{env}-{region}-abcde"
    if len(full) <= 24:
        assert resource_name("key_vault", workload=workload, environment=env, region=region, suffix="abcde") == full
    else:
        with pytest.raises(InvalidArgumentError, match="more than the 24 allowed"):
            resource_name("key_vault", workload=workload, environment=env, region=region, suffix="abcde")


def test_unique_resource_name_resolves_an_output_suffix_and_fails_early_when_it_cannot_fit(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "from sentimark_platform.components._naming import unique_resource_name\n"
        "suffix = pulumi.Output.from_input('q9z3k')\n"
        "pulumi.export('kv', unique_resource_name('key_vault', workload='smk', environment='uat', region='weu', suffix=suffix))\n"
    )
    assert run_preview(tmp_path, "dev").outputs == {"kv": "kv-smk-uat-weu-q9z3k"}
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "from sentimark_platform.components._naming import unique_resource_name\n"
        "suffix = pulumi.Output.from_input('q9z3k')\n"
        "unique_resource_name('key_vault', workload='sentimarkplatform', environment='uat', region='weu', suffix=suffix)\n"
    )
    with pytest.raises(InvalidArgumentError, match="use a workload name of at most 7 characters"):
        run_preview(tmp_path, "dev")
