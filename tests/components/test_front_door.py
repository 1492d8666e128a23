"""FrontDoor: HTTPS-only routing to health-probed regional ingress gateways, with failover priorities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform import schemacheck
from sentimark_platform.components import InvalidArgumentError
from sentimark_platform.offline import Plan
from tests.programs import preview_program

ORIGINS = {
    "weu": {"host_name": "smk-prod-weu.westeurope.cloudapp.azure.com", "primary": True},
    "neu": {"host_name": "smk-prod-neu.northeurope.cloudapp.azure.com"},
}
BASE: dict[str, Any] = {"resource_group_name": "rg-x", "origins": ORIGINS, "profile_name": "afd-smk-prod"}


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import json\nfrom sentimark_platform.components.front_door import FrontDoor\n"
        f"fd = FrontDoor('edge', json.loads({json.dumps(json.dumps(args))}))\n"
        "import pulumi\npulumi.export('host', fd.endpoint_host_name)\npulumi.export('frontDoorId', fd.front_door_id)\n")


def test_active_passive_gives_the_primary_priority_and_probes_https(tmp_path: Path) -> None:
    plan = _preview(tmp_path, BASE)
    origins = {o.inputs["originName"]: o.inputs for o in plan.of_type("azure-native:cdn:AFDOrigin")}
    assert origins["weu"]["priority"] == 1 and origins["neu"]["priority"] == 2
    assert all(o["enforceCertificateNameCheck"] is True for o in origins.values())
    (group,) = plan.of_type("azure-native:cdn:AFDOriginGroup")
    assert group.inputs["healthProbeSettings"]["probeProtocol"] == "Https"
    (route,) = plan.of_type("azure-native:cdn:Route")
    assert route.inputs["httpsRedirect"] == "Enabled" and route.inputs["forwardingProtocol"] == "HttpsOnly"
    origin_urns = {o.urn for o in plan.of_type("azure-native:cdn:AFDOrigin")}
    assert origin_urns <= set(route.dependencies)
    assert plan.outputs["host"].endswith(".z01.azurefd.net")
    assert len(plan.outputs["frontDoorId"]) == 36
    assert schemacheck.validate_plan(plan.to_json()).problems == []


def test_a_custom_domain_gets_a_managed_certificate_and_the_route(tmp_path: Path) -> None:
    plan = preview_program(tmp_path, "import json, pulumi\nfrom sentimark_platform.components.front_door import FrontDoor\n"
        f"fd = FrontDoor('edge', json.loads({json.dumps(json.dumps({**BASE, 'custom_domain': 'api.sentimark.example'}))}))\n"
        "pulumi.export('token', fd.custom_domain_validation_token)\n")
    (domain,) = plan.of_type("azure-native:cdn:AFDCustomDomain")
    assert domain.inputs["hostName"] == "api.sentimark.example"
    assert domain.inputs["tlsSettings"] == {"certificateType": "ManagedCertificate", "minimumTlsVersion": "TLS12"}
    (route,) = plan.of_type("azure-native:cdn:Route")
    assert len(route.inputs["customDomains"]) == 1 and route.inputs["linkToDefaultDomain"] == "Enabled"
    assert route.inputs["customDomains"][0]["id"].endswith("/profiles/afd-smk-prod/customDomains/api-sentimark-example")
    assert domain.urn in route.dependencies
    assert len(plan.outputs["token"]) == 32  # the TXT record _dnsauth.api.sentimark.example
    assert schemacheck.validate_plan(plan.to_json()).problems == []


def test_active_active_spreads_traffic(tmp_path: Path) -> None:
    plan = _preview(tmp_path, {**BASE, "mode": "active-active"})
    assert {o.inputs["priority"] for o in plan.of_type("azure-native:cdn:AFDOrigin")} == {1}


def test_origin_host_header_is_what_the_origin_certificate_covers(tmp_path: Path) -> None:
    origins = {k: {**o, "origin_host_header": "api.sentimark.example"} for k, o in ORIGINS.items()}
    plan = _preview(tmp_path, {**BASE, "origins": origins})
    for origin in plan.of_type("azure-native:cdn:AFDOrigin"):
        assert origin.inputs["originHostHeader"] == "api.sentimark.example"
        assert origin.inputs["hostName"].endswith(".cloudapp.azure.com")
    without = _preview(tmp_path / "default", BASE)
    assert {o.inputs["originHostHeader"] for o in without.of_type("azure-native:cdn:AFDOrigin")} == {
        o["host_name"] for o in ORIGINS.values()}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({**BASE, "origins": {"weu": {"host_name": "a.example.com"}, "neu": {"host_name": "b.example.com"}}},
         "FrontDoor: argument 'origins' got []; mark exactly one origin primary=True in active-passive mode "
         "(or use mode='active-active')"),
        ({**BASE, "origins": {"weu": {"host_name": "not a host", "primary": True}}},
         "FrontDoor: argument \"origins['weu'].host_name\" got 'not a host'; give a public DNS host name such as "
         "smk-prod-weu.westeurope.cloudapp.azure.com"),
        ({**BASE, "origins": {"weu": {"host_name": "a.example.com", "origin_host_header": "https://api", "primary": True}}},
         "FrontDoor: argument \"origins['weu'].origin_host_header\" got 'https://api'; give the public DNS name the "
         "origin's certificate is for, such as api.example.com"),
    ],
    ids=["no-primary", "bad-host", "bad-origin-host-header"],
)
def test_bad_input_is_refused_before_anything_is_registered(tmp_path: Path, args: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        _preview(tmp_path, args)
    assert str(caught.value) == message
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]
