"""What the lessor reads and answers: the clients' event feed, requests' and registrations' statuses."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kabinet.accounts.models import Registration
from kabinet.api import serializers as s
from kabinet.api.models import ApiEvent
from kabinet.api.scoping import ScopedAPIView
from kabinet.api.views.common import ERRORS, OK
from kabinet.appeals.models import Appeal
from kabinet.appeals.services import TransitionRefused, appeal_change_status
from kabinet.audit.models import AuditEvent
from kabinet.onboarding import services as onboarding_services


class EventFeed(ScopedAPIView):
    """GET /events/?after=<id>: what clients did, oldest first. Events become visible a few seconds after
    they are written, so a transaction still in flight cannot commit an id below the cursor unseen."""

    @extend_schema(
        description=(
            "The events the token may read, oldest first: one about a request or document on a contract "
            "(or product) only for that contract's creditor; a registration or support message for every "
            "creditor of the client; `document.signed` (one per signature; `status` is `signed` once every signer "
            "needed has signed) and `document.signature_refused` only for the creditor that put the document "
            "for signature. `document.signed` and `document.signature_refused` carry `document_kind`: `document`, or "
            "`reconciliation_act` (the client's акт сверки it signed and sent to that creditor; `document.id` is its "
            "PDF). `document.signed` carries `signature_kind`: `simple` (an SMS code) or `qualified` (a "
            "КЭП verified in the portal: `certificate` with `owner`, `organization`, `inn`, `inn_le`, `ogrn`, "
            "`snils`, `issuer`, `serial`, `valid_from`, `valid_to`; `digest_algorithm`, `message_digest`, "
            "`document_sha256`, `signed_at`, and `chain_checked: false` — the certificate's chain to an accredited "
            "root is not checked); a КЭП reaches the creditor of the document's contract or product. "
            "The same events are POSTed to the token's webhook as the same JSON "
            "object (`id`, `kind`, `created_at`, `organization`, `payload`) with the headers "
            '`Kabinet-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (keyed with the '
            "token's webhook secret; refuse a `t` more than 5 minutes off and an `id` seen before), "
            "`X-Kabinet-Event`, `X-Kabinet-Delivery`, `Idempotency-Key`, and until 2027-06-30 the legacy "
            "`X-Kabinet-Signature: sha256=<HMAC-SHA256 of the body>`."
        ),
        parameters=[OpenApiParameter("after", int), OpenApiParameter("limit", int)],
        responses={200: s.EventFeedSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        try:
            after = int(request.query_params.get("after", 0))
            limit = int(request.query_params.get("limit", 500))
        except ValueError as exc:
            raise ValidationError({"after": "A whole number."}) from exc
        if not 0 <= after < 2**62:
            raise ValidationError({"after": "A whole number from 0."})
        limit = max(1, min(limit, 1000))
        horizon = timezone.now() - timedelta(seconds=settings.API_EVENT_LAG_SECONDS)
        events = list(
            self.get_queryset(ApiEvent)
            .filter(pk__gt=after, created_at__lte=horizon)
            .select_related("organization")
            .order_by("id")[:limit]
        )
        return Response(
            {
                "events": s.EventSerializer(events, many=True).data,
                "next": events[-1].pk if events else after,
            }
        )


class AppealStatus(ScopedAPIView):
    """POST /requests/<number>/status/: the same transition rules and notifications as the back office."""

    model = Appeal

    @extend_schema(request=s.StatusSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request, number: str) -> Response:
        appeal = self.get_queryset(Appeal).filter(number=number).first() if len(number) <= 32 else None
        if appeal is None:
            raise NotFound(f"No request «{number}».")
        serializer = s.StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            appeal = appeal_change_status(
                appeal_id=appeal.pk,
                to_status=serializer.validated_data["status"],
                comment=serializer.validated_data.get("comment", ""),
                actor_kind=AuditEvent.ActorKind.API,
            )
        except (TransitionRefused, ValueError) as exc:
            raise ValidationError({"status": str(exc)}) from exc
        return Response({"number": appeal.number, "status": appeal.status})


class RegistrationStatus(ScopedAPIView):
    """POST /registrations/<id>/status/: approve, or reject with a reason, as staff do in the back office."""

    model = Registration

    @extend_schema(request=s.RegistrationStatusSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        if pk >= 2**62 or not self.get_queryset(Registration).filter(pk=pk).exists():
            raise NotFound(f"No registration {pk}.")
        serializer = s.RegistrationStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            if data["status"] == "approved":
                registration = onboarding_services.registration_approve(
                    registration_id=pk, staff=None, actor_kind=AuditEvent.ActorKind.API
                )
            else:
                registration = onboarding_services.registration_reject(
                    registration_id=pk, staff=None, reason=data.get("reason", ""), actor_kind=AuditEvent.ActorKind.API
                )
        except onboarding_services.ServiceError as exc:
            raise ValidationError({exc.field or "status": exc.message}) from exc
        return Response({"id": registration.pk, "status": registration.status})
