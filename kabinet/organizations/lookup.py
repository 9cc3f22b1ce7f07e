"""Company lookup by INN or name: a provider chosen by `settings.COMPANY_LOOKUP`.

`DadataLookup` calls DaData's `findById/party` and `suggest/party`; `LocalRegistryLookup` reads the
`RegistryCompany` table that staff load from CSV. Both return `CompanyInfo` and refuse a company
that is not operating.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db.models import Q

from kabinet.organizations.models import RegistryCompany

_DIGITS = re.compile(r"\d+")


class LookupError_(Exception):
    """The registry could not be asked (down, slow, refused)."""


@dataclass(frozen=True)
class CompanyInfo:
    inn: str
    name: str
    full_name: str = ""
    kpp: str = ""
    ogrn: str = ""
    director: str = ""
    legal_address: str = ""
    okved_code: str = ""
    okved_name: str = ""
    active: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def normalize_name(value: str) -> str:
    return " ".join(value.lower().replace("ё", "е").replace("«", "").replace("»", "").replace('"', "").split())


class LocalRegistryLookup:
    def find_by_inn(self, inn: str) -> CompanyInfo | None:
        company = RegistryCompany.objects.filter(inn=inn).first()
        return self._info(company) if company else None

    def suggest(self, query: str, count: int = 7) -> list[CompanyInfo]:
        query = query.strip()
        digits = "".join(_DIGITS.findall(query))
        condition = Q(search_name__contains=normalize_name(query))
        if digits and len(digits) >= 3:
            condition |= Q(inn__startswith=digits)
        companies = RegistryCompany.objects.filter(condition, status=RegistryCompany.Status.ACTIVE).order_by("name")
        return [self._info(c) for c in companies[:count]]

    @staticmethod
    def _info(company: RegistryCompany) -> CompanyInfo:
        return CompanyInfo(
            inn=company.inn,
            name=company.name,
            full_name=company.full_name,
            kpp=company.kpp,
            ogrn=company.ogrn,
            director=company.director,
            legal_address=company.legal_address,
            okved_code=company.okved_code,
            okved_name=company.okved_name,
            active=company.status == RegistryCompany.Status.ACTIVE,
        )


class DadataLookup:
    """DaData Suggestions API: `POST {base}/findById/party` and `{base}/suggest/party`, JSON in and out,
    `Authorization: Token <key>`. The answer is `{"suggestions": [{"value": …, "data": {…}}]}`."""

    def __init__(self, token: str | None = None, base_url: str | None = None, timeout: int | None = None):
        self.token = token if token is not None else settings.DADATA_TOKEN
        self.base_url = (base_url or settings.DADATA_URL).rstrip("/")
        self.timeout = timeout or settings.DADATA_TIMEOUT

    def _post(self, method: str, payload: dict) -> list[dict]:
        request = urllib.request.Request(  # noqa: S310 (a setting: https in production)
            f"{self.base_url}/{method}",
            data=json.dumps(payload).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Token {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise LookupError_(f"DaData is unavailable: {exc.__class__.__name__}") from exc
        return answer.get("suggestions") or []

    def find_by_inn(self, inn: str) -> CompanyInfo | None:
        suggestions = self._post("findById/party", {"query": inn, "branch_type": "MAIN", "count": 1})
        main = [s for s in suggestions if (s.get("data") or {}).get("branch_type") in ("MAIN", None)]
        return self._info(main[0]) if main else None

    def suggest(self, query: str, count: int = 7) -> list[CompanyInfo]:
        suggestions = self._post("suggest/party", {"query": query, "count": count, "status": ["ACTIVE"]})
        infos = [self._info(s) for s in suggestions if (s.get("data") or {}).get("branch_type") in ("MAIN", None)]
        return [i for i in infos if i.active]

    @staticmethod
    def _info(suggestion: dict) -> CompanyInfo:
        data = suggestion.get("data") or {}
        name = data.get("name") or {}
        management = data.get("management") or {}
        fio = data.get("fio") or {}
        director = management.get("name") or " ".join(
            part for part in (fio.get("surname"), fio.get("name"), fio.get("patronymic")) if part
        )
        address = data.get("address") or {}
        return CompanyInfo(
            inn=data.get("inn") or "",
            name=name.get("short_with_opf") or suggestion.get("value") or "",
            full_name=name.get("full_with_opf") or "",
            kpp=data.get("kpp") or "",
            ogrn=data.get("ogrn") or "",
            director=director,
            legal_address=address.get("unrestricted_value") or address.get("value") or "",
            okved_code=data.get("okved") or "",
            active=((data.get("state") or {}).get("status") or "ACTIVE") == "ACTIVE",
        )


def get_lookup():
    if settings.COMPANY_LOOKUP == "dadata":
        return DadataLookup()
    if settings.COMPANY_LOOKUP == "local":
        return LocalRegistryLookup()
    raise ValueError(f"COMPANY_LOOKUP must be 'local' or 'dadata', got {settings.COMPANY_LOOKUP!r}")
