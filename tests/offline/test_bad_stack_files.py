"""A bad project or stack file never crashes the offline engine and is never silently accepted: each gets one
clear error (file, key path or line, what is allowed; never a value that may be secret), exit 2 from the CLI,
and nothing registered."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from sentimark_platform.offline import ProjectError, run_preview
from sentimark_platform.offline.project import MAX_EXPANDED_VALUES, load_project, load_stack_config
from stacks import SettingsError
from tests.conftest import ROOT

NS = "sentimark-platform"
UAT = (ROOT / "Pulumi.uat.yaml").read_text(encoding="utf-8")


def _refusal(project: Path, stack_file: str | bytes, stack: str = "uat") -> str:
    """Write the stack file into the project copy, preview it, and return the ProjectError's message."""
    target = project / f"Pulumi.{stack}.yaml"
    target.write_bytes(stack_file if isinstance(stack_file, bytes) else stack_file.encode("utf-8"))
    with pytest.raises(ProjectError) as caught:
        run_preview(project, stack)
    return str(caught.value)


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def _tiny(tmp_path: Path, stack_file: str) -> dict[str, str]:
    """The config values a tiny project's stack file hands the program (loader only: no program runs)."""
    (tmp_path / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_file)
    return load_stack_config(load_project(tmp_path), "dev").values


# 1. Bytes that are not UTF-8.


def test_a_stack_file_that_is_not_utf8_names_the_byte_offset_and_line(project_copy: Path) -> None:
    data = _replace_once(UAT, "tier: Standard", "tier: Stand@rd").encode().replace(b"Stand@rd", b"Stand\xe9rd")
    offset = data.index(b"\xe9")
    line = data[:offset].count(b"\n") + 1
    message = _refusal(project_copy, data)
    assert message == (f"Pulumi.uat.yaml: byte offset {offset} (line {line}): got the byte 0xe9, which is not UTF-8; "
                       "allowed: UTF-8 text (save the file as UTF-8)")


def test_a_project_file_that_is_not_utf8_is_named(project_copy: Path) -> None:
    (project_copy / "Pulumi.yaml").write_bytes(b"name: sentimark-platform\nruntime: python\ndescription: caf\xe9\n")
    with pytest.raises(ProjectError, match=r"^Pulumi\.yaml: byte offset 57 \(line 3\): got the byte 0xe9"):
        run_preview(project_copy, "uat")


def test_a_utf16_stack_file_is_refused_at_its_byte_order_mark(project_copy: Path) -> None:
    message = _refusal(project_copy, UAT.encode("utf-16"))
    assert message.startswith("Pulumi.uat.yaml: byte offset 0 (line 1): got the byte 0xff, which is not UTF-8")


# 2. Not a mapping at the top; keys that are not text; keys given twice.


@pytest.mark.parametrize(("text", "expected"), [
    ("- config\n", "Pulumi.uat.yaml: expected a mapping at the top level; got a list"),
    ("just text\n", "Pulumi.uat.yaml: expected a mapping at the top level; got text"),
    ("config:\n- a\n", "Pulumi.uat.yaml: `config` must be a mapping of keys to values; got a list"),
], ids=["a list", "a scalar", "config as a list"])
def test_a_stack_file_that_is_not_a_mapping_is_refused(project_copy: Path, text: str, expected: str) -> None:
    assert _refusal(project_copy, text) == expected


@pytest.mark.parametrize(("key", "expected"), [
    ("123", "got the key 123 (a number, line 25); allowed: text keys; quote it ('123') if it is meant as text"),
    # YAML 1.1 reads on/yes/no as booleans: PyYAML and the Pulumi CLI's yaml.v2 alike.
    ("on", "got the key on (a boolean, line 25); allowed: text keys; quote it ('on') if it is meant as text"),
    ("2026-01-01", "got the key 2026-01-01 (a date, line 25); allowed: text keys; quote it ('2026-01-01') if it is "
                   "meant as text"),
    ("? [a, b]\n    ", "got a list as a key (line 25); allowed: text keys"),
], ids=["number", "boolean", "date", "complex key"])
def test_a_key_that_is_not_text_is_refused_with_its_path(project_copy: Path, key: str, expected: str) -> None:
    text = _replace_once(UAT, "    tier: Standard", f"    {key}: Standard")
    assert UAT.splitlines().index("    tier: Standard") + 1 == 25
    assert _refusal(project_copy, text) == f"Pulumi.uat.yaml: {NS}:aks: {expected}"


