"""examples/canary-pipeline (seed 002): canary routing with an Argo Rollouts analysis on the platform's
clusters, reached through a StackReference to the platform stack."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from sentimark_platform.offline import Plan, run_preview
from tests.conftest import plan_of as platform_plan_of
from tests.examples import ANALYSIS_PROMETHEUS, EXAMPLES, KUBECONFIG, PLATFORM_REFERENCE, plan_of, platform_outputs

EXAMPLE = "canary-pipeline"
PROVIDER = "pulumi:providers:kubernetes"
ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"


def _by_name(plan: Plan) -> dict:
    return {r.name: r for r in plan.resources}


@pytest.mark.parametrize(("stack", "regions"), [("dev", ("weu",)), ("prod", ("weu", "neu"))])
def test_one_provider_per_platform_region_with_the_kubeconfig_kept_secret(stack: str, regions: tuple[str, ...]) -> None:
    plan = plan_of(EXAMPLE, stack)
    providers = {r.name: r.inputs for r in plan.of_type(PROVIDER)}
    assert set(providers) == {f"k8s-{code}" for code in regions}
    for code in regions:
        inputs = providers[f"k8s-{code}"]
        # Handed over in plain text by the (hand-made) platform outputs, yet secret in the plan.
        assert inputs["kubeconfig"] == "[secret]"
        assert inputs["clusterIdentifier"] == f"aks-smk-{stack}-{code}"
        assert KUBECONFIG.format(code=code) not in plan.dumps()


@pytest.mark.parametrize(("stack", "regions"), [("dev", ("weu",)), ("prod", ("weu", "neu"))])
def test_each_region_gets_the_namespace_routes_rollout_and_analysis_without_installing_a_mesh(
        stack: str, regions: tuple[str, ...]) -> None:
    plan = plan_of(EXAMPLE, stack)
    assert plan.of_type("kubernetes:helm.sh/v3:Release") == []  # Istio and Argo Rollouts are the platform's
    resources = _by_name(plan)
    for code in regions:
        assert resources[f"app-{code}-ns"].inputs["metadata"]["name"] == "app"
        vs = resources[f"canary-{code}-vs"].inputs["spec"]
        assert vs["hosts"] == ["app.app.svc.cluster.local"] and vs["gateways"] == ["mesh"]
        primary = next(route for route in vs["http"] if route["name"] == "primary")
        assert [(d["destination"]["subset"], d["weight"]) for d in primary["route"]] == [("stable", 100), ("canary", 0)]
        header = next(route for route in vs["http"] if route["name"] == "canary-header")
        assert header["match"] == [{"headers": {"x-canary": {"exact": "always"}}}]
        template, latency = resources[f"canary-{code}-at"].inputs["spec"]["metrics"]
        # The platform's analysis Prometheus, read from its canaryAnalysis output (not a setting of this project).
        assert template["provider"]["prometheus"]["address"] == ANALYSIS_PROMETHEUS
        assert (template["successCondition"], template["failureCondition"]) == ("result[0] > 0.9992", "result[0] <= 0.99905")
        assert template["interval"] == "30s"
        assert latency["failureCondition"] == "result[0] > 500"
        # The namespace admits both of the platform's scrapers: managed Prometheus' agents and the analysis server.
        scrape = resources[f"app-{code}-np-allow-prometheus-scrape"].inputs["spec"]["ingress"][0]["from"]
        assert [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for peer in scrape] == [
            "kube-system", "monitoring"]
        rollout = resources[f"canary-{code}-rollout"]
        waits_for = {urn.rsplit("::", 1)[-1] for urn in rollout.dependencies}
        assert waits_for == {f"canary-{code}-vs", f"canary-{code}-dr", f"canary-{code}-at"}


def test_dev_promotes_automatically_through_the_seeds_steps() -> None:
    rollout = _by_name(plan_of(EXAMPLE, "dev"))["canary-weu-rollout"].inputs["spec"]
    steps = rollout["strategy"]["canary"]["steps"]
    assert [s["setWeight"] for s in steps if "setWeight" in s] == [10, 25, 50, 75, 100]
    assert all(s["pause"] == {"duration": "2m"} for s in steps if "pause" in s)
    assert rollout["replicas"] == 1 and rollout["workloadRef"]["name"] == "app"


def test_prod_waits_for_a_person_at_the_first_step_in_both_regions() -> None:
    resources = _by_name(plan_of(EXAMPLE, "prod"))
    for code in ("weu", "neu"):
        spec = resources[f"canary-{code}-rollout"].inputs["spec"]
        steps = spec["strategy"]["canary"]["steps"]
        assert steps[:2] == [{"setWeight": 10}, {"pause": {}}]
        assert steps[3] == {"pause": {"duration": "10m"}} and spec["replicas"] == 3
        assert resources[f"app-{code}-peer-auth"].inputs["spec"] == {"mtls": {"mode": "STRICT"}}


def test_a_region_the_platform_does_not_have_is_refused_with_its_regions() -> None:
    outputs = platform_outputs("prod", ("weu",))
    with pytest.raises(pulumi.RunError, match=r"has no '(kubeconfigs|clusters|canaryAnalysis)' entry for region 'neu' \(it has: weu\)"):
        run_preview(EXAMPLES / EXAMPLE, "prod", stack_outputs=outputs)


def test_a_platform_without_the_kubeconfigs_output_is_refused_clearly() -> None:
    outputs = {PLATFORM_REFERENCE.format(stack="dev"): {"clusters": {"weu": "aks-smk-dev-weu"}}}
    with pytest.raises(pulumi.RunError, match=r"exports no 'kubeconfigs', 'canaryAnalysis'"):
        run_preview(EXAMPLES / EXAMPLE, "dev", stack_outputs=outputs)


def test_previews_against_the_real_platform_dev_plan() -> None:
    outputs = {PLATFORM_REFERENCE.format(stack="dev"): platform_plan_of("dev").outputs}
    plan = run_preview(EXAMPLES / EXAMPLE, "dev", stack_outputs=outputs)
    (provider,) = plan.of_type(PROVIDER)
    assert provider.inputs["kubeconfig"] == "[secret]"
    assert provider.inputs["clusterIdentifier"] == platform_plan_of("dev").outputs["clusters"]["weu"]


def test_the_readme_preview_commands_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """examples/canary-pipeline/README.md, "Previewing offline": both commands, with the platform's real plan."""
    import re

    from sentimark_platform.cli import main
    from tests.conftest import ROOT

    readme = (ROOT / "examples" / EXAMPLE / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Previewing offline", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [c.replace("\\\n", " ") for c in re.split(r"\n(?=\.venv)", block.strip())]
    assert len(commands) == 2 and "--stack-outputs" in commands[1], commands
    monkeypatch.chdir(tmp_path)  # out/platform-dev.json lands in the temporary directory
    for link in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py", "examples"):
        (tmp_path / link).symlink_to(ROOT / link)
    for command in commands:
        argv = command.split()[3:]  # drop `.venv/bin/python -m stacks`
        assert main(argv) == 0, command
    assert "resources (" in capsys.readouterr().out


def test_a_namespace_that_would_keep_the_platforms_scrapers_out_is_refused() -> None:
    outputs = platform_outputs("dev", ("weu",))
    entry = outputs[PLATFORM_REFERENCE.format(stack="dev")]["canaryAnalysis"]["weu"]
    entry["scrapeNamespaces"] = ["kube-system", "monitoring", "observability"]
    with pytest.raises(pulumi.RunError, match=r"analysis.scrapeNamespaces is \['kube-system', 'monitoring'\], but the "
                                              r"platform's Prometheus servers in region 'weu' scrape from"):
        run_preview(EXAMPLES / EXAMPLE, "dev", stack_outputs=outputs)
