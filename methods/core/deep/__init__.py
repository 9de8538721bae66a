"""Deep uplift models as Lightning modules (MTMT, deep baselines, DRM/CRM)."""
