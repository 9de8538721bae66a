"""Methods: one class per file, subclassing methods.base.UpliftMethod; see methods/registry.py."""