def test_a_top_level_config_key_that_is_not_text_is_refused(project_copy: Path) -> None:
    # Before this check, `_full_key` crashed on the integer with a TypeError.
    assert _refusal(project_copy, "config:\n  123: x\n") == (
        "Pulumi.uat.yaml: config: got the key 123 (a number, line 2); allowed: text keys; quote it ('123') if it is "
        "meant as text"
    )


def test_duplicate_keys_are_refused_with_both_lines_and_every_one_at_once(project_copy: Path) -> None:
    # PyYAML keeps the last of two equal keys without a word: `tier: Free` would silently win here.
    text = _replace_once(UAT, "    tier: Standard", "    tier: Standard\n    tier: Free")
    text += f"  {NS}:owner: someone-else@sentimark.example\n"
    owner_line = UAT.splitlines().index(f"  {NS}:owner: platform-team@sentimark.example") + 1
    last_line = len(text.splitlines())
    assert _refusal(project_copy, text) == "\n".join([
        "2 problems in Pulumi.uat.yaml; nothing was registered:",
        f"  - Pulumi.uat.yaml: {NS}:aks.tier: got the key a second time (line 26; first at line 25); allowed: each "
        "key once in a mapping: remove one of them",
        f"  - Pulumi.uat.yaml: {NS}:owner: got the key a second time (line {last_line}; first at line {owner_line}); "
        "allowed: each key once in a mapping: remove one of them",
    ])


def test_merge_keys_still_override_and_shared_anchors_still_load(tmp_path: Path) -> None:
    values = _tiny(tmp_path, (
        "config:\n"
        "  tiny:base: &base {size: small, zones: &zones ['1', '2']}\n"
        "  tiny:pool:\n"
        "    <<: *base\n"
        "    size: large\n"
        "  tiny:zones: *zones\n"
    ))
    assert values["tiny:pool"] == '{"size": "large", "zones": ["1", "2"]}'
    assert values["tiny:zones"] == '["1", "2"]'


# 3. Aliases that contain themselves or expand without bound.


def test_an_alias_inside_the_value_it_names_is_refused(project_copy: Path) -> None:
    text = "config:\n  sentimark-platform:regions: &regions\n  - *regions\n"
    assert _refusal(project_copy, text) == (
        "Pulumi.uat.yaml: line 3: got the alias *regions inside the value &regions it refers to (a value that "
        "contains itself); allowed: aliases to a value defined before and outside them"
    )


def test_a_mapping_alias_inside_itself_is_refused(project_copy: Path) -> None:
    text = "config:\n  sentimark-platform:aks: &aks\n    inner: *aks\n"
    assert "got the alias *aks inside the value &aks it refers to" in _refusal(project_copy, text)


