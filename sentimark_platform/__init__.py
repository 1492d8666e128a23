"""Sentimark platform: typed Pulumi components for an Azure application platform, and the tools around them.

Subpackages (one import namespace; nothing else of this distribution sits at the top of site-packages):

- `sentimark_platform.components`: the components (AKS, Key Vault, PostgreSQL, Redis, Event Hubs, monitoring, the
  mesh, canary routing, GitOps, ...) and their shared argument types.
- `sentimark_platform.offline`: the recording mock engine that previews a Pulumi program without a cloud.
- `sentimark_platform.costs`: the monthly cost estimate of a plan.
- `sentimark_platform.schemacheck`: a plan against the upstream ARM and Kubernetes schemas.
- `sentimark_platform.stackconfig`: the strict stack-file (settings) loader.
- `sentimark_platform.policy`: the security baseline's pure rules (the CrossGuard pack wraps them).
- `sentimark_platform.deploycheck`: what `pulumi up` needs beyond the plan.
- `sentimark_platform.cli`: the `sentimark` command line.

In the repository, the top-level folders (`components/`, `offline/`, ...) are these subpackages' sources: the
`sentimark_platform/<name>` entries are links to them, so each module exists once and every import, the stacks'
and the tests' too, goes through this namespace.

The installed version is `importlib.metadata.version("sentimark-platform")`; pyproject.toml is its one source.
"""
