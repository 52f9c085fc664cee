"""The learner's forms. Every field has a label; values are bounded before any service sees them."""

from django import forms
from django.core.validators import RegexValidator

from payments.models import PaymentStatus

STRIPE_ID = RegexValidator(r"^[A-Za-z0-9_]{1,255}$", "Not a valid id.")


class SignUpForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150, required=False)
    email = forms.EmailField(label="E-mail address", max_length=254)
    password = forms.CharField(
        label="Password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"


class LogInForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CheckoutForm(forms.Form):
    ui_mode = forms.ChoiceField(
        label="How to pay", choices=(("hosted", "Stripe's page"), ("embedded", "On this page"))
    )


class CardPaymentForm(forms.Form):
    """Pay with a saved card (its id), or, with none, with a new card in the Payment Element."""

    payment_method = forms.CharField(
        label="Card", required=False, max_length=255, validators=[STRIPE_ID]
    )
    save_card = forms.BooleanField(label="Save this card for next time", required=False)


class HistoryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=(("", "Any status"), *PaymentStatus.choices)
    )
    created_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
