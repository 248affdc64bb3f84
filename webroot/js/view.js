// The channel view: opening a channel (subscribe, clear the page, load the newest page, or the
// page around a message when a search hit is opened), the channel's live events, and scrolling
// through it.
import { channelNamed, renderChannels, loadChannels, titleOf } from "./channels.js";
import { channelAddress, Kinds } from "./contract.js";
import { loadLatest, loadOlder, loadNewer } from "./history.js";
import { highlightMessage, nearBottom, scrollToBottom } from "./messages.js";
import { renderPresence, showTyping } from "./presence.js";
import { $ } from "./render.js";
import { receive } from "./sequence.js";
import { state, newView } from "./state.js";
import { leftOffAt, markReadSoon } from "./team.js";
import { clearUnread } from "./unread.js";

/**
 * Opens a channel at its newest messages, or with around (a message id) at that message: the page
 * around it is loaded, it is highlighted and scrolled into view. again: open it anew even if open.
 */
export function openChannel(name, around = null, again = false) {
  if (state.view?.name === name && around === null && !again) {
    return;
  }
  if (state.view?.name === name && state.view.entries.has(around)) {
    highlightMessage(state.view, around);
    return;
  }
  if (state.view) {
    state.view.unsubscribe?.();
    state.view.typing.forEach((t) => clearTimeout(t.timer));
  }
  const view = newView(name);
  view.around = around;
  state.view = view;
  if (window.location.hash !== `#/c/${name}`) {
    history.replaceState(null, "", `#/c/${name}`);
  }
  $("empty-state").hidden = true;
  $("messages").hidden = false;
  $("composer").hidden = false;
  view.readSeqAtOpen = leftOffAt(name);
  const title = titleOf(name);
  $("channel-title").textContent = title;
  document.title = `${title} · vertx-chat`;
  $("show-members").hidden = ![Kinds.PRIVATE, Kinds.DIRECT].includes(channelNamed(name)?.kind);
  $("message-list").textContent = "";
  $("history-status").textContent = "Loading messages…";
  $("presence").textContent = "";
  $("presence-count").textContent = "";
  $("typing").textContent = "";
  $("new-messages").hidden = true;
  $("composer-error").textContent = "";
  $("composer-text").setAttribute("placeholder", `Message ${title}`);
  $("composer-text").labels[0].textContent = `Message ${title}`;
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

function onChannelEvent(view, event) {
  if (view !== state.view) {
    return;
  }
  switch (event.type) {
    case "message":
    case "edit":
    case "reaction":
    case "delete":
      receive(view, event);
      markReadSoon(view);
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

/** Near the top loads older messages; near the bottom the unread count is cleared. */
export function wireScrolling() {
  const box = $("messages");
  box.addEventListener("scroll", () => {
    const view = state.view;
    if (!view) {
      return;
    }
    if (box.scrollTop < 300) {
      loadOlder(view);
    }
    if (box.scrollHeight - box.scrollTop - box.clientHeight < 300) {
      loadNewer(view);
    }
    if (nearBottom()) {
      clearUnread(view);
      markReadSoon(view);
    }
  }, { passive: true });
  $("new-messages").addEventListener("click", () => {
    if (state.view && state.view.gapAfter !== null) {
      openChannel(state.view.name, null, true); // opened at an older message: now at the newest
      return;
    }
    scrollToBottom();
    if (state.view) {
      clearUnread(state.view);
    }
    $("composer-text").focus();
  });
}
