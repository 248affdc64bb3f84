// The chat single-page app: sign-in screen, channels, the channel view and the composer.
import { api, ApiError } from "./api.js";
import { EventBus, BusError, randomId } from "./eventbus.js";
import { Addresses, BridgeCodes, CHANNEL_NAME_REGEX, ErrorCodes, MAX_TEXT, channelAddress } from "./contract.js";
import { el, linkify, timeElement, dayLabel, sameDay, avatar, profileLink, codePoints } from "./render.js";

const PAGE = 50;
const CATCH_UP_PAGE = 100;
const GROUP_GAP_MS = 5 * 60_000;
// Events published by different nodes can reach us a few milliseconds out of id order, so on a
// reconnect we resume from the newest id that had been with us for this long, and dedupe by id.
const RESUME_MARGIN_MS = 1_000;
const SECOND_CATCH_UP_MS = 1_500;
const TYPING_SEND_EVERY_MS = 2_500;
const TYPING_SHOW_MS = 4_000;
const NEAR_BOTTOM_PX = 80;
const SIGNED_IN_HINT = "vertx-chat.signed-in";
const CHANNEL_HASH = new RegExp(`^#/c/(${CHANNEL_NAME_REGEX})$`);

const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  bus: null,
  channels: [],
  everConnected: false,
  disconnectedAt: null,
  view: null, // the open channel, see newView()
};

function newView(name) {
  return {
    name,
    token: Symbol(name),
    unsubscribe: null,
    loaded: false,
    entries: new Map(), // id -> {message, li, receivedAt}
    ids: [], // ascending
    deleted: new Set(),
    reachedStart: false,
    loadingOlder: false,
    unread: 0,
    firstUnreadId: null,
    typing: new Map(), // user id -> {user, timer}
    lastTypingSent: 0,
    outbox: new Map(), // clientId -> {text, li}
  };
}

// ---------------------------------------------------------------- boot and sign-in

