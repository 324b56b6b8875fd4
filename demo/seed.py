"""Entry point for building demo data: the builder, with every stage's filler registered.

Each filler module registers, on import, a function that bulk-creates its stage's records for a
chunk of demo pathways (demo.builder.register_filler), in pathway order.
"""

from demo import consent_records, day, preprocedure  # noqa: F401  (registers each stage's filler)
from demo.builder import DEMO_USERS, DemoBuilder

__all__ = ["DEMO_USERS", "DemoBuilder"]
