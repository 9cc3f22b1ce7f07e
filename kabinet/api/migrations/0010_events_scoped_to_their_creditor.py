from django.db import migrations


def _creditor(contract, product):
    if contract is not None:
        return contract.product.creditor_id
    return product.creditor_id if product is not None else None


def events_name_their_creditor(apps, schema_editor):
    """Events written before they carried a creditor: a request's or a document's event is given the
    creditor of its contract (or product), so from now on only that creditor's tokens read it in the feed.
    Registrations and support messages stay the organization's own."""
    ApiEvent = apps.get_model("audit", "ApiEvent")
    Appeal = apps.get_model("appeals", "Appeal")
    Document = apps.get_model("documents", "Document")
    appeals = Appeal.objects.select_related("contract__product", "product")
    documents = Document.objects.select_related("contract__product", "product")
    events = ApiEvent.objects.filter(creditor__isnull=True, kind__startswith="appeal.") | ApiEvent.objects.filter(
        creditor__isnull=True, kind="document.uploaded"
    )
    for event in events.iterator(chunk_size=2000):
        payload = event.payload if isinstance(event.payload, dict) else {}
        if event.kind == "document.uploaded":
            found = documents.filter(pk=payload.get("document")).first() if payload.get("document") else None
        else:
            found = appeals.filter(number=payload.get("number")).first() if payload.get("number") else None
        creditor_id = _creditor(found.contract, found.product) if found is not None else None
        if creditor_id is not None:
            ApiEvent.objects.filter(pk=event.pk).update(creditor_id=creditor_id)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0009_idempotency_key_claimed_first"),
        ("audit", "0003_apievent_creditor"),
        ("appeals", "0003_backoffice"),
        ("documents", "0007_list_index_with_id"),
    ]

    operations = [migrations.RunPython(events_name_their_creditor, migrations.RunPython.noop)]
