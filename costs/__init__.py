"""Offline monthly cost estimates of the platform's plans: pure functions, no Pulumi runtime, no network.

`estimate_plan(plan)` prices each resource of an offline plan (`{"resources": [...]}`) from the price table
shipped as data (`prices.json`: list prices with their source page and the date they were written down);
`compare_with_budget` turns an estimate and a budget into warnings; `cost_diff` renders the monthly delta
between two plans as Markdown for a pull request; `format_estimate` and `estimate_markdown` render one estimate.
"""

from sentimark_platform.costs._diff import cost_diff, estimate_markdown, format_estimate, money
from sentimark_platform.costs._estimate import (
    PRICED_TYPES,
    CostLine,
    Estimate,
    PriceTable,
    ResourceCost,
    Unpriced,
    compare_with_budget,
    estimate_plan,
    load_prices,
)

__all__ = [
    "PRICED_TYPES",
    "CostLine",
    "Estimate",
    "PriceTable",
    "ResourceCost",
    "Unpriced",
    "compare_with_budget",
    "cost_diff",
    "estimate_markdown",
    "estimate_plan",
    "format_estimate",
    "load_prices",
    "money",
]
