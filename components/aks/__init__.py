"""AksCluster: the component (component.py), its arguments (args.py), the ARM shapes it sends (_profiles.py) and its
argument rules (_rules.py)."""

from sentimark_platform.components.aks.args import (
    DEFAULT_POD_CIDR,
    DEFAULT_SERVICE_CIDR,
    AksClusterArgs,
    AksKmsArgs,
    AksMaintenanceWindowArgs,
    AksSystemPoolArgs,
    AksUserPoolArgs,
)
from sentimark_platform.components.aks.component import AksCluster

__all__ = ["DEFAULT_POD_CIDR", "DEFAULT_SERVICE_CIDR", "AksCluster", "AksClusterArgs", "AksKmsArgs",
           "AksMaintenanceWindowArgs", "AksSystemPoolArgs", "AksUserPoolArgs"]
