"""Pure domain: models, rules and ports. No I/O, no framework imports; time comes in as ``now``."""
