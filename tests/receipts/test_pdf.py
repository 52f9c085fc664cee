"""The receipt PDF: what it prints, how money is written, and that it loads nothing foreign."""

import hashlib
import http.server
import threading
from collections.abc import Iterator

import pytest

from receipts import pdf, services
from receipts.models import Receipt
from tests.factories import CourseFactory, PaymentFactory, UserFactory
from tests.receipts.support import pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db


def rendered(**payment_fields) -> tuple[Receipt, str]:
    payment = PaymentFactory.create(**payment_fields)
    receipt = services.receipt_issue(payment_id=payment.pk)
    receipt = services.receipt_render_pdf(receipt_id=receipt.pk)
    return receipt, pdf_text(stored(receipt))


def stored(receipt: Receipt) -> bytes:
    with receipt.pdf.storage.open(receipt.pdf.name, "rb") as file:
        return file.read()


def test_the_pdf_prints_seller_number_buyer_items_total_and_payment_details(settings) -> None:
    settings.RECEIPT_SELLER_NAME = "Coursepay Learning Ltd"
    settings.RECEIPT_SELLER_ADDRESS = ["2 Sample Road", "Leeds LS1 1AA"]
    learner = UserFactory.create(name="Ada Lovelace", email="ada@example.com")
    course = CourseFactory.create(title="Django for Payments", price_amount=4900, currency="usd")

    receipt, text = rendered(
        learner=learner,
        course=course,
        stripe_payment_intent_id="pi_3QabcdefGhijkl",
        stripe_charge_id="ch_3QabcdefGhijkl",
        card_brand="visa",
        card_last4="4242",
    )

    for expected in (
        "Coursepay Learning Ltd",
        "2 Sample Road, Leeds LS1 1AA",
        receipt.number,
        "Ada Lovelace",
        "ada@example.com",
        "Django for Payments",
        "49.00 USD",
        "Visa ending in 4242",
        "pi_3QabcdefGhijkl",
        "ch_3QabcdefGhijkl",
    ):
        assert expected in text, expected


def test_unknown_card_details_are_left_out_not_printed_blank() -> None:
    _, text = rendered(card_brand="", card_last4="", stripe_charge_id="")

    assert "Card" not in text
    assert "ending in" not in text
    assert "Stripe charge" not in text


@pytest.mark.parametrize(
    ("amount", "currency", "printed"),
    [
        (3000, "jpy", "3,000 JPY"),
        (123456, "usd", "1,234.56 USD"),
        (5000, "kwd", "5.000 KWD"),
        (1, "eur", "0.01 EUR"),
    ],
)
def test_amounts_are_written_with_the_currencys_decimals(amount, currency, printed) -> None:
    course = CourseFactory.create(price_amount=amount, currency=currency)

    _, text = rendered(course=course)

    assert printed in text


def test_fonts_are_embedded_and_the_text_is_extractable() -> None:
    receipt, text = rendered()
    content = stored(receipt)

    fonts = pdf_fonts(content)
    assert fonts
    assert all(font["embedded"] for font in fonts), fonts
    assert receipt.number in text


def test_the_stored_pdf_has_its_sha256_and_is_named_after_the_number() -> None:
    receipt, _ = rendered()

    assert receipt.pdf.name.endswith(f"/{receipt.number}.pdf")
    assert hashlib.sha256(stored(receipt)).hexdigest() == receipt.pdf_sha256


def test_rendering_twice_keeps_the_first_pdf() -> None:
    receipt, _ = rendered()

    again = services.receipt_render_pdf(receipt_id=receipt.pk)

    assert (again.pdf.name, again.pdf_sha256) == (receipt.pdf.name, receipt.pdf_sha256)


def test_text_outside_the_shipped_fonts_still_prints() -> None:
    learner = UserFactory.create(name="Фёдор Достоевский")
    course = CourseFactory.create(title="Ελληνικά για αρχάριους")  # noqa: RUF001

    _, text = rendered(learner=learner, course=course)

    assert "Фёдор Достоевский" in text
    assert "Ελληνικά για αρχάριους" in text  # noqa: RUF001


class CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        CountingHandler.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_course_title_with_html_and_urls_prints_as_text_and_fetches_nothing(web_server) -> None:
    title = (
        f'<img src="{web_server}/img.png"><link rel="stylesheet" href="{web_server}/x.css">'
        f'<b style="background:url({web_server}/bg.png)">Bold</b> {web_server}/plain'
    )[:200]
    course = CourseFactory.create(title=title)
    learner = UserFactory.create(name=f'<iframe src="{web_server}/frame"></iframe>')

    _, text = rendered(course=course, learner=learner)

    flattened = "".join(text.split())
    assert "".join(f'<img src="{web_server}/img.png">'.split()) in flattened
    assert "<iframe" in flattened
    assert CountingHandler.hits == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/anything",
        "https://example.com/font.ttf",
        "data:text/css;base64,Ym9keXt9",
        pdf.ASSET_BASE_URL + "../../../../etc/passwd",
        pdf.ASSET_BASE_URL + "fonts/../../pdf.py",
        pdf.ASSET_BASE_URL + "missing.css",
        pdf.ASSET_BASE_URL,
    ],
)
def test_the_url_fetcher_refuses_anything_but_our_assets(url: str) -> None:
    with pytest.raises(pdf.AssetRefused):
        pdf.asset_url_fetcher(url)


def test_the_url_fetcher_serves_our_fonts() -> None:
    fetched = pdf.asset_url_fetcher(pdf.ASSET_BASE_URL + "fonts/DejaVuSans-Latin.ttf")

    assert fetched["string"][:4] == b"\x00\x01\x00\x00"  # a TrueType font


def test_markup_given_to_the_renderer_cannot_load_local_files_or_the_network(web_server) -> None:
    html = (
        f'<img src="file:///etc/hostname"><img src="{web_server}/direct.png">'
        f'<link rel="stylesheet" href="{web_server}/direct.css"><p>fine</p>'
    )

    content = pdf.html_to_pdf(html)

    assert "fine" in pdf_text(content)
    assert CountingHandler.hits == []


@pytest.mark.parametrize(
    ("title", "printed"),
    [
        ("tab\tvertical\x0bform\x0cfeed", "tab vertical form feed"),
        ("W" * 200, "W" * 20),
        ("עברית and English", "עברית and English"),
    ],
)
def test_control_characters_long_words_and_right_to_left_titles_render(title, printed) -> None:
    course = CourseFactory.create(title=title)

    receipt, text = rendered(course=course)

    assert receipt.number in text
    assert printed in text
