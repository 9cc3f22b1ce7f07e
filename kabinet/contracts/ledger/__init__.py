"""The ledger: the one place every money figure of the portal comes from (docs/architecture.md, «Ledger»).

`rule` is the allocation rule, a pure function; `loading` reads a contract's rows for it; `copies` puts
its outcome on the rows; `card` is one contract's money; `debt` the overdue debt of the main page;
`payment_calendar` lines by due date; `statement` the Акт сверки; `books` the books' own figure against
ours, rolled forward to today (the contract's debt); `buyout` early buyout.

Where a figure is not computed by `allocate()` in Python, it is read from what `allocate()` wrote:
`services.ledger_recompute` copies each charge's paid amount, date and «paid in full» onto its row (and
the ledger's figure on the books' date onto `BooksDebt`) in the same transaction as every ledger write.
`contract_card`, the lists and the calendar read those copies; `computed_org_debt` sums them in SQL per
contract and VAT rate, the VAT of each charge's outstanding rounded by `money.vat_included_sql`, the mirror
of `money.vat_included`, and `summary` keeps its outcome per organization (`DebtRow`, `DebtTotal`) in the
same transaction, which `org_debt` (the main page) reads when it is of today. They equal `allocate()`
because they are its outcome summed: the property test (`tests/test_ledger_property.py`) compares card,
debt block and calendar with an independent model after every API call (and the kept summary with the
one computed from the whole ledger), and
`core/tests/test_money.py` the two VAT roundings.
"""

from kabinet.contracts.ledger.books import BooksCheck, BooksFigure, ResidualLine, books_check_of, books_figure
from kabinet.contracts.ledger.buyout import BuyoutQuote, buyout_quote
from kabinet.contracts.ledger.card import (
    BOOKS,
    ContractLedger,
    DebtItem,
    contract_card,
    contract_debt_items,
    contract_debt_lines,
    contract_ledger,
    payment_line,
    schedule_lines_after,
)
from kabinet.contracts.ledger.copies import apply_outcome
from kabinet.contracts.ledger.debt import (
    ContractDebt,
    DebtSummary,
    computed_org_debt,
    contracts_overdue,
    org_debt,
)
from kabinet.contracts.ledger.loading import Inputs, load, rule_inputs
from kabinet.contracts.ledger.payment_calendar import (
    CalendarPage,
    calendar_page,
    ics_uid,
    lines_due_on,
    lines_outstanding,
    lines_state,
    lines_to_remind,
    unpaid_lines,
    with_next_payment,
)
from kabinet.contracts.ledger.rule import (
    ADJUSTMENT,
    LINE,
    PAYMENT,
    PENALTY,
    ZERO,
    Allocated,
    Charge,
    Credit,
    DebtLine,
    allocate,
)
from kabinet.contracts.ledger.statement import Statement, StatementEntry, statement
from kabinet.contracts.ledger.summary import keep as keep_debt_summary
from kabinet.contracts.ledger.summary import rebuild as rebuild_debt_summary
from kabinet.contracts.ledger.summary import rebuild_all as rebuild_debt_summaries

__all__ = [
    "ADJUSTMENT",
    "BOOKS",
    "LINE",
    "PAYMENT",
    "PENALTY",
    "ZERO",
    "Allocated",
    "BooksCheck",
    "BooksFigure",
    "BuyoutQuote",
    "CalendarPage",
    "Charge",
    "ContractDebt",
    "ContractLedger",
    "Credit",
    "DebtItem",
    "DebtLine",
    "DebtSummary",
    "Inputs",
    "ResidualLine",
    "Statement",
    "StatementEntry",
    "allocate",
    "apply_outcome",
    "books_check_of",
    "books_figure",
    "buyout_quote",
    "calendar_page",
    "computed_org_debt",
    "contract_card",
    "contract_debt_items",
    "contract_debt_lines",
    "contract_ledger",
    "contracts_overdue",
    "ics_uid",
    "keep_debt_summary",
    "lines_due_on",
    "lines_outstanding",
    "lines_state",
    "lines_to_remind",
    "load",
    "org_debt",
    "payment_line",
    "rebuild_debt_summaries",
    "rebuild_debt_summary",
    "rule_inputs",
    "schedule_lines_after",
    "statement",
    "unpaid_lines",
    "with_next_payment",
]
