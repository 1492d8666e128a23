"""Policy results as terminal lines and as Markdown."""

from __future__ import annotations

from sentimark_platform.policy import PolicyResult, format_lines, format_markdown, summarize

URN = "urn:pulumi:prod::p::sentimark:index:KeyVault$azure-native:keyvault:Vault::vault-kv"


def _results(failed: int = 2) -> list[PolicyResult]:
    fails = [PolicyResult("kv-rbac-authorization", "medium", "mandatory", URN, False, f"problem {i} | with a pipe")
             for i in range(failed)]
    return [*fails, PolicyResult("kv-recoverable", "high", "mandatory", URN, True),
            PolicyResult("diagnostic-settings", "medium", "mandatory", None, True)]


def test_lines_show_each_failure_and_a_summary() -> None:
    lines = format_lines(_results())
    assert lines[0] == ("FAIL [mandatory] kv-rbac-authorization (medium) azure-native:keyvault:Vault::vault-kv: "
                        "problem 0 | with a pipe")
    assert lines[-1] == "Policies: 3 policies, 4 checks: 2 passed, 2 failed (2 mandatory)"
    advisory = PolicyResult("kv-rbac-authorization", "medium", "advisory", None, False, "m")
    assert format_lines([advisory])[0].startswith("WARN [advisory] kv-rbac-authorization (medium) (stack): m")


def test_markdown_has_a_table_of_failures_and_folds_the_passes() -> None:
    text = format_markdown(_results())
    assert ":no_entry: blocking violations: 3 policies, 4 checks: 2 passed, 2 failed (2 mandatory)." in text
    assert "| ⛔ mandatory | `kv-rbac-authorization` | medium | `azure-native:keyvault:Vault::vault-kv` | problem 0 \\| with a pipe |" in text
    assert "<details><summary>2 policies with passing checks</summary>" in text and text.count("</details>") == 1
    assert summarize(_results(0)).blocking == 0 and ":white_check_mark: compliant" in format_markdown(_results(0))


def test_markdown_stays_within_its_budget_and_counts_what_it_left_out() -> None:
    text = format_markdown(_results(2000), max_chars=10_000)
    assert len(text) <= 10_000
    rows = text.count("| ⛔ mandatory |")
    assert 0 < rows < 2000 and f"… and {2000 - rows} more failed checks not shown" in text
