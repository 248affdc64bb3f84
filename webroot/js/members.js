// People: the members dialog of a private channel or direct conversation (who is in it, adding
// somebody by name, leaving, and for its creator removing somebody), and starting a direct
// conversation: from the "+" of the sidebar's list, or from a person's avatar in the messages or
// "Message" in the people here now.
import { api } from "./api.js";
import { channelNamed, renderChannels } from "./channels.js";
import { Kinds } from "./contract.js";
import { plainError } from "./errors.js";
import { $, avatar, el } from "./render.js";
import { state } from "./state.js";
import { openDirectWith } from "./team.js";

let openChannel = () => {};

/** Wires the dialogs; open(name) shows a channel. */
export function wireMembers(open) {
  openChannel = open;
  $("show-members").addEventListener("click", () => showMembers(state.view?.name));
  $("close-members").addEventListener("click", () => $("members-dialog").close());
  $("invite").addEventListener("submit", invite);
  $("invite-name").addEventListener("input", () => suggest($("invite-name").value, $("people-options")));
  $("leave-channel").addEventListener("click", leave);
  $("new-direct").addEventListener("click", () => {
    $("direct-error").textContent = "";
    $("direct-results").textContent = "";
    $("direct-search").value = "";
    $("direct-dialog").showModal();
  });
  $("close-direct").addEventListener("click", () => $("direct-dialog").close());
  $("direct-form").addEventListener("submit", (e) => e.preventDefault());
  $("direct-search").addEventListener("input", findPeople);
  // A person's avatar in the messages, or "Message" by a name here now, opens a conversation with them.
  $("message-list").addEventListener("click", (e) => {
    const link = e.target.closest(".avatar-link");
    const author = link?.closest("li.message")?.dataset.author;
    if (author && Number(author) !== state.me.id) {
      e.preventDefault();
      talkTo(Number(author));
    }
  });
  $("presence").addEventListener("click", (e) => {
    const button = e.target.closest("button.message-person");
    if (button) {
      talkTo(Number(button.closest("li").dataset.user));
    }
  });
}

async function talkTo(userId) {
  try {
    await openDirectWith([userId], openChannel);
    $("direct-dialog").close();
  } catch (e) {
    $("direct-error").textContent = plainError(e);
  }
}

async function showMembers(name) {
  const channel = channelNamed(name);
  if (!channel) {
    return;
  }
  const dialog = $("members-dialog");
  const isPrivate = channel.kind === Kinds.PRIVATE;
  $("members-title").textContent = isPrivate ? `Members of #${name}` : "People in this conversation";
  $("invite").hidden = !isPrivate;
  $("leave-channel").hidden = !isPrivate;
  $("invite-error").textContent = "";
  $("member-list").textContent = "";
  if (!dialog.open) {
    dialog.showModal();
  }
  try {
    const { members } = await api.members(name);
    renderMembers(channel, members);
  } catch (e) {
    $("invite-error").textContent = plainError(e);
  }
}

function renderMembers(channel, members) {
  const list = $("member-list");
  list.textContent = "";
  const mayRemove = channel.kind === Kinds.PRIVATE && channel.createdBy === state.me.id;
  for (const user of members) {
    list.append(el("li", { class: "member", "data-user": String(user.id) },
      avatar(user, "small"),
      el("span", { class: "member-name" }, user.name),
      user.id === channel.createdBy ? el("span", { class: "muted" }, " (creator)") : null,
      user.id === state.me.id ? el("span", { class: "muted" }, " (you)") : null,
      mayRemove && user.id !== state.me.id
        ? el("button", { type: "button", class: "link-button remove-member", "aria-label": `Remove ${user.name}`,
          onclick: () => remove(channel, user) }, "Remove")
        : null));
  }
}

async function invite(event) {
  event.preventDefault();
  const name = $("invite-name").value.trim();
  const channel = state.view?.name;
  if (!name || !channel) {
    $("invite-error").textContent = "Type the name of the person to add.";
    return;
  }
  try {
    const { members } = await api.addMember(channel, { name });
    $("invite-name").value = "";
    $("invite-error").textContent = "";
    renderMembers(channelNamed(channel), members);
  } catch (e) {
    $("invite-error").textContent = plainError(e);
  }
}

async function remove(channel, user) {
  try {
    await api.removeMember(channel.name, user.id);
    await showMembers(channel.name);
  } catch (e) {
    $("invite-error").textContent = plainError(e);
  }
}

async function leave() {
  const name = state.view?.name;
  try {
    await api.removeMember(name, state.me.id);
    $("members-dialog").close();
    state.channels = state.channels.filter((c) => c.name !== name);
    renderChannels();
    openChannel("general");
  } catch (e) {
    $("invite-error").textContent = plainError(e);
  }
}

/** Names starting with what was typed, offered as the input's suggestions. */
async function suggest(prefix, datalist) {
  if (!prefix.trim()) {
    return;
  }
  try {
    const { users } = await api.users(prefix.trim());
    datalist.textContent = "";
    users.forEach((u) => datalist.append(el("option", { value: u.name })));
  } catch {
    // suggestions are a convenience
  }
}

async function findPeople() {
  const q = $("direct-search").value.trim();
  const results = $("direct-results");
  if (!q) {
    results.textContent = "";
    return;
  }
  try {
    const { users } = await api.users(q);
    if ($("direct-search").value.trim() !== q) {
      return; // typed on meanwhile
    }
    results.textContent = "";
    for (const user of users.filter((u) => u.id !== state.me.id)) {
      results.append(el("li", {},
        el("button", { type: "button", class: "person", onclick: () => talkTo(user.id) },
          avatar(user, "small"), el("span", {}, user.name))));
    }
    if (!results.childElementCount) {
      results.append(el("li", { class: "muted" }, "Nobody by that name."));
    }
  } catch (e) {
    $("direct-error").textContent = plainError(e);
  }
}
