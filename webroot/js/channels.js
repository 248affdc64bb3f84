// Channels: the list in the sidebar, creating one, the sidebar itself on narrow screens, and the
// empty state when there is no channel yet.
import { api, ApiError } from "./api.js";
import { ErrorCodes, Kinds } from "./contract.js";
import { plainError } from "./errors.js";
import { $, el } from "./render.js";
import { checkStillSignedIn } from "./signin.js";
import { state } from "./state.js";

export async function loadChannels() {
  try {
    const [channels, unread] = await Promise.all([api.channels(), api.unread()]);
    state.channels = channels;
    state.counts = new Map(Object.entries(unread.channels).map(([name, c]) => [name, { mentions: 0, ...c }]));
    renderChannels();
  } catch (e) {
    if (e instanceof ApiError && e.status === ErrorCodes.NOT_SIGNED_IN) {
      checkStillSignedIn();
    }
  }
}

/** Channels and private channels in one list, direct conversations in another; each with its counts. */
export function renderChannels() {
  const list = $("channel-list");
  const direct = $("direct-list");
  list.textContent = "";
  direct.textContent = "";
  for (const channel of state.channels) {
    const current = channel.name === state.view?.name;
    const item = el("li", {},
      el("a", {
        href: `#/c/${channel.name}`,
        class: "channel-link",
        "aria-current": current ? "page" : null,
        "data-channel": channel.name,
        onclick: () => setSidebar(false),
      }, channelMark(channel), el("span", { class: "channel-name" }, channelLabel(channel)), badges(channel.name)));
    (channel.kind === Kinds.DIRECT ? direct : list).append(item);
  }
  $("direct-empty").hidden = direct.childElementCount > 0;
}

function channelMark(channel) {
  if (channel.kind === Kinds.DIRECT) {
    return el("span", { class: "hash", "aria-hidden": "true" }, "@");
  }
  return channel.kind === Kinds.PRIVATE
    ? el("span", { class: "hash lock", title: "Private channel", "aria-label": "private" }, "🔒")
    : el("span", { class: "hash", "aria-hidden": "true" }, "#");
}

/** How a channel is called on screen: its name, or the other people of a direct conversation. */
export function channelLabel(channel) {
  if (channel?.kind !== Kinds.DIRECT) {
    return channel?.name ?? "";
  }
  const others = (channel.members ?? []).filter((u) => u.id !== state.me.id).map((u) => u.name);
  return others.length ? others.join(", ") : "just you";
}

/** "#name", or "@Ann, Bob" for a direct conversation. */
export function titleOf(name) {
  const channel = channelNamed(name);
  return channel?.kind === Kinds.DIRECT ? `@${channelLabel(channel)}` : `#${name}`;
}

/** The channel as listed, or undefined. */
export function channelNamed(name) {
  return state.channels.find((c) => c.name === name);
}

function badges(name) {
  const counts = state.counts.get(name);
  if (!counts || name === state.view?.name) {
    return null;
  }
  const shown = (n) => (n >= 100 ? "99+" : String(n));
  return el("span", { class: "badges" },
    counts.mentions > 0 ? el("span", { class: "badge mention", title: `${counts.mentions} mention${counts.mentions === 1 ? "" : "s"} of you` },
      `@${shown(counts.mentions)}`) : null,
    counts.unread > 0 ? el("span", { class: "badge unread", title: `${counts.unread} unread` }, shown(counts.unread)) : null);
}

/** A channel that appeared (created, joined, a conversation opened elsewhere): listed in order. */
export function addChannel(channel) {
  if (!state.channels.some((c) => c.name === channel.name)) {
    state.channels.push(channel);
    state.channels.sort((a, b) => a.name.localeCompare(b.name));
  }
  renderChannels();
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
    const isPrivate = $("new-channel-private").checked;
    const channel = await api.createChannel(name, isPrivate);
    input.value = "";
    $("new-channel-private").checked = false;
    addChannel(channel);
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
