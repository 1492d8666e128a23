"""Azure Front Door: HTTPS end to end (the Microsoft cloud security benchmark Front Door baseline)."""

from __future__ import annotations

from ._base import Resource, Rule, lookup, shown

ROUTE = "azure-native:cdn:Route"
ORIGIN = "azure-native:cdn:AFDOrigin"


def https_only(resource: Resource) -> list[str]:
    if resource.type == ORIGIN:
        if lookup(resource.inputs, "enforceCertificateNameCheck") is False:
            return ["enforceCertificateNameCheck is false; Front Door must verify the origin's certificate"]
        return []
    messages = []
    forwarding = lookup(resource.inputs, "forwardingProtocol")
    if forwarding != "HttpsOnly":
        messages.append(f"forwardingProtocol is {shown(forwarding)}; forward to origins over HTTPS only (HttpsOnly)")
    protocols = lookup(resource.inputs, "supportedProtocols") or ["Http", "Https"]
    if "Http" in protocols and lookup(resource.inputs, "httpsRedirect") != "Enabled":
        messages.append(f"httpsRedirect is {shown(lookup(resource.inputs, 'httpsRedirect'))} while HTTP is accepted; "
                        "redirect HTTP to HTTPS (httpsRedirect Enabled)")
    return messages


RULES = (
    Rule("afd-https-only", "Front Door redirects clients to HTTPS and reaches verified origins over HTTPS only.", "high",
         ("MCSB Front Door DP-3",), https_only, frozenset({ROUTE, ORIGIN})),
)
