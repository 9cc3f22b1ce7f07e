"""What the integration API's views share: the answers' documentation and the external id's checks."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotFound, ValidationError

from kabinet.api.scoping import ScopedAPIView
from kabinet.contracts.models import Contract

OK = OpenApiResponse(description="Done.")
ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reasons]}; nothing was written."),
    401: OpenApiResponse(description="No token, a wrong or revoked token."),
    403: OpenApiResponse(description="The token lacks the scope, or the address is not allowed."),
    404: OpenApiResponse(description="No object with this external id among the token's creditor's objects."),
    # The API answers JSON only: an Accept header that admits no JSON (schemathesis sends junk ones).
    406: OpenApiResponse(description="The Accept header does not admit application/json."),
    413: OpenApiResponse(description="The request body is too large."),
    415: OpenApiResponse(description="The Content-Type is not one the operation reads."),
}


def _external_id(value: str) -> str:
    if not 1 <= len(value) <= 64 or "\x00" in value:
        raise ValidationError({"external_id": "From 1 to 64 characters."})
    return value


def _contract(view: ScopedAPIView, external_id: str) -> Contract:
    contract = view.get_queryset(Contract).filter(external_id=_external_id(external_id)).first()
    if contract is None:
        raise NotFound(f"No contract with external id «{external_id}».")
    return contract
