/* The store's few behaviours, without a framework or a build step.
 *
 * - `[data-poll]`: the element is replaced by what its URL answers (a server-rendered fragment),
 *   every second, until the answer no longer asks to be polled. The ledger decides what shows.
 * - `#embedded-checkout`: mounts Stripe's embedded Checkout with the session's secret.
 * - `#payment-form` / `#setup-form`: the Payment Element, confirming a PaymentIntent (then
 *   Stripe sends the browser to the return page) or a SetupIntent (then back to the cards).
 */
(function () {
  "use strict";

  const POLL_MS = 1000;
  const POLL_TRIES = 120;

  function poll(element, tries) {
    const url = element.getAttribute("data-poll");
    if (!url) return;
    if (tries <= 0) {
      const note = document.createElement("p");
      note.textContent = "This is taking longer than usual. Reload the page in a minute.";
      element.appendChild(note);
      return;
    }
    window.setTimeout(async function () {
      let html;
      try {
        const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
        if (!response.ok) return poll(element, tries - 1);
        html = await response.text();
      } catch (error) {
        return poll(element, tries - 1);
      }
      const holder = document.createElement("div");
      holder.innerHTML = html.trim();
      const fresh = holder.firstElementChild;
      if (!fresh) return poll(element, tries - 1);
      if (fresh.outerHTML !== element.outerHTML) element.replaceWith(fresh);
      poll(fresh, tries - 1);
    }, POLL_MS);
  }

  function mountEmbeddedCheckout(container) {
    const stripe = window.Stripe(container.dataset.publishableKey);
    const secret = container.dataset.sessionSecret;
    stripe
      .initEmbeddedCheckout({ fetchClientSecret: async () => secret })
      .then((checkout) => checkout.mount(container));
  }

  function paymentElementForm(form, confirm) {
    const stripe = window.Stripe(form.dataset.publishableKey);
    const elements = stripe.elements({ clientSecret: form.dataset.intentSecret });
    const mount = form.querySelector(".stripe-mount");
    elements.create("payment").mount(mount);
    const button = form.querySelector("button[type=submit]");
    const error = form.querySelector(".error");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      button.disabled = true;
      error.textContent = "";
      const message = await confirm(stripe, elements);
      if (message) {
        error.textContent = message;
        button.disabled = false;
      }
    });
  }

  function start() {
    document.querySelectorAll("[data-poll]").forEach((element) => poll(element, POLL_TRIES));

    const embedded = document.getElementById("embedded-checkout");
    if (embedded) mountEmbeddedCheckout(embedded);

    const payment = document.getElementById("payment-form");
    if (payment) {
      paymentElementForm(payment, async function (stripe, elements) {
        const result = await stripe.confirmPayment({
          elements: elements,
          confirmParams: { return_url: payment.dataset.returnUrl },
        });
        return result.error ? result.error.message : null;
      });
    }

    const setup = document.getElementById("setup-form");
    if (setup) {
      paymentElementForm(setup, async function (stripe, elements) {
        const result = await stripe.confirmSetup({ elements: elements, redirect: "if_required" });
        if (result.error) return result.error.message;
        const card = result.setupIntent.payment_method;
        const id = typeof card === "string" ? card : card.id;
        window.location.assign(setup.dataset.cardsUrl + "?added=" + encodeURIComponent(id));
        return null;
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
