from __future__ import annotations

from kabinet.core.files import serve_private_file
from kabinet.core.models import get_object_for_org
from kabinet.core.views import org_required
from kabinet.documents.models import Document


@org_required
def download(request, pk: int):
    """«скачать»: only for members of the owning organization; media has no public URL."""
    document = get_object_for_org(Document, request.org, pk=pk)
    return serve_private_file(document.file, document.original_name, document.content_type)
