"""Integration API v1: the creditor's accounting system feeds the portal and reads what clients did.

Every write is an upsert by external id (the same call twice changes nothing), runs in one
transaction, and has the same side effects as the staff's edits (notifications, history).

The views by concern: `records` (the books' master data), `ledger` (the money), `documents` (uploads,
closing documents, signatures), `feed` (what the lessor reads and answers); `common` what they share.
"""

from kabinet.api.views.common import ERRORS, OK
from kabinet.api.views.documents import (
    ClosingDocumentFile,
    ClosingDocumentPut,
    DocumentQualifiedSignatureFile,
    DocumentSignatures,
    DocumentUpload,
)
from kabinet.api.views.feed import AppealStatus, EventFeed, RegistrationStatus
from kabinet.api.views.ledger import (
    AdjustmentsPost,
    BuyoutPut,
    DebtPut,
    PaymentReversal,
    PaymentsReceived,
    PaymentUnreverse,
    PenaltiesPost,
    ScheduleReplace,
    SchedulesBulk,
)
from kabinet.api.views.records import (
    ContractUpsert,
    CreditorUpsert,
    InsurancePolicyUpsert,
    LeasedItemUpsert,
    OrganizationUpsert,
    ProductUpsert,
    Upsert,
)

__all__ = [
    "ERRORS",
    "OK",
    "AdjustmentsPost",
    "AppealStatus",
    "BuyoutPut",
    "ClosingDocumentFile",
    "ClosingDocumentPut",
    "ContractUpsert",
    "CreditorUpsert",
    "DebtPut",
    "DocumentQualifiedSignatureFile",
    "DocumentSignatures",
    "DocumentUpload",
    "EventFeed",
    "InsurancePolicyUpsert",
    "LeasedItemUpsert",
    "OrganizationUpsert",
    "PaymentReversal",
    "PaymentUnreverse",
    "PaymentsReceived",
    "PenaltiesPost",
    "ProductUpsert",
    "RegistrationStatus",
    "ScheduleReplace",
    "SchedulesBulk",
    "Upsert",
]