async function boot() {
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

async function signOut() {
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
async function checkStillSignedIn() {
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

// ---------------------------------------------------------------- chat shell

async function startChat(me) {
  state.me = me;
  $("boot").hidden = true;
  $("signin").hidden = true;
  $("chat").hidden = false;
  $("me-avatar").append(avatar(me, "small"));
  $("me-name").append(profileLink(me, "me-link", me.name));
  $("sign-out").addEventListener("click", signOut);
  wireSidebar();
  wireComposer();
  wireMessages();
  $("new-channel").addEventListener("submit", createChannel);

  state.bus = new EventBus("/eventbus", {
    onState: showConnection,
    onOpen: connected,
    onClose: (event) => {
      state.disconnectedAt = Date.now();
      if (event.code === BridgeCodes.SIGNED_OUT) {
        checkStillSignedIn();
      }
    },
    onAccessDenied: () => checkStillSignedIn(),
  });

  await loadChannels();
  const wanted = channelFromHash() ?? me.lastChannel;
  const first = state.channels.find((c) => c.name === wanted)
    ?? state.channels.find((c) => c.name === "general")
    ?? state.channels[0];
  state.bus.open();
  if (first) {
    openChannel(first.name);
  } else {
    showEmptyState();
  }
  window.addEventListener("hashchange", () => {
    const name = channelFromHash();
    if (name && name !== state.view?.name) {
      openChannel(name);
    }
  });
  window.addEventListener("focus", () => loadChannels());
}

function channelFromHash() {
  const match = window.location.hash.match(CHANNEL_HASH);
  return match ? match[1] : null;
}

function connected() {
  const first = !state.everConnected;
  state.everConnected = true;
  const view = state.view;
  if (!view) {
    return;
  }
  if (!view.loaded) {
    loadLatest(view);
  } else {
    const after = resumePoint(view);
    catchUp(view, after);
    setTimeout(() => catchUp(view, after), SECOND_CATCH_UP_MS);
    resendOutbox(view);
  }
  if (!first) {
    loadChannels();
  }
}

function showConnection(connection, detail) {
  const status = $("status");
  status.dataset.state = connection;
  document.body.classList.toggle("disconnected", connection !== "connected");
  const words = {
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: "Reconnecting…",
    offline: "Offline",
  };
  status.textContent = words[connection];
  status.title = detail.retryInMs ? `Next attempt in ${Math.ceil(detail.retryInMs / 1000)} s` : "";
}

function wireSidebar() {
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

// ---------------------------------------------------------------- channels

async function loadChannels() {
  try {
    state.channels = await api.channels();
    renderChannels();
  } catch (e) {
    if (e instanceof ApiError && e.status === ErrorCodes.NOT_SIGNED_IN) {
      checkStillSignedIn();
    }
  }
}

function renderChannels() {
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

async function createChannel(event) {
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

function showEmptyState() {
  $("empty-state").hidden = false;
  $("messages").hidden = true;
  $("composer").hidden = true;
  $("channel-title").textContent = "vertx-chat";
}

// ---------------------------------------------------------------- the channel view

function openChannel(name) {
  if (state.view?.name === name) {
    return;
  }
  if (state.view) {
    state.view.unsubscribe?.();
    state.view.typing.forEach((t) => clearTimeout(t.timer));
  }
  const view = newView(name);
  state.view = view;
  if (window.location.hash !== `#/c/${name}`) {
    history.replaceState(null, "", `#/c/${name}`);
  }
  $("empty-state").hidden = true;
  $("messages").hidden = false;
  $("composer").hidden = false;
  $("channel-title").textContent = `#${name}`;
  document.title = `#${name} · vertx-chat`;
  $("message-list").textContent = "";
  $("history-status").textContent = "Loading messages…";
  $("presence").textContent = "";
  $("presence-count").textContent = "";
  $("typing").textContent = "";
  $("new-messages").hidden = true;
  $("composer-error").textContent = "";
  $("composer-text").setAttribute("placeholder", `Message #${name}`);
  $("composer-text").labels[0].textContent = `Message #${name}`;
  if (state.channels.some((c) => c.name === name)) {
    renderChannels();
  } else {
    loadChannels(); // someone else created it since we listed them
  }
  view.unsubscribe = state.bus.subscribe(channelAddress(name), (event) => onChannelEvent(view, event));
  if (state.bus.connected) {
    loadLatest(view);
  }
}

async function loadLatest(view) {
  try {
    const page = await state.bus.request(Addresses.HISTORY, { channel: view.name, limit: PAGE });
    if (view !== state.view) {
      return;
    }
    const now = Date.now();
    page.messages.forEach((m) => insertMessage(view, m, now));
    view.loaded = true;
    view.reachedStart = page.messages.length < PAGE;
    updateHistoryStatus(view);
    scrollToBottom();
    fillViewport(view);
    // A publish right after our registration may not have reached us yet: look again shortly.
    const after = view.ids.length ? view.ids[view.ids.length - 1] : 0;
    setTimeout(() => catchUp(view, after), SECOND_CATCH_UP_MS);
  } catch (e) {
    if (view === state.view) {
      $("history-status").textContent = e.code === ErrorCodes.NOT_FOUND ? "This channel does not exist." : `Cannot load messages: ${plainError(e)}`;
    }
  }
}

async function loadOlder(view) {
  if (view.loadingOlder || view.reachedStart || !view.loaded || view.ids.length === 0 || !state.bus.connected) {
    return;
  }
  view.loadingOlder = true;
  $("history-status").textContent = "Loading older messages…";
  const box = $("messages");
  try {
    const page = await state.bus.request(Addresses.HISTORY, { channel: view.name, before: view.ids[0], limit: PAGE });
    if (view !== state.view) {
      return;
    }
    const height = box.scrollHeight;
    const top = box.scrollTop;
    const now = Date.now();
    page.messages.forEach((m) => insertMessage(view, m, now));
    box.scrollTop = top + (box.scrollHeight - height);
    view.reachedStart = page.messages.length < PAGE;
  } catch (e) {
    // The next scroll tries again.
  } finally {
    view.loadingOlder = false;
    if (view === state.view) {
      updateHistoryStatus(view);
      fillViewport(view);
    }
  }
}

/** Loads older pages while the messages do not fill the box (nothing to scroll yet). */
function fillViewport(view) {
  const box = $("messages");
  if (!view.reachedStart && box.scrollHeight <= box.clientHeight + 1) {
    loadOlder(view);
  }
}

function updateHistoryStatus(view) {
  $("history-status").textContent = view.reachedStart
    ? (view.ids.length ? `This is the start of #${view.name}.` : `No messages in #${view.name} yet. Say hello!`)
    : "";
  $("history-status").classList.toggle("at-start", view.reachedStart);
}

/** The id to resume after: the newest one received at least RESUME_MARGIN_MS before the drop. */
function resumePoint(view) {
  const cutoff = (state.disconnectedAt ?? Date.now()) - RESUME_MARGIN_MS;
  let settled = 0;
  let oldestRecent = null;
  for (const [id, entry] of view.entries) {
    if (entry.receivedAt <= cutoff) {
      settled = Math.max(settled, id);
    } else {
      oldestRecent = oldestRecent === null ? id : Math.min(oldestRecent, id);
    }
  }
  if (settled > 0) {
    return oldestRecent === null ? settled : Math.min(settled, oldestRecent - 1);
  }
  return oldestRecent === null ? 0 : oldestRecent - 1;
}

async function catchUp(view, after) {
  let from = after;
  for (let round = 0; round < 20 && view === state.view; round++) {
    let page;
    try {
      page = await state.bus.request(Addresses.HISTORY, { channel: view.name, after: from, limit: CATCH_UP_PAGE });
    } catch (e) {
      return; // the next reconnect catches up again
    }
    if (view !== state.view) {
      return;
    }
    const stick = nearBottom();
    const now = Date.now();
    for (const message of page.messages) {
      if (insertMessage(view, message, now)) {
        noteNew(view, message, stick);
      }
    }
    if (stick) {
      scrollToBottom();
    }
    if (page.messages.length < CATCH_UP_PAGE) {
      return;
    }
    from = page.messages[page.messages.length - 1].id;
  }
}

function onChannelEvent(view, event) {
  if (view !== state.view) {
    return;
  }
  switch (event.type) {
    case "message": {
      const stick = nearBottom();
      if (insertMessage(view, event.message, Date.now())) {
        noteNew(view, event.message, stick);
        stopTyping(view, event.message.author.id);
        if (stick) {
          scrollToBottom();
        }
      }
      break;
    }
    case "edit":
      updateMessage(view, event.message);
      break;
    case "delete":
      removeMessage(view, event.id);
      break;
    case "presence":
      renderPresence(event.users);
      break;
    case "typing":
      if (event.user.id !== state.me.id) {
        showTyping(view, event.user);
      }
      break;
    default:
      break;
  }
}

/** After a new message arrived: unread marker when scrolled up, and a screen-reader announcement. */
function noteNew(view, message, stuckToBottom) {
  const mine = message.author.id === state.me.id;
  if (!mine) {
    announce(`${message.author.name}: ${message.text}`);
  }
  if (!mine && !stuckToBottom) {
    view.unread += 1;
    if (view.firstUnreadId === null) {
      view.firstUnreadId = message.id;
      view.entries.get(message.id)?.li.classList.add("first-unread");
    }
    const button = $("new-messages");
    button.textContent = `${view.unread} new message${view.unread === 1 ? "" : "s"} ↓`;
    button.hidden = false;
  }
}

function clearUnread(view) {
  view.unread = 0;
  $("new-messages").hidden = true;
}

function clearUnreadMarker(view) {
  if (view.firstUnreadId !== null) {
    view.entries.get(view.firstUnreadId)?.li.classList.remove("first-unread");
    view.firstUnreadId = null;
  }
}

function announce(text) {
  const announcer = $("announcer");
  announcer.append(el("p", {}, text));
  while (announcer.childElementCount > 5) {
    announcer.firstElementChild.remove();
  }
}

// ---------------------------------------------------------------- messages

/** Inserts a message at its place by id; false when it was already shown (then it is refreshed). */
function insertMessage(view, message, receivedAt) {
  if (view.deleted.has(message.id)) {
    return false;
  }
  const existing = view.entries.get(message.id);
  if (existing) {
    if ((message.editedAt ?? "") > (existing.message.editedAt ?? "")) {
      updateMessage(view, message);
    }
    return false;
  }
  const li = messageElement(message);
  const entry = { message, li, receivedAt };
  view.entries.set(message.id, entry);
  const at = insertionIndex(view.ids, message.id);
  view.ids.splice(at, 0, message.id);
  const list = $("message-list");
  const next = at + 1 < view.ids.length ? view.entries.get(view.ids[at + 1]).li : null;
  const pending = list.querySelector(".pending");
  list.insertBefore(li, next ?? pending);
  regroup(view, at);
  if (at + 1 < view.ids.length) {
    regroup(view, at + 1);
  }
  if (view.ids.length === 1 && view.loaded) {
    updateHistoryStatus(view);
  }
  return true;
}

function insertionIndex(ids, id) {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/** Messages by one author within a few minutes group under one header; a new day gets a divider. */
function regroup(view, index) {
  const entry = view.entries.get(view.ids[index]);
  const previous = index > 0 ? view.entries.get(view.ids[index - 1]).message : null;
  const date = new Date(entry.message.createdAt);
  const newDay = !previous || !sameDay(new Date(previous.createdAt), date);
  const grouped = !newDay && previous.author.id === entry.message.author.id
    && date - new Date(previous.createdAt) < GROUP_GAP_MS;
  entry.li.classList.toggle("grouped", grouped);
  const divider = entry.li.querySelector(".day-divider");
  if (newDay && !divider) {
    entry.li.prepend(el("div", { class: "day-divider", role: "separator" }, el("span", {}, dayLabel(entry.message.createdAt))));
  } else if (!newDay && divider) {
    divider.remove();
  }
}

function messageElement(message) {
  const mine = message.author.id === state.me.id;
  const li = el("li", { class: `message${mine ? " own" : ""}`, "data-id": String(message.id), "data-author": String(message.author.id) });
  const body = el("div", { class: "message-body" },
    el("div", { class: "message-head" },
      profileLink(message.author, "author", message.author.name),
      " ",
      timeElement(message.createdAt),
      el("span", { class: "edited", hidden: !message.editedAt, title: message.editedAt ? new Date(message.editedAt).toLocaleString() : null }, "(edited)")),
    el("div", { class: "message-text" }, linkify(message.text)));
  li.append(el("div", { class: "gutter" },
    profileLink(message.author, "avatar-link", avatar(message.author)),
    el("span", { class: "gutter-time", "aria-hidden": "true" }, timeElement(message.createdAt))));
  li.append(body);
  if (mine) {
    body.append(el("div", { class: "message-actions" },
      el("button", { type: "button", class: "edit", onclick: () => startEdit(message.id) }, "Edit"),
      el("button", { type: "button", class: "delete", onclick: () => confirmDelete(message.id) }, "Delete")));
  }
  return li;
}

function updateMessage(view, message) {
  const entry = view.entries.get(message.id);
  if (!entry) {
    return;
  }
  entry.message = message;
  const text = entry.li.querySelector(".message-text");
  text.textContent = "";
  text.append(linkify(message.text));
  const edited = entry.li.querySelector(".edited");
  edited.hidden = !message.editedAt;
  if (message.editedAt) {
    edited.title = new Date(message.editedAt).toLocaleString();
  }
}

function removeMessage(view, id) {
  view.deleted.add(id);
  const entry = view.entries.get(id);
  if (!entry) {
    return;
  }
  const index = view.ids.indexOf(id);
  view.ids.splice(index, 1);
  view.entries.delete(id);
  if (view.firstUnreadId === id) {
    view.firstUnreadId = null;
  }
  entry.li.remove();
  if (index < view.ids.length) {
    regroup(view, index);
  }
}

function startEdit(id) {
  const view = state.view;
  const entry = view.entries.get(id);
  if (!entry || entry.li.querySelector(".edit-form")) {
    return;
  }
  const text = entry.li.querySelector(".message-text");
  const actions = entry.li.querySelector(".message-actions");
  const area = el("textarea", { class: "edit-text", "aria-label": "Edit message", rows: 2 });
  area.value = entry.message.text;
  const error = el("p", { class: "error", role: "alert" });
  const cancel = () => {
    form.remove();
    text.hidden = false;
    actions.hidden = false;
    actions.querySelector(".edit").focus();
  };
  const form = el("form", { class: "edit-form" },
    area,
    el("div", { class: "edit-buttons" },
      el("button", { type: "submit" }, "Save"),
      el("button", { type: "button", class: "secondary", onclick: cancel }, "Cancel"),
      el("span", { class: "hint" }, "Enter to save · Esc to cancel")),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = area.value.trim();
    if (!value || codePoints(value) > MAX_TEXT) {
      error.textContent = value ? `A message has at most ${MAX_TEXT} characters.` : "A message cannot be empty; use Delete to remove it.";
      return;
    }
    if (value === entry.message.text) {
      cancel();
      return;
    }
    try {
      const edited = await state.bus.request(Addresses.EDIT, { id, text: value });
      updateMessage(view, edited);
      cancel();
    } catch (e) {
      error.textContent = plainError(e);
    }
  });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      cancel();
    }
  });
  text.hidden = true;
  actions.hidden = true;
  text.after(form);
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
}

function confirmDelete(id) {
  const view = state.view;
  const entry = view.entries.get(id);
  if (!entry || entry.li.querySelector(".confirm-delete")) {
    return;
  }
  const actions = entry.li.querySelector(".message-actions");
  const error = el("p", { class: "error", role: "alert" });
  const close = () => {
    box.remove();
    actions.hidden = false;
    actions.querySelector(".delete").focus();
  };
  const yes = el("button", {
    type: "button", class: "danger confirm", onclick: async () => {
      yes.disabled = true;
      try {
        await state.bus.request(Addresses.DELETE, { id });
        removeMessage(view, id);
      } catch (e) {
        yes.disabled = false;
        error.textContent = plainError(e);
      }
    },
  }, "Delete");
  const box = el("div", { class: "confirm-delete", role: "group", "aria-label": "Confirm deletion" },
    el("span", {}, "Delete this message?"),
    yes,
    el("button", { type: "button", class: "secondary", onclick: close }, "Cancel"),
    error);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  });
  actions.hidden = true;
  actions.after(box);
  yes.focus();
}

// ---------------------------------------------------------------- presence and typing

function renderPresence(users) {
  const unique = new Map(users.map((u) => [u.id, u]));
  const sorted = [...unique.values()].sort((a, b) => a.name.localeCompare(b.name));
  const list = $("presence");
  list.textContent = "";
  for (const user of sorted) {
    list.append(el("li", { "data-user": String(user.id) },
      avatar(user, "small"),
      profileLink(user, "presence-name", user.name),
      user.id === state.me.id ? el("span", { class: "muted" }, " (you)") : null));
  }
  $("presence-count").textContent = `(${sorted.length})`;
}

function showTyping(view, user) {
  const current = view.typing.get(user.id);
  if (current) {
    clearTimeout(current.timer);
  }
  view.typing.set(user.id, { user, timer: setTimeout(() => stopTyping(view, user.id), TYPING_SHOW_MS) });
  renderTyping(view);
}

function stopTyping(view, userId) {
  const current = view.typing.get(userId);
  if (current) {
    clearTimeout(current.timer);
    view.typing.delete(userId);
    renderTyping(view);
  }
}

function renderTyping(view) {
  const names = [...view.typing.values()].map((t) => t.user.name);
  let text = "";
  if (names.length === 1) {
    text = `${names[0]} is typing…`;
  } else if (names.length === 2) {
    text = `${names[0]} and ${names[1]} are typing…`;
  } else if (names.length > 2) {
    text = "Several people are typing…";
  }
  $("typing").textContent = text;
}

// ---------------------------------------------------------------- scrolling

function nearBottom() {
  const box = $("messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
}

function scrollToBottom() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}

function wireMessages() {
  const box = $("messages");
  box.addEventListener("scroll", () => {
    const view = state.view;
    if (!view) {
      return;
    }
    if (box.scrollTop < 300) {
      loadOlder(view);
    }
    if (nearBottom()) {
      clearUnread(view);
    }
  }, { passive: true });
  $("new-messages").addEventListener("click", () => {
    scrollToBottom();
    if (state.view) {
      clearUnread(state.view);
    }
    $("composer-text").focus();
  });
}

// ---------------------------------------------------------------- composer

function wireComposer() {
  const area = $("composer-text");
  const form = $("composer");
  area.addEventListener("input", () => {
    updateComposer();
    autosize(area);
    sendTyping();
  });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage();
  });
  updateComposer();
}

