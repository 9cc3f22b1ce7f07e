"""Support appeals are numbered like requests: `2611-00012` becomes `TP-0000012` (one scheme, see kabinet.core.numbering)."""

import re

from django.db import migrations

OLD = re.compile(r"^\d{4}-(\d+)$")


def renumber(apps, schema_editor):
    SupportThread = apps.get_model("support", "SupportThread")
    for thread in SupportThread.objects.only("id", "number").iterator():
        match = OLD.match(thread.number)
        if match:
            thread.number = f"TP-{int(match.group(1)):07d}"
            thread.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [("support", "0002_read_marks")]
    operations = [migrations.RunPython(renumber, migrations.RunPython.noop)]
