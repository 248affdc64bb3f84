// Reactions under a message: one chip per emoji (the emoji and its count, pressed when one of
// them is mine, who reacted in its title) that toggles mine, and an "add reaction" button that
// opens a small picker of common emoji. A toggle asks chat.react; what is shown changes only with
// the channel's "reaction" events (sequence.js), so every node and tab shows the same, in order.
// Text reaches the page through text nodes only (render.js's el).
import { Addresses } from "./contract.js";
import { plainError } from "./errors.js";
import { el } from "./render.js";
import { state } from "./state.js";

/** The picker's emoji, as the server takes them (one emoji each). */
export const PICKER_EMOJI = Object.freeze(["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"]);

/** Builds or refreshes the reactions row of a message's element from message.reactions. */
export function renderReactions(li, message) {
  if (message.id === undefined || message.id === null) {
    return;
  }
  let row = li.querySelector(".reactions");
  if (!row) {
    row = el("div", { class: "reactions", role: "group", "aria-label": "Reactions" },
      el("span", { class: "reaction-chips" }),
      addButton(message.id),
      el("span", { class: "reaction-error", role: "alert" }));
    li.querySelector(".message-body").append(row);
  }
  const chips = row.querySelector(".reaction-chips");
  const focused = chips.contains(document.activeElement) ? document.activeElement.dataset.emoji : null;
  chips.textContent = "";
  const reactions = message.reactions ?? [];
  for (const reaction of reactions) {
    chips.append(chip(message.id, reaction));
  }
  row.classList.toggle("has-reactions", reactions.length > 0);
  if (focused) {
    const again = [...chips.children].find((c) => c.dataset.emoji === focused) ?? row.querySelector(".reaction-add");
    again.focus();
  }
}

function chip(id, reaction) {
  const mine = reaction.users.some((u) => u.id === state.me.id);
  const who = names(reaction.users.map((u) => (u.id === state.me.id ? "You" : u.name)));
  return el("button", {
    type: "button",
    class: "reaction-chip",
    "data-emoji": reaction.emoji,
    "aria-pressed": mine ? "true" : "false",
    title: `${who} reacted with ${reaction.emoji}`,
    "aria-label": `${reaction.emoji} ${reaction.count}: ${who}. ${mine ? "Remove your reaction" : "Add this reaction"}`,
    onclick: (event) => toggle(id, reaction.emoji, event.currentTarget),
  }, el("span", { class: "reaction-emoji", "aria-hidden": "true" }, reaction.emoji),
  el("span", { class: "reaction-count", "aria-hidden": "true" }, String(reaction.count)));
}

/** "A", "A and B", "A, B and C". */
function names(list) {
  return list.length <= 1 ? (list[0] ?? "") : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

async function toggle(id, emoji, from) {
  const row = from.closest(".reactions");
  const error = row?.querySelector(".reaction-error");
  if (error) {
    error.textContent = "";
  }
  try {
    await state.bus.request(Addresses.REACT, { id, emoji });
  } catch (e) {
    if (error && error.isConnected) {
      error.textContent = plainError(e);
    }
  }
}

function addButton(id) {
  const button = el("button", {
    type: "button",
    class: "reaction-add",
    "aria-label": "Add reaction",
    title: "Add reaction",
    "aria-haspopup": "true",
    "aria-expanded": "false",
    onclick: () => (button.nextElementSibling?.classList.contains("reaction-picker") ? closePicker(button) : openPicker(id, button)),
  }, el("span", { "aria-hidden": "true" }, "☺+"));
  return button;
}

let openOne = null; // {button, picker, away}

function openPicker(id, button) {
  if (openOne) {
    closePicker(openOne.button, false);
  }
  const picker = el("div", { class: "reaction-picker", role: "menu", "aria-label": "Pick a reaction" },
    PICKER_EMOJI.map((emoji) => el("button", {
      type: "button",
      role: "menuitem",
      class: "reaction-pick",
      "aria-label": `React with ${emoji}`,
      title: `React with ${emoji}`,
      onclick: () => {
        closePicker(button);
        toggle(id, emoji, button);
      },
    }, emoji)));
  picker.addEventListener("keydown", (event) => {
    const items = [...picker.querySelectorAll(".reaction-pick")];
    const at = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closePicker(button);
    } else if (event.key === "ArrowRight" || event.key === "ArrowDown") {
      event.preventDefault();
      items[(at + 1) % items.length].focus();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
      event.preventDefault();
      items[(at - 1 + items.length) % items.length].focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    }
  });
  // A click anywhere else closes it.
  const away = (event) => {
    if (!picker.contains(event.target) && event.target !== button && !button.contains(event.target)) {
      closePicker(button, false);
    }
  };
  document.addEventListener("pointerdown", away, true);
  openOne = { button, picker, away };
  button.setAttribute("aria-expanded", "true");
  button.after(picker);
  picker.querySelector(".reaction-pick").focus();
}

function closePicker(button, refocus = true) {
  if (!openOne || openOne.button !== button) {
    return;
  }
  document.removeEventListener("pointerdown", openOne.away, true);
  openOne.picker.remove();
  openOne = null;
  button.setAttribute("aria-expanded", "false");
  if (refocus && button.isConnected) {
    button.focus();
  }
}
