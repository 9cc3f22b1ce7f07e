"""The payment QR code of ГОСТ Р 56042-2014: `ST00012|Name=…|PersonalAcc=…|…` in UTF-8.

Who is paid is a `Payee` (the creditor's requisites: `Creditor.payee()` is the one place that maps
them); invoices put the amount, purpose and contract on it, the «Справочники» page leaves the sum free."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import segno

# Field limits of the standard (characters).
LIMITS = {
    "Name": 160,
    "PersonalAcc": 20,
    "BankName": 45,
    "BIC": 9,
    "CorrespAcc": 20,
    "Sum": 18,
    "Purpose": 210,
    "PayeeINN": 12,
    "PayerINN": 12,
    "KPP": 9,
    "Contract": 50,
}
HEADER = "ST00012"  # format ST, version 0001, character set 2 = UTF-8
SEPARATOR = "|"


def shorten(value: str, limit: int) -> str:
    """Fit a value into its field: cut at a word boundary, never in the middle of a word."""
    value = " ".join(value.replace(SEPARATOR, " ").split())
    if len(value) <= limit:
        return value
    cut = value[: limit + 1]
    space = max(cut.rfind(" "), cut.rfind(","))
    shortened = cut[:space] if space > limit // 2 else value[:limit]
    return shortened.rstrip(" ,.;:-")


def payment_payload(
    *,
    name: str,
    account: str,
    bank_name: str,
    bic: str,
    correspondent_account: str,
    payee_inn: str,
    kpp: str,
    amount: Decimal | None,  # None: the payer types the sum
    purpose: str,
    payer_inn: str = "",
    contract: str = "",
) -> str:
    """The payload string. The five mandatory fields come first, in the standard's order."""
    fields = [
        ("Name", name),
        ("PersonalAcc", account),
        ("BankName", bank_name),
        ("BIC", bic),
        ("CorrespAcc", correspondent_account),
        ("PayeeINN", payee_inn),
        ("KPP", kpp),
        ("Sum", str(int((Decimal(amount) * 100).to_integral_value())) if amount is not None else ""),
        ("Purpose", purpose),
        ("PayerINN", payer_inn),
        ("Contract", contract),
    ]
    parts = [HEADER]
    for key, value in fields:
        if value:
            parts.append(f"{key}={shorten(str(value), LIMITS[key])}")
    return SEPARATOR.join(parts)


@dataclass(frozen=True)
class Payee:
    """The payee fields of the standard (the five mandatory ones and the payee's INN and KPP)."""

    name: str
    account: str
    bank_name: str
    bic: str
    correspondent_account: str
    inn: str
    kpp: str


def payee_payload(
    payee: Payee, *, amount: Decimal | None, purpose: str, payer_inn: str = "", contract: str = ""
) -> str:
    """The payload for a payment to `payee`; `amount=None` leaves the sum for the payer to type."""
    return payment_payload(
        name=payee.name,
        account=payee.account,
        bank_name=payee.bank_name,
        bic=payee.bic,
        correspondent_account=payee.correspondent_account,
        payee_inn=payee.inn,
        kpp=payee.kpp,
        amount=amount,
        purpose=purpose,
        payer_inn=payer_inn,
        contract=contract,
    )


def parse_payload(payload: str) -> dict[str, str]:
    header, *pairs = payload.split(SEPARATOR)
    if header != HEADER:
        raise ValueError(f"Not a ГОСТ Р 56042 UTF-8 payload: {header!r}")
    return dict(pair.split("=", 1) for pair in pairs)


def qr_svg_data_uri(payload: str, scale: int = 3) -> str:
    """The QR code as an `<img src>` data URI.

    A standalone SVG image needs the SVG namespace (segno's `svg_inline` leaves it out, being meant
    for embedding in HTML), otherwise browsers draw a broken image; `svg_data_uri` keeps it.
    """
    qr = segno.make(payload, encoding="utf-8", error="m", micro=False)
    return qr.svg_data_uri(scale=scale, border=2)


def qr_png_data_uri(payload: str) -> str:
    """The QR code as a PNG data URI for a PDF: one pixel per module, which the stylesheet scales to
    its printed size with `image-rendering: pixelated` (WeasyPrint writes /Interpolate false, so
    viewers and printers enlarge the modules as sharp squares, like a vector drawing).

    WeasyPrint draws an SVG QR code module by module through its SVG renderer: a third of an invoice's
    rendering time (~70 ms of ~220 ms); segno's pure-Python PNG writer at print resolution
    costs as much again. A 1-bit image of ~80 × 80 pixels costs neither.
    """
    qr = segno.make(payload, encoding="utf-8", error="m", micro=False)
    return qr.png_data_uri(scale=1, border=2)
