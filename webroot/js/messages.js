// The message list: each message at its place by id, grouped by author and day, edited,
// reacted to (reactions.js) and deleted in place (by anyone's action, live), the history line above it, and its scrolling.
import { Addresses, MAX_TEXT } from "./contract.js";
import { plainError } from "./errors.js";
import { renderReactions } from "./reactions.js";
import { mentionsMe, messageText } from "./mentions.js";
import { $, el, timeElement, dayLabel, sameDay, avatar, profileLink, codePoints } from "./render.js";
import { state } from "./state.js";
import { titleOf } from "./channels.js";

const GROUP_GAP_MS = 5 * 60_000;
const NEAR_BOTTOM_PX = 80;

/** Inserts a message at its place by id; false when it was already shown (then it is refreshed). */
export function insertMessage(view, message, receivedAt) {
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
  const li = el("li", { class: `message${mine ? " own" : ""}${mentionsMe(message) ? " mentions-me" : ""}`,
    "data-id": String(message.id), "data-author": String(message.author.id) });
  const body = el("div", { class: "message-body" },
    el("div", { class: "message-head" },
      profileLink(message.author, "author", message.author.name),
      " ",
      timeElement(message.createdAt),
      el("span", { class: "edited", hidden: !message.editedAt, title: message.editedAt ? new Date(message.editedAt).toLocaleString() : null }, "(edited)")),
    el("div", { class: "message-text" }, messageText(message)));
  li.append(el("div", { class: "gutter" },
    profileLink(message.author, "avatar-link", avatar(message.author)),
    el("span", { class: "gutter-time", "aria-hidden": "true" }, timeElement(message.createdAt))));
  li.append(body);
  renderReactions(li, message);
  if (mine) {
    body.append(el("div", { class: "message-actions" },
      el("button", { type: "button", class: "edit", onclick: () => startEdit(message.id) }, "Edit"),
      el("button", { type: "button", class: "delete", onclick: () => confirmDelete(message.id) }, "Delete")));
  }
  return li;
}

export function updateMessage(view, message) {
  const entry = view.entries.get(message.id);
  if (!entry) {
    return;
  }
  entry.message = message;
  const text = entry.li.querySelector(".message-text");
  text.textContent = "";
  text.append(messageText(message));
  entry.li.classList.toggle("mentions-me", mentionsMe(message));
  const edited = entry.li.querySelector(".edited");
  edited.hidden = !message.editedAt;
  if (message.editedAt) {
    edited.title = new Date(message.editedAt).toLocaleString();
  }
  renderReactions(entry.li, message);
}

export function removeMessage(view, id) {
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

export function updateHistoryStatus(view) {
  $("history-status").textContent = view.reachedStart
    ? (view.ids.length ? `This is the start of ${titleOf(view.name)}.` : `No messages in ${titleOf(view.name)} yet. Say hello!`)
    : "";
  $("history-status").classList.toggle("at-start", view.reachedStart);
}

export function nearBottom() {
  const box = $("messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
}

export function scrollToBottom() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}

/** Marks the message a search hit opened (one at a time) and scrolls it to the middle of the box. */
export function highlightMessage(view, id) {
  const entry = view.entries.get(id);
  if (!entry) {
    return;
  }
  $("message-list").querySelectorAll(".message.jumped").forEach((li) => {
    li.classList.remove("jumped");
    li.removeAttribute("tabindex");
  });
  entry.li.classList.add("jumped");
  entry.li.setAttribute("tabindex", "-1");
  entry.li.scrollIntoView({ block: "center" });
  entry.li.focus({ preventScroll: true });
}