function composerText() {
  return $("composer-text").value.trim();
}

function updateComposer() {
  const text = composerText();
  const count = codePoints(text);
  const counter = $("counter");
  counter.textContent = `${count} / ${MAX_TEXT}`;
  counter.classList.toggle("near", count > MAX_TEXT * 0.9);
  counter.classList.toggle("over", count > MAX_TEXT);
  $("send").disabled = count === 0 || count > MAX_TEXT;
  $("composer-error").textContent = count > MAX_TEXT
    ? `That is ${count - MAX_TEXT} character${count - MAX_TEXT === 1 ? "" : "s"} too long: a message has at most ${MAX_TEXT}.`
    : "";
}

function autosize(area) {
  area.style.height = "auto";
  area.style.height = `${Math.min(area.scrollHeight + 2, 200)}px`;
}

function sendTyping() {
  const view = state.view;
  if (!view || !composerText() || Date.now() - view.lastTypingSent < TYPING_SEND_EVERY_MS) {
    return;
  }
  view.lastTypingSent = Date.now();
  state.bus.send(Addresses.TYPING, { channel: view.name });
}

function sendMessage() {
  const view = state.view;
  const text = composerText();
  if (!view || !text || codePoints(text) > MAX_TEXT) {
    return;
  }
  const area = $("composer-text");
  area.value = "";
  autosize(area);
  updateComposer();
  clearUnreadMarker(view);
  view.lastTypingSent = 0; // the next keystroke starts a new "is typing" hint at once
  const clientId = randomId();
  const li = el("li", { class: "message own pending", "data-client-id": clientId },
    el("div", { class: "gutter" }),
    el("div", { class: "message-body" },
      el("div", { class: "message-text" }, text),
      el("div", { class: "pending-note" }, "Sending…")));
  $("message-list").append(li);
  view.outbox.set(clientId, { text, li });
  scrollToBottom();
  deliver(view, clientId);
}

