"""Methods: one plug-in class per file of methods/, subclassing `UpliftMethod` (docs/contract.md).

Shared code lives in methods/core/ (base class, registry, library adapters, Lightning modules).
"""

from methods.core.base import Capabilities, MethodNotApplicable, UpliftMethod, ValidationSet

__all__ = ["Capabilities", "MethodNotApplicable", "UpliftMethod", "ValidationSet"]
