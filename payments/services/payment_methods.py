"""Saved cards: the learner's list, kept in step with Stripe, and checked before every use.

Our list (`SavedCard`) is what decides whose a card is: a card id that is another learner's is
refused (404) before any Stripe call (a purchase checks it in the read that opens it:
`open_purchase._course_for_sale`); other card ids, the learner's own or one just made by
Stripe.js, are for Stripe to judge. Stripe's facts (webhooks, answers) make the list match
Stripe: a card attached to one of our learners' Customers is listed, a card attached to nobody
(detached) is not, and the Customer's `invoice_settings.default_payment_method` is the default.
"""

from django.db import transaction

from accounts.models import User
from payments.errors import SavedCardNotFound
from payments.gateway import CardState, CustomerState, PaymentGateway, SetupState
from payments.models import CardSetup, SavedCard
from payments.selectors import learner_id_of_customer
from payments.services.customers import stripe_customer_get_or_create

SAVE_CARD_USAGE = "on_session"
"""Cards are saved for later purchases the learner makes in person (confirmed at once), so
Stripe need not prepare them for charges without the learner."""


def saved_card_setup_start(*, learner: User, gateway: PaymentGateway) -> SetupState:
    """Open a SetupIntent on the learner's Customer; the client confirms it with the card
    (Stripe.js), and its webhooks put the card in the list."""
    customer_id = stripe_customer_get_or_create(user=learner, gateway=gateway)
    setup = CardSetup.objects.create(learner=learner)
    state = gateway.setup_intent_create(
        customer_id=customer_id,
        metadata={
            "coursepay_learner_id": str(learner.pk),
            "coursepay_card_setup_id": str(setup.pk),
        },
        idempotency_key=f"coursepay-card-setup-{setup.pk}",
    )
    CardSetup.objects.filter(pk=setup.pk).update(stripe_setup_intent_id=state.id)
    return state


def saved_card_remove(*, learner: User, card_id: str, gateway: PaymentGateway) -> None:
    """Detach one of the learner's cards at Stripe, then forget it."""
    card = _own_card(learner, card_id)
    gateway.payment_method_detach(
        payment_method_id=card.stripe_id, idempotency_key=f"coursepay-card-{card.pk}-detach"
    )
    SavedCard.objects.filter(pk=card.pk).delete()


def saved_card_make_default(*, learner: User, card_id: str, gateway: PaymentGateway) -> SavedCard:
    """Make one of the learner's cards their Customer's default, at Stripe then here."""
    card = _own_card(learner, card_id)
    gateway.customer_default_payment_method_set(
        customer_id=card.stripe_customer_id, payment_method_id=card.stripe_id
    )
    _mark_default(learner_id=learner.pk, stripe_id=card.stripe_id)
    card.refresh_from_db()
    return card


def saved_card_record(*, card: CardState) -> SavedCard | None:
    """Make our list say what Stripe says of a card now (idempotent, safe in any order)."""
    owner = learner_id_of_customer(customer_id=card.customer_id)
    if owner is None:  # detached, or on a Customer that is not one of our learners'
        SavedCard.objects.filter(stripe_id=card.id).delete()
        return None
    saved, _ = SavedCard.objects.update_or_create(
        stripe_id=card.id,
        defaults={
            "learner_id": owner,
            "stripe_customer_id": card.customer_id,
            "brand": card.brand,
            "last4": card.last4,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
        },
    )
    return saved


def saved_card_record_setup(*, setup: SetupState, gateway: PaymentGateway) -> SavedCard | None:
    """A SetupIntent succeeded: its card is its Customer's. Stripe is asked for the card only
    when our list does not have it yet (its `payment_method.attached` usually comes first)."""
    listed = SavedCard.objects.filter(stripe_id=setup.payment_method_id).first()
    if listed is not None:
        return listed
    return saved_card_record(
        card=gateway.payment_method_state(payment_method_id=setup.payment_method_id)
    )


def saved_card_record_default(*, customer: CustomerState) -> None:
    """The Customer's default card, as Stripe has it now, is the one flagged in our list."""
    learner_id = learner_id_of_customer(customer_id=customer.id)
    if learner_id is not None:
        _mark_default(learner_id=learner_id, stripe_id=customer.default_payment_method_id)


def _own_card(learner: User, card_id: str) -> SavedCard:
    card = SavedCard.objects.filter(learner=learner, stripe_id=card_id).first()
    if card is None:
        raise SavedCardNotFound()
    return card


def _mark_default(*, learner_id: int, stripe_id: str) -> None:
    with transaction.atomic():
        SavedCard.objects.filter(learner_id=learner_id, is_default=True).exclude(
            stripe_id=stripe_id
        ).update(is_default=False)
        if stripe_id:
            SavedCard.objects.filter(learner_id=learner_id, stripe_id=stripe_id).update(
                is_default=True
            )
