"""The learner's pages: `/`, `/courses/...`, `/checkout/...`, `/account/...` (never the service
API's `/customers`, `/products` or `/payments/`)."""

from django.urls import path, re_path

from store import views

app_name = "store"

STRIPE_ID = r"[A-Za-z0-9_]{1,255}"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("courses/<slug:slug>/checkout/", views.course_checkout, name="course-checkout"),
    path("courses/<slug:slug>/pay/", views.course_pay, name="course-pay"),
    re_path(
        rf"^checkout/embedded/(?P<session_id>{STRIPE_ID})/$",
        views.checkout_embedded,
        name="checkout-embedded",
    ),
    path("checkout/pay/<uuid:payment_id>/", views.checkout_pay, name="checkout-pay"),
    path("checkout/return/", views.checkout_return, name="checkout-return"),
    # Where the settings' default CHECKOUT_SUCCESS_URL lands: the same page.
    path("checkout/success/", views.checkout_return, name="checkout-success"),
    path("checkout/status/", views.checkout_status, name="checkout-status"),
    path("checkout/canceled/", views.checkout_canceled, name="checkout-canceled"),
    path("account/signup/", views.signup, name="signup"),
    path("account/login/", views.login_view, name="login"),
    path("account/logout/", views.logout_view, name="logout"),
    path("account/courses/", views.my_courses, name="my-courses"),
    path("account/payments/", views.payment_history, name="payments"),
    path("account/cards/", views.cards, name="cards"),
    path("account/cards/list/", views.cards_list, name="cards-list"),
    path("account/cards/add/", views.card_add, name="card-add"),
    re_path(
        rf"^account/cards/(?P<card_id>{STRIPE_ID})/default/$",
        views.card_make_default,
        name="card-default",
    ),
    re_path(
        rf"^account/cards/(?P<card_id>{STRIPE_ID})/remove/$",
        views.card_remove,
        name="card-remove",
    ),
]
