// Browser notifications of mentions, while the tab is hidden. Permission is only ever asked when
// the person clicks "Enable notifications" (never on load); the button is hidden once they have
// answered, and where the browser has no notifications.
import { channelNamed } from "./channels.js";
import { Kinds } from "./contract.js";
import { $ } from "./render.js";

const supported = () => "Notification" in window;
const notified = new Set();

/** Shows the "Enable notifications" button while permission has not been asked. */
export function wireNotifications() {
  const button = $("enable-notifications");
  const refresh = () => {
    button.hidden = !supported() || Notification.permission !== "default";
  };
  refresh();
  button.addEventListener("click", async () => {
    try {
      await Notification.requestPermission();
    } finally {
      refresh();
    }
  });
}

/**
 * A notification of `message` (which mentions the signed-in person) in `channelName`, when the tab
 * is hidden and permission was granted; a click on it focuses the window and opens the channel.
 * Returns it, or null when none was shown.
 */
export function notifyMention(channelName, message) {
  // One notification per message, whichever path told of it first (the open channel's events or
  // the activity of the person's own stream).
  if (!supported() || Notification.permission !== "granted" || document.visibilityState !== "hidden"
    || notified.has(message.id)) {
    return null;
  }
  notified.add(message.id);
  const where = channelNamed(channelName)?.kind === Kinds.DIRECT ? "a direct message" : `#${channelName}`;
  const notification = new Notification(`${message.author.name} mentioned you in ${where}`, {
    body: message.text,
    tag: `mention-${message.id}`,
    icon: "/favicon.svg",
  });
  notification.onclick = () => {
    window.focus();
    window.location.hash = `#/c/${channelName}`;
    notification.close();
  };
  return notification;
}
