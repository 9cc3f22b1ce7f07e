"""Who the scanners of `make security` act as, made in the throw-away database of the scan.

    .venv/bin/python security/identities.py sessions   # {"client": {...}, "staff": {...}} on stdout
    .venv/bin/python security/identities.py token      # {"key": ..., "creditor": ...} on stdout

`sessions` signs in two people the way a browser does — the sign-in form, then the second factor: the
code sent by SMS (the console SMS backend; nothing leaves the machine), read from the challenge the
portal stored — through Django's own request handling, and prints the cookies wapiti uses:

- `client`: the demo company administrator (+7 900 000-00-01), for the client side;
- `staff`: a back-office employee with every «view» right and nothing else, made here with a random
  password, for the back office (/admin/), with the back-office lists it may view (wapiti's start
  URLs). Staff always confirm a second factor.

`token` issues an API token of the demo creditor (read and write, not the payment requisites), the
one schemathesis uses; the key is printed once, as the portal shows it once.

Refuses to run unless KABINET_VAR_DIR is one of the scans' own folders (security/portal.py makes
them): it adds a user and a token.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCAN_DIRS = {ROOT / "var" / "security-scan", ROOT / "var" / "api-fuzz"}
CLIENT_PHONE = "+79000000001"
CLIENT_PASSWORD = "kabinet-demo"  # noqa: S105 (the demo data's published password)
VIEWER_PHONE = "+79000000099"
VIEWER_NAME = "Наблюдатель Сканер"


def _setup() -> None:
    if Path(os.environ.get("KABINET_VAR_DIR", "")).resolve() not in {d.resolve() for d in SCAN_DIRS}:
        raise SystemExit("identities.py works on a scan's throw-away database only (KABINET_VAR_DIR under var/)")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _viewer(password: str):
    from django.contrib.auth.models import Permission

    from kabinet.accounts.models import User

    user = User.objects.filter(phone=VIEWER_PHONE).first()
    if user is None:
        user = User.objects.create_user(VIEWER_PHONE, password, full_name=VIEWER_NAME, email="viewer@scan.example")
    user.is_staff, user.is_superuser, user.is_active = True, False, True
    user.set_password(password)
    user.save()
    user.groups.clear()
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def _sign_in(user, password: str, landing: str) -> dict:
    """The sign-in form, then (when asked) the code by SMS; returns the browser's cookies and where it landed."""
    from django.test import Client
    from django.urls import reverse

    from kabinet.accounts.models import PhoneChallenge
    from kabinet.accounts.services import challenge_code

    browser = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT="Kabinet security scan")
    response = browser.post(reverse("accounts:login"), {"username": str(user.phone), "password": password})
    second_factor = response.status_code == 302 and response["Location"] == reverse("accounts:second_factor")
    if second_factor:
        browser.post(reverse("accounts:second_factor"), {"action": "send"})
        challenge = PhoneChallenge.objects.filter(user=user, purpose=PhoneChallenge.Purpose.SIGN_IN).latest("pk")
        response = browser.post(
            reverse("accounts:second_factor"), {"action": "code", "code": challenge_code(challenge)}
        )
    if response.status_code != 302 or response["Location"] != landing:
        raise SystemExit(f"signing {user.phone} in failed: {response.status_code} {response.get('Location', '')}")
    # The session is the user's and opens the landing page (not a redirect to the sign-in form).
    check = browser.get(landing)
    if check.status_code != 200:
        raise SystemExit(f"{user.phone} signed in, but {landing} answers {check.status_code}")
    # Every cookie the browser holds (the session, the CSRF cookie the landing page's forms are bound to,
    # the known-device cookie), for wapiti's cookie jar.
    return {
        "phone": str(user.phone),
        "cookies": {name: morsel.value for name, morsel in browser.cookies.items()},
        "second_factor": second_factor,
        "landing": landing,
    }


def _admin_start_urls(user) -> list[str]:
    """Every back-office list the user may view and the first record of each: where wapiti starts, so a
    short crawl reaches every model instead of the first few lists' thousand records."""
    from django.contrib import admin
    from django.test import RequestFactory
    from django.urls import reverse

    request = RequestFactory().get("/admin/")
    request.user = user
    lists, records = [], []
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        if not model_admin.has_view_permission(request):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        lists.append(reverse("admin:{}_{}_changelist".format(*info)))
        first = model_admin.get_queryset(request).order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            records.append(reverse("admin:{}_{}_change".format(*info), args=[first]))
    return lists + records  # the lists first: a crawl cut short still reaches every model


def sessions() -> dict:
    from kabinet.accounts.models import User

    password = secrets.token_urlsafe(24)
    viewer = _viewer(password)
    client = User.objects.get(phone=CLIENT_PHONE)
    staff = _sign_in(viewer, password, "/admin/")
    if not staff["second_factor"]:
        raise SystemExit("staff signed in without a second factor")
    staff["start_urls"] = _admin_start_urls(viewer)
    return {"client": _sign_in(client, CLIENT_PASSWORD, "/dashboard/"), "staff": staff}


def token() -> dict:
    from kabinet.api.models import ApiToken
    from kabinet.creditors.models import Creditor

    creditor = Creditor.objects.order_by("pk").first()
    if creditor is None:
        raise SystemExit("no creditor in the database: run seed_demo first")
    _token, key = ApiToken.issue(name="schemathesis", creditor=creditor, can_read=True, can_write=True)
    return {"key": key, "creditor": creditor.short_name or creditor.name, "known": _known_ids(creditor)}


def _known_ids(creditor) -> dict[str, list[str]]:
    """Identifiers of the creditor's own records, a few of each kind: schemathesis mixes them into the
    paths and bodies it generates, so that requests reach past «not found» into the code that works
    on existing data (the upserts' updates, reversals, schedules, statuses)."""
    from kabinet.appeals.models import Appeal
    from kabinet.contracts.models import Contract, InsurancePolicy, LeasedItem, PaymentReceived
    from kabinet.creditors.models import Product

    def ids(queryset, field: str = "external_id", count: int = 8) -> list[str]:
        values = queryset.exclude(**{f"{field}__isnull": True}).order_by("pk").values_list(field, flat=True)
        return [str(value) for value in values[:count]]

    contracts = Contract.objects.filter(product__creditor=creditor)
    clients = {contract.organization.external_id for contract in contracts.select_related("organization")}
    return {
        "contracts": ids(contracts),
        "organizations": sorted(clients - {None}),
        "products": ids(Product.objects.filter(creditor=creditor)),
        "creditors": [creditor.external_id] if creditor.external_id else [],
        "payments": ids(PaymentReceived.objects.filter(contract__in=contracts)),
        "insurance_policies": ids(InsurancePolicy.objects.filter(contract__in=contracts)),
        "leased_items": ids(LeasedItem.objects.filter(contract__in=contracts)),
        "requests": ids(Appeal.objects.filter(contract__in=contracts), "number"),
    }


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what not in ("sessions", "token"):
        raise SystemExit(__doc__)
    _setup()
    print(json.dumps(sessions() if what == "sessions" else token(), ensure_ascii=False))
