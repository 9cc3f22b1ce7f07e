"""Staff edit the invoices' signature lines (names, optional facsimiles) and the product kind in /admin/."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kabinet.creditors.models import Creditor, Product


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (60, 20), (0, 0, 0, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def test_staff_set_the_signatures_of_invoices_on_the_creditor(client, staff, creditor):
    client.force_login(staff)
    url = f"/admin/creditors/creditor/{creditor.pk}/change/"
    page = client.get(url).content.decode()
    assert "Подписи в счетах и актах сверки" in page and 'name="director_facsimile"' in page
    data = {
        field: getattr(creditor, field)
        for field in (
            "name",
            "short_name",
            "inn",
            "kpp",
            "ogrn",
            "legal_address",
            "bank_name",
            "bic",
            "settlement_account",
            "correspondent_account",
            "phone",
            "email",
            "website",
            "shop_url",
            "accent_color",
            "memo",
        )
    }
    data.update(
        is_default="on",
        director_name="Балтийский А. В.",
        accountant_name="Счётова Е. П.",
        director_facsimile=SimpleUploadedFile("sign.png", png(), content_type="image/png"),
        **{
            f"{prefix}-{key}": value
            for prefix in ("products", "rules")
            for key, value in (
                ("TOTAL_FORMS", "0"),
                ("INITIAL_FORMS", "0"),
                ("MIN_NUM_FORMS", "0"),
                ("MAX_NUM_FORMS", "1000"),
            )
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    creditor.refresh_from_db()
    assert (creditor.director_name, creditor.accountant_name) == ("Балтийский А. В.", "Счётова Е. П.")
    assert creditor.director_facsimile.name.startswith("facsimiles/common/")


def test_a_product_is_leasing_unless_staff_mark_it_factoring(creditor):
    assert Product.objects.create(creditor=creditor, name="Автолизинг").kind == Product.Kind.LEASING
    assert Creditor._meta.get_field("director_name").blank
