"""Signals of the event layer. The audit floor imports nothing above it: whoever pushes integration
events somewhere (the api app's webhooks) connects here in its AppConfig.ready()."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the transaction that wrote an integration event commits; kwargs: event_id (int).
event_recorded = Signal()
