// Boot and sign-in: whether this browser is signed in, the sign-in screen, signing out, and
// noticing that the session ended elsewhere.
import { api, ApiError } from "./api.js";
import { ErrorCodes } from "./contract.js";
import { $, el } from "./render.js";
import { state } from "./state.js";

const SIGNED_IN_HINT = "vertx-chat.signed-in";

/** Starts the page: startChat(me) when signed in, else the sign-in screen. */
export async function boot(startChat) {
  if (localStorage.getItem(SIGNED_IN_HINT) !== null) {
    try {
      const me = await api.me();
      localStorage.setItem(SIGNED_IN_HINT, "1");
      startChat(me);
      return;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== ErrorCodes.NOT_SIGNED_IN) {
        showBootError(e);
        return;
      }
      localStorage.removeItem(SIGNED_IN_HINT);
    }
  }
  showSignIn();
}

function showBootError(e) {
  const boot = $("boot");
  boot.hidden = false;
  boot.textContent = "";
  boot.append(el("span", {}, `Cannot load the chat: ${e.message} `),
    el("button", { type: "button", onclick: () => window.location.reload() }, "Try again"));
}

async function showSignIn() {
  $("boot").hidden = true;
  $("chat").hidden = true;
  $("signin").hidden = false;
  document.title = "Sign in · vertx-chat";
  const list = $("providers");
  list.textContent = "";
  try {
    const providers = await api.providers();
    if (providers.length === 0) {
      $("signin-error").textContent =
        "No sign-in provider is configured on this server. Ask the operator to configure one.";
    }
    for (const provider of providers) {
      list.append(el("li", {},
        el("a", {
          class: "provider-button",
          href: `/auth/login/${encodeURIComponent(provider.id)}`,
          onclick: () => localStorage.setItem(SIGNED_IN_HINT, "pending"),
        }, `Sign in with ${provider.name}`)));
    }
    list.querySelector("a")?.focus();
  } catch (e) {
    $("signin-error").textContent = `Cannot list the sign-in options: ${e.message}`;
  }
}

export async function signOut() {
  $("sign-out").disabled = true;
  state.bus?.shutdown();
  try {
    await api.logout();
  } catch (e) {
    // Whatever the server says, this browser forgets the session.
  }
  localStorage.removeItem(SIGNED_IN_HINT);
  window.location.assign("/");
}

/** The session ended elsewhere (sign-out in another tab, expiry): back to the sign-in screen. */
export async function checkStillSignedIn() {
  try {
    await api.me();
  } catch (e) {
    if (e instanceof ApiError && e.status === ErrorCodes.NOT_SIGNED_IN) {
      localStorage.removeItem(SIGNED_IN_HINT);
      state.bus?.shutdown();
      state.bus = null;
      showSignIn();
    }
  }
}
