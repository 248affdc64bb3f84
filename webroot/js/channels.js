// Channels: the list in the sidebar, creating one, the sidebar itself on narrow screens, and the
// empty state when there is no channel yet.
import { api, ApiError } from "./api.js";
import { ErrorCodes } from "./contract.js";
import { plainError } from "./errors.js";
import { $, el } from "./render.js";
import { checkStillSignedIn } from "./signin.js";
import { state } from "./state.js";

export async function loadChannels() {
  try {
    state.channels = await api.channels();
    renderChannels();
  } catch (e) {
    if (e instanceof ApiError && e.status === ErrorCodes.NOT_SIGNED_IN) {
      checkStillSignedIn();
    }
  }
}

export function renderChannels() {
  const list = $("channel-list");
  list.textContent = "";
  for (const channel of state.channels) {
    const current = channel.name === state.view?.name;
    list.append(el("li", {},
      el("a", {
        href: `#/c/${channel.name}`,
        class: "channel-link",
        "aria-current": current ? "page" : null,
        onclick: () => setSidebar(false),
      }, el("span", { class: "hash", "aria-hidden": "true" }, "#"), channel.name)));
  }
}

/** The new-channel form; openChannel(name) opens the channel once it is created. */
export function wireNewChannel(openChannel) {
  $("new-channel").addEventListener("submit", (event) => createChannel(event, openChannel));
}

async function createChannel(event, openChannel) {
  event.preventDefault();
  const input = $("new-channel-name");
  const error = $("new-channel-error");
  const name = input.value.trim();
  error.textContent = "";
  input.removeAttribute("aria-invalid");
  if (!name) {
    error.textContent = "Type a name for the new channel.";
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    const channel = await api.createChannel(name);
    input.value = "";
    if (!state.channels.some((c) => c.name === channel.name)) {
      state.channels.push(channel);
      state.channels.sort((a, b) => a.name.localeCompare(b.name));
    }
    setSidebar(false);
    window.location.hash = `#/c/${channel.name}`;
    openChannel(channel.name);
  } catch (e) {
    error.textContent = e instanceof ApiError && e.status === ErrorCodes.CONFLICT
      ? `A channel named "${name}" already exists.`
      : plainError(e);
    input.setAttribute("aria-invalid", "true");
    input.focus();
  } finally {
    button.disabled = false;
  }
}

export function showEmptyState() {
  $("empty-state").hidden = false;
  $("messages").hidden = true;
  $("composer").hidden = true;
  $("channel-title").textContent = "vertx-chat";
}

export function wireSidebar() {
  const toggle = $("toggle-sidebar");
  const close = () => setSidebar(false);
  toggle.addEventListener("click", () => setSidebar(toggle.getAttribute("aria-expanded") !== "true"));
  $("scrim").addEventListener("click", close);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      close();
      toggle.focus();
    }
  });
}

function setSidebar(open) {
  $("toggle-sidebar").setAttribute("aria-expanded", String(open));
  $("toggle-sidebar").setAttribute("aria-label", open ? "Hide channels" : "Show channels");
  document.body.classList.toggle("sidebar-open", open);
  $("scrim").hidden = !open;
  if (open) {
    $("channel-list").querySelector("a")?.focus();
  }
}
