// New messages while reading: the "N new messages" button when scrolled up, the first-unread
// marker, announcements for screen readers, and a notification of a mention while hidden.
import { mentionsMe } from "./mentions.js";
import { notifyMention } from "./notify.js";
import { $, el } from "./render.js";
import { state } from "./state.js";

/** After a new message arrived: unread marker when scrolled up, and a screen-reader announcement. */
export function noteNew(view, message, stuckToBottom) {
  const mine = message.author.id === state.me.id;
  if (!mine) {
    announce(`${message.author.name}: ${message.text}`);
  }
  if (mentionsMe(message)) {
    notifyMention(view.name, message);
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

export function clearUnread(view) {
  view.unread = 0;
  $("new-messages").hidden = true;
}

export function clearUnreadMarker(view) {
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