def test_a_billion_laughs_alias_bomb_fails_fast(project_copy: Path) -> None:
    # Nine levels of nine aliases: under 1 KB of YAML, 9^9 strings once expanded (gigabytes as JSON).
    lines = ["config:", f'  {NS}:lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  {NS}:lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    started = time.perf_counter()
    message = _refusal(project_copy, "\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    # Refused at the first level past the bound (lol5: 9^6 strings, line 7), before the deeper levels are composed.
    assert message == (
        "Pulumi.uat.yaml: line 7: got aliases that expand to 597,871 values; allowed: at most "
        f"{MAX_EXPANDED_VALUES:,} values once aliases are expanded (an alias bomb? write the values out)"
    )


def test_values_nested_beyond_what_the_parser_can_read_are_refused(project_copy: Path) -> None:
    message = _refusal(project_copy, f"config:\n  {NS}:aks: {'[' * 5000}{']' * 5000}\n")
    assert message == "Pulumi.uat.yaml: got values nested too deeply to read; allowed: a few levels of nesting"


# 4. A misspelt project prefix; a misspelt top-level key.


@pytest.mark.parametrize("prefix", ["sentimark-platfom", "Sentimark-Platform", "sentimark_platform"])
def test_a_misspelt_project_prefix_is_refused_with_the_key_it_meant(project_copy: Path, prefix: str) -> None:
    message = _refusal(project_copy, UAT.replace(f"{NS}:aks:", f"{prefix}:aks:"))
    assert message == (
        f"Pulumi.uat.yaml: {prefix}:aks: got the namespace '{prefix}', which is not this project's; allowed: {NS}:<key> "
        f"for this project's settings; did you mean {NS}:aks?"
    )


def test_provider_keys_and_bare_keys_are_accepted_by_the_loader(tmp_path: Path) -> None:
    values = _tiny(tmp_path, "config:\n  azure-native:location: westeurope\n  size: 3\n  tiny:on: 'yes'\n")
    assert values == {"azure-native:location": "westeurope", "tiny:size": "3", "tiny:on": "yes"}


def test_a_misspelt_top_level_key_is_refused_not_read_as_an_empty_stack(project_copy: Path) -> None:
    message = _refusal(project_copy, UAT.replace("config:", "confg:", 1))
    assert message == (
        "Pulumi.uat.yaml: confg: got an unknown top-level key (did you mean config?); allowed: config, environment, "
        "encryptedkey, encryptionsalt, secretsprovider (settings go under config:)"
    )


def test_invalid_yaml_says_where_without_quoting_the_line(project_copy: Path) -> None:
    message = _refusal(project_copy, f'config:\n  {NS}:postgres:\n    adminPassword: "hunter2-unterminated\n')
    assert message == (
        "Pulumi.uat.yaml: not valid YAML: found unexpected end of stream (while scanning a quoted scalar) at line 4, "
        "column 1"
    )
    assert "hunter2" not in message


# 5 and 6. Encrypted values under keys that are not secret; a password under a misspelt key. The program's
# settings loader (stackconfig) refuses these, from the stack file as `pulumi up` would read it.


def _settings_refusal(project: Path, stack_file: str) -> SettingsError:
    (project / "Pulumi.uat.yaml").write_text(stack_file, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        run_preview(project, "uat")
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]
    return caught.value


def test_an_encrypted_value_under_a_key_that_is_not_secret_is_refused_unseen(project_copy: Path) -> None:
    text = _replace_once(UAT, f"  {NS}:owner: platform-team@sentimark.example",
                         f"  {NS}:owner:\n    secure: v1:c2VjcmV0LW93bmVy:ZW5jcnlwdGVk")
    error = _settings_refusal(project_copy, text)
    assert [str(p) for p in error.problems] == [
        f"Pulumi.uat.yaml: {NS}:owner: got an encrypted value (not shown); allowed: a plain value: owner is not a "
        "secret setting, set it with `pulumi config set owner <value>`, without --secret (encrypted settings here: "
        "alertWebhookUrl)"
    ]
    assert "v1:c2Vj" not in str(error) and "offline-placeholder" not in str(error)


def test_a_password_under_a_misspelt_key_is_never_echoed(project_copy: Path) -> None:
    error = _settings_refusal(project_copy, UAT + f"  {NS}:postgresPasword: hunter2\n")
    (problem,) = error.problems
    assert str(problem).startswith(f"Pulumi.uat.yaml: {NS}:postgresPasword: got (not shown); allowed: no such key")
    assert "hunter2" not in str(error)


# Every refusal above is a user's mistake: the CLI prints it without a traceback and exits 2.


@pytest.mark.parametrize(("stack_file", "expected"), [
    (UAT.encode().replace(b"tier: Standard", b"tier: Stand\xe9rd", 1), "got the byte 0xe9, which is not UTF-8"),
    (f"config:\n  {NS}:regions: &r\n  - *r\n".encode(), "got the alias *r inside the value &r it refers to"),
    (UAT.replace(f"{NS}:aks:", "sentimark-platfom:aks:").encode(), f"did you mean {NS}:aks?"),
], ids=["not UTF-8", "self alias", "misspelt prefix"])
def test_the_cli_exits_2_without_a_traceback(project_copy: Path, stack_file: bytes, expected: str) -> None:
    (project_copy / "Pulumi.uat.yaml").write_bytes(stack_file)
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "preview", "--stack", "uat", "--project-dir", str(project_copy)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