async function deliver(view, clientId) {
  const item = view.outbox.get(clientId);
  if (!item || item.sending) {
    return;
  }
  item.sending = true;
  try {
    const stored = await state.bus.request(Addresses.SEND, { channel: view.name, text: item.text, clientId });
    view.outbox.delete(clientId);
    item.li.remove();
    if (view === state.view) {
      insertMessage(view, stored, Date.now());
      scrollToBottom();
    }
  } catch (e) {
    item.sending = false;
    if (e instanceof BusError && e.code === ErrorCodes.NOT_CONNECTED) {
      // Not connected, or the connection dropped: it goes out again (same clientId) on reconnect.
      item.li.querySelector(".pending-note").textContent = "Waiting for the connection…";
      return;
    }
    view.outbox.delete(clientId);
    item.li.remove();
    const area = $("composer-text");
    if (!area.value) {
      area.value = item.text;
      autosize(area);
    }
    updateComposer();
    $("composer-error").textContent = plainError(e);
  }
}

function resendOutbox(view) {
  for (const clientId of view.outbox.keys()) {
    deliver(view, clientId);
  }
}

/** Server failures in plain words. */
function plainError(e) {
  const code = e.code === undefined ? e.status : (typeof e.code === "number" ? e.code : e.status);
  switch (code) {
    case ErrorCodes.INVALID:
      return e.message ? capitalize(e.message) : "That was not accepted.";
    case ErrorCodes.NOT_SIGNED_IN:
      return "You are signed out. Reload the page to sign in again.";
    case ErrorCodes.FORBIDDEN:
      return "You are not allowed to do that.";
    case ErrorCodes.NOT_FOUND:
      return "That no longer exists.";
    case ErrorCodes.CONFLICT:
      return e.message ? capitalize(e.message) : "That already exists.";
    case ErrorCodes.RATE_LIMITED:
      return `You are going a bit fast. ${e.message ? capitalize(e.message) + "." : "Wait a moment and try again."}`;
    case ErrorCodes.STORAGE_UNAVAILABLE:
      return "The chat's storage is unavailable right now. Try again in a moment.";
    case ErrorCodes.NOT_CONNECTED:
      return "Not connected right now. Try again when the connection is back.";
    default:
      return e.message || "Something went wrong.";
  }
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

boot();
