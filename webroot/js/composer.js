// The composer: the counter and limit, Enter to send, "is typing" hints, and the outbox: a sent
// message shows as pending until stored, and waits for the connection (same clientId) when offline.
import { Addresses, ErrorCodes, MAX_TEXT } from "./contract.js";
import { plainError } from "./errors.js";
import { BusError, randomId } from "./eventbus.js";
import { insertMessage, scrollToBottom } from "./messages.js";
import { $, el, codePoints } from "./render.js";
import { state } from "./state.js";
import { clearUnreadMarker } from "./unread.js";
import { openChannel } from "./view.js";

const TYPING_SEND_EVERY_MS = 2_500;

export function wireComposer() {
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
  if (state.view && state.view.gapAfter !== null) {
    openChannel(state.view.name, null, true); // opened at an older message: one writes at the newest
  }
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

/** After a reconnect: what waited for the connection goes out again. */
export function resendOutbox(view) {
  for (const clientId of view.outbox.keys()) {
    deliver(view, clientId);
  }
}
