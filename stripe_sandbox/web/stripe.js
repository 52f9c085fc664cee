/* A stand-in for https://js.stripe.com/v3/ served by the Stripe sandbox.
 *
 * Exposes `Stripe(publishableKey)` with the calls Coursepay's pages make:
 * - createEmbeddedCheckoutPage / initEmbeddedCheckout({fetchClientSecret}) -> mount(selector):
 *   an inline checkout form that completes the session, then goes to its return_url;
 * - elements({clientSecret}).create("payment" | "card") -> mount(selector): a card field;
 * - confirmPayment / confirmSetup ({elements, confirmParams: {return_url}, redirect}) and
 *   confirmCardPayment / confirmCardSetup (clientSecret, {payment_method: {card: element}}).
 * A card asking for 3-D Secure shows the sandbox's challenge (Approve / Fail) in an overlay,
 * or, when redirecting, sends the browser to it. Everything goes through the sandbox's control
 * API; nothing leaves the sandbox's origin.
 */
(function () {
  "use strict";

  const SANDBOX = "__SANDBOX_ORIGIN__";
  const DEFAULT_CARD = "4242 4242 4242 4242";
  /* Currencies whose minor unit is not a hundredth (JPY: 0, KWD: 3), from the sandbox. */
  const CURRENCY_DECIMALS = "__CURRENCY_DECIMALS__";

  async function control(method, path, body) {
    const response = await fetch(SANDBOX + path, {
      method: method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { ok: response.ok, status: response.status, data: await response.json() };
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function target(selectorOrElement) {
    const found =
      typeof selectorOrElement === "string"
        ? document.querySelector(selectorOrElement)
        : selectorOrElement;
    if (!found) throw new IntegrationError("mount(): no element matches " + selectorOrElement);
    return found;
  }

  /* An amount in Stripe's minor units, in the currency's own format for the shopper's locale
   * (the session's, else the browser's): 4900 usd is "$49.00", 3000 jpy is "¥3,000". */
  function money(amount, currency, locale) {
    const code = String(currency || "").toLowerCase();
    const decimals = code in CURRENCY_DECIMALS ? CURRENCY_DECIMALS[code] : 2;
    const value = amount / 10 ** decimals;
    const options = {
      style: "currency",
      currency: code.toUpperCase(),
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    };
    for (const tag of [locale, navigator.language, "en-US"]) {
      if (!tag || tag === "auto") continue;
      try {
        return new Intl.NumberFormat(tag, options).format(value);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
    }
    return value.toFixed(decimals) + " " + code.toUpperCase();
  }

  function withQuery(url, params) {
    const parsed = new URL(url, window.location.href);
    Object.entries(params).forEach(([name, value]) => parsed.searchParams.set(name, value));
    return parsed.toString();
  }

  class IntegrationError extends Error {}

  /* The 3-D Secure challenge in an overlay; resolves with "approve" or "fail". */
  function challengeInOverlay(kind, id) {
    return new Promise((resolve) => {
      const overlay = element("div", {
        id: "stripe-sandbox-challenge",
        style:
          "position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;" +
          "align-items:center;justify-content:center;z-index:2147483647",
      });
      const frame = element("iframe", {
        src: `${SANDBOX}/_sandbox/${kind}/${id}/authenticate?frame=1`,
        title: "3-D Secure",
        style: "width:26rem;height:22rem;border:0;border-radius:8px;background:#fff",
      });
      function answered(event) {
        if (!event.data || event.data.stripeSandbox !== "challenge-done") return;
        window.removeEventListener("message", answered);
        overlay.remove();
        resolve(event.data.outcome);
      }
      window.addEventListener("message", answered);
      overlay.appendChild(frame);
      document.body.appendChild(overlay);
    });
  }

  function cardField(container) {
    const label = element("label", { for: "card-number" }, "Card number");
    const input = element("input", {
      id: "card-number",
      name: "card-number",
      inputmode: "numeric",
      autocomplete: "cc-number",
      value: DEFAULT_CARD,
      style: "display:block;width:100%;padding:.5rem;margin:.25rem 0 1rem;font-size:1rem",
    });
    container.append(label, input);
    return input;
  }

  /* The checkout form, hosted or embedded. `finished(url)` runs once the session is complete. */
  async function renderCheckout(container, sessionId, options) {
    const view = (await control("GET", `/_sandbox/checkout/sessions/${sessionId}`)).data;
    container.replaceChildren();
    if (view.error) {
      container.append(element("p", { role: "alert" }, view.error.message));
      return;
    }
    const session = view.session;
    if (session.status === "complete") return options.finished(view);
    if (session.status === "expired") {
      container.append(element("p", { id: "expired" }, "This checkout session has expired."));
      return;
    }
    container.append(element("h1", {}, "Checkout"));
    const list = element("ul", { id: "line-items" });
    view.line_items.forEach((item) =>
      list.append(
        element(
          "li",
          {},
          `${item.description} × ${item.quantity}: ` +
            money(item.amount_total, item.currency, session.locale),
        ),
      ),
    );
    container.append(list);
    if (session.amount_total !== null) {
      container.append(
        element(
          "p",
          { id: "total" },
          "Total: " + money(session.amount_total, session.currency, session.locale),
        ),
      );
    }
    const form = element("form", { id: "checkout-form" });
    const input = cardField(form);
    const error = element("p", { id: "error", role: "alert", style: "color:#df1b41" });
    const label = session.mode === "setup" ? "Save card" : "Pay";
    const pay = element("button", { id: "pay", type: "submit" }, label);
    form.append(error, pay);
    if (options.hosted && session.cancel_url) {
      const cancel = element("button", { id: "cancel", type: "button" }, "Cancel");
      cancel.addEventListener("click", () => window.location.assign(session.cancel_url));
      form.append(" ", cancel);
    }
    container.append(form);

    async function submit(body) {
      const answer = await control("POST", `/_sandbox/checkout/sessions/${sessionId}/complete`, body);
      if (!answer.ok) return answer.data.error.message;
      if (answer.data.status === "complete") {
        const done = (await control("GET", `/_sandbox/checkout/sessions/${sessionId}`)).data;
        options.finished(done);
        return null;
      }
      const pending = (await control("GET", `/_sandbox/checkout/sessions/${sessionId}`)).data;
      const intent = pending.payment_intent || pending.setup_intent;
      if (intent && intent.status === "requires_action") {
        const kind = intent.object === "setup_intent" ? "setup_intents" : "payment_intents";
        await challengeInOverlay(kind, intent.id);
        const after = (await control("GET", `/_sandbox/checkout/sessions/${sessionId}`)).data;
        const settled = after.payment_intent || after.setup_intent;
        if (settled && settled.status === "succeeded") return submit({ payment_method: settled.payment_method });
        const failure = settled && (settled.last_payment_error || settled.last_setup_error);
        return failure ? failure.message : "Authentication failed.";
      }
      return "The payment could not be completed.";
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      pay.disabled = true;
      error.textContent = "";
      const message = await submit({ card_number: input.value.replace(/\s/g, "") });
      if (message) {
        error.textContent = message;
        pay.disabled = false;
      }
    });
  }

  /* Page entry points of the sandbox's own pages. */
  const StripeSandbox = {
    hostedCheckout(sessionId) {
      renderCheckout(document.getElementById("checkout"), sessionId, {
        hosted: true,
        finished(view) {
          if (view.success_url) window.location.assign(view.success_url);
          else document.getElementById("checkout").textContent = "Thanks for your payment.";
        },
      });
    },

    challenge(options) {
      const main = document.getElementById("challenge");
      main.append(
        element("h1", {}, "3-D Secure test page"),
        element("p", {}, "Approve or fail this test authentication."),
      );
      const outcomes = [
        ["approve", "Approve"],
        ["fail", "Fail"],
      ];
      outcomes.forEach(([outcome, text]) => {
        const button = element("button", { id: outcome, type: "button" }, text);
        button.addEventListener("click", async () => {
          const path = `/_sandbox/${options.kind}/${options.id}/authenticate`;
          const answer = await control("POST", path, { outcome: outcome });
          if (options.in_frame) {
            window.parent.postMessage({ stripeSandbox: "challenge-done", outcome: outcome }, "*");
            return;
          }
          const intent = answer.data;
          const prefix = options.kind === "setup_intents" ? "setup_intent" : "payment_intent";
          const succeeded = intent.status === "succeeded" || intent.status === "requires_capture";
          if (options.return_url) {
            window.location.assign(
              withQuery(options.return_url, {
                [prefix]: intent.id,
                [prefix + "_client_secret"]: intent.client_secret,
                redirect_status: succeeded ? "succeeded" : "failed",
              }),
            );
          } else {
            main.append(element("p", { id: "outcome" }, succeeded ? "Authenticated." : "Failed."));
          }
        });
        main.append(button, " ");
      });
    },
  };

  function intentKind(clientSecret) {
    return clientSecret.startsWith("seti_") ? "setup_intents" : "payment_intents";
  }

  function intentId(clientSecret) {
    return String(clientSecret).split("_secret_")[0];
  }

  /* Confirm an intent with the card typed into `input`, running 3-D Secure in an overlay
   * (or by redirect when `redirectTo` is a return_url). Resolves as Stripe.js does. */
  async function confirmIntent(clientSecret, input, returnUrl, redirect) {
    const kind = intentKind(clientSecret);
    const key = kind === "setup_intents" ? "setupIntent" : "paymentIntent";
    const prefix = kind === "setup_intents" ? "setup_intent" : "payment_intent";
    const body = {
      client_secret: clientSecret,
      card_number: input ? input.value.replace(/\s/g, "") : DEFAULT_CARD.replace(/\s/g, ""),
    };
    if (returnUrl && redirect !== "if_required") body.return_url = returnUrl;
    const answer = await control("POST", `/_sandbox/${kind}/${intentId(clientSecret)}/confirm`, body);
    if (!answer.ok) return { error: answer.data.error };
    let intent = answer.data;
    if (intent.status === "requires_action") {
      if (intent.next_action.type === "redirect_to_url") {
        window.location.assign(intent.next_action.redirect_to_url.url);
        return new Promise(() => {});
      }
      await challengeInOverlay(kind, intent.id);
      intent = (await control("GET", `/_sandbox/${kind}/${intent.id}`)).data;
      const failure = intent.last_payment_error || intent.last_setup_error;
      if (failure) return { error: failure };
    }
    if (returnUrl && redirect !== "if_required") {
      window.location.assign(
        withQuery(returnUrl, {
          [prefix]: intent.id,
          [prefix + "_client_secret"]: clientSecret,
          redirect_status: "succeeded",
        }),
      );
      return new Promise(() => {});
    }
    return { [key]: intent };
  }

  function Stripe(publishableKey) {
    if (typeof publishableKey !== "string" || !publishableKey.startsWith("pk_")) {
      throw new IntegrationError("Invalid value for Stripe(): apiKey should be a publishable key.");
    }

    function embeddedCheckout(options) {
      let mounted = null;
      return Promise.resolve({
        async mount(selector) {
          mounted = target(selector);
          const secret = options.clientSecret || (await options.fetchClientSecret());
          await renderCheckout(mounted, intentId(secret), {
            hosted: false,
            finished(view) {
              if (view.session.redirect_on_completion === "never") {
                if (options.onComplete) options.onComplete();
              } else {
                window.location.assign(view.success_url);
              }
            },
          });
        },
        unmount() {
          if (mounted) mounted.replaceChildren();
        },
        destroy() {
          if (mounted) mounted.replaceChildren();
          mounted = null;
        },
      });
    }

    return {
      createEmbeddedCheckoutPage: embeddedCheckout,
      initEmbeddedCheckout: embeddedCheckout,

      elements(options) {
        const clientSecret = (options || {}).clientSecret;
        const created = {};
        return {
          _clientSecret: clientSecret,
          create(type) {
            const card = {
              _input: null,
              mount(selector) {
                card._input = cardField(target(selector));
              },
              unmount() {},
              destroy() {},
            };
            created[type] = card;
            return card;
          },
          getElement(type) {
            return created[type] || null;
          },
          _card() {
            return created.payment || created.card || null;
          },
        };
      },

      async confirmPayment(options) {
        const card = options.elements._card();
        const params = options.confirmParams || {};
        const secret = options.clientSecret || options.elements._clientSecret;
        return confirmIntent(secret, card && card._input, params.return_url, options.redirect);
      },

      async confirmSetup(options) {
        const card = options.elements._card();
        const params = options.confirmParams || {};
        const secret = options.clientSecret || options.elements._clientSecret;
        return confirmIntent(secret, card && card._input, params.return_url, options.redirect);
      },

      async confirmCardPayment(clientSecret, data) {
        const card = data && data.payment_method && data.payment_method.card;
        return confirmIntent(clientSecret, card && card._input, null, "if_required");
      },

      async confirmCardSetup(clientSecret, data) {
        const card = data && data.payment_method && data.payment_method.card;
        return confirmIntent(clientSecret, card && card._input, null, "if_required");
      },
    };
  }

  window.Stripe = Stripe;
  window.StripeSandbox = StripeSandbox;
})();
