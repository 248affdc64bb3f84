// Presence and typing: who is in the channel ("Here now") and "X is typing…".
import { $, el, avatar, profileLink } from "./render.js";
import { state } from "./state.js";

const TYPING_SHOW_MS = 4_000;

export function renderPresence(users) {
  const unique = new Map(users.map((u) => [u.id, u]));
  const sorted = [...unique.values()].sort((a, b) => a.name.localeCompare(b.name));
  const list = $("presence");
  list.textContent = "";
  for (const user of sorted) {
    list.append(el("li", { "data-user": String(user.id) },
      avatar(user, "small"),
      profileLink(user, "presence-name", user.name),
      user.id === state.me.id ? el("span", { class: "muted" }, " (you)")
        : el("button", { type: "button", class: "link-button message-person", "aria-label": `Message ${user.name}` }, "Message")));
  }
  $("presence-count").textContent = `(${sorted.length})`;
}

export function showTyping(view, user) {
  const current = view.typing.get(user.id);
  if (current) {
    clearTimeout(current.timer);
  }
  view.typing.set(user.id, { user, timer: setTimeout(() => stopTyping(view, user.id), TYPING_SHOW_MS) });
  renderTyping(view);
}

export function stopTyping(view, userId) {
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
