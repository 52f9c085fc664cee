"""Products that are not courses: what the seed contracts sell (a service's products, the
embedded checkout's one-time product, the mobile app's monthly price).

The row is written first and the Stripe calls' idempotency keys name it, so a retry of a product
creation that failed half way finishes it with the very same Product and Price. The caller's
`externalProductId` is unique (another product under it is refused; the same one again is
answered as a retry) and stored in the Product's metadata.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from payments.errors import ProductExists
from payments.gateway import PaymentGateway
from payments.models import CatalogProduct

EXTERNAL_ID_METADATA_KEY = "externalProductId"


@dataclass(frozen=True)
class ProductSpec:
    external_id: str
    name: str
    amount: int
    currency: str
    description: str = ""
    interval: str = ""
    """"" for one-time, else "month" or "year"."""


def catalog_product_create(*, spec: ProductSpec, gateway: PaymentGateway) -> CatalogProduct:
    """Create a product and its price at Stripe; `ProductExists` when the external id is taken
    by a different product. The same product again is a retry (its answer lost, or Stripe failed
    half way): it gets the very same Product and Price, made now if they are still missing."""
    fields = {
        "name": spec.name,
        "description": spec.description,
        "amount": spec.amount,
        "currency": spec.currency,
        "interval": spec.interval,
    }
    try:
        with transaction.atomic():
            product = CatalogProduct.objects.create(external_id=spec.external_id, **fields)
    except IntegrityError as exc:
        same = CatalogProduct.objects.filter(external_id=spec.external_id, **fields).first()
        if same is None:
            raise ProductExists(spec.external_id) from exc
        product = same
    return catalog_product_sync(product=product, gateway=gateway)


def catalog_product_get_or_create(*, spec: ProductSpec, gateway: PaymentGateway) -> CatalogProduct:
    """The product of this external id, created (as `spec` says) on first use; one that an
    earlier attempt left half made is finished. Concurrent first uses share one row."""
    product, _ = CatalogProduct.objects.get_or_create(
        external_id=spec.external_id,
        defaults={
            "name": spec.name,
            "description": spec.description,
            "amount": spec.amount,
            "currency": spec.currency,
            "interval": spec.interval,
        },
    )
    return catalog_product_sync(product=product, gateway=gateway)


def catalog_product_sync(*, product: CatalogProduct, gateway: PaymentGateway) -> CatalogProduct:
    """Make at Stripe what the row still lacks (Product, then Price); each id kept at once."""
    metadata = {EXTERNAL_ID_METADATA_KEY: product.external_id}
    if not product.stripe_product_id:
        product.stripe_product_id = gateway.product_create(
            name=product.name,
            description=product.description,
            metadata=metadata,
            idempotency_key=f"coursepay-product-{product.pk}",
        )
        CatalogProduct.objects.filter(pk=product.pk).update(
            stripe_product_id=product.stripe_product_id
        )
    if not product.stripe_price_id:
        product.stripe_price_id = gateway.price_create(
            product_id=product.stripe_product_id,
            unit_amount=product.amount,
            currency=product.currency,
            metadata=metadata,
            interval=product.interval,
            idempotency_key=f"coursepay-product-{product.pk}-price",
        )
        CatalogProduct.objects.filter(pk=product.pk).update(stripe_price_id=product.stripe_price_id)
    return product
