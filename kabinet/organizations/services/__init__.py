"""Writes of the organizations app, one module per entity: `employees` (memberships and invitations,
§8.2) and `registry` (the local company registry). See docs/architecture.md for the write path."""
