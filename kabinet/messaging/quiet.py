"""Quiet hours: SMS and messenger notices are not sent between QUIET_HOURS_START and QUIET_HOURS_END in the
organization's time zone (21:00–09:00 by default); one due in them waits until the window ends. Codes (sign-in,
signing) never pass through here: they are not notices."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def quiet_until(now: datetime | None = None, tz_name: str = "") -> datetime | None:
    """The end of the quiet window `now` falls in (an aware datetime), or None outside it.

    The window starts at QUIET_HOURS_START (inclusive) and ends at QUIET_HOURS_END (exclusive); a start later
    than the end spans midnight. Equal start and end mean no quiet hours."""
    start: time = settings.QUIET_HOURS_START
    end: time = settings.QUIET_HOURS_END
    if start == end:
        return None
    zone = _zone(tz_name)
    local = (now or timezone.now()).astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone)
