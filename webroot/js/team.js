// What a person follows beyond the open channel, on their own stream (chat.me): channels that
// appear or go away, unread and mention counts kept by the server and moved live by activity,
// read marks from their other browsers, and marking the open channel read while they look at it.
import { api } from "./api.js";
import { addChannel, loadChannels, renderChannels } from "./channels.js";
import { Addresses } from "./contract.js";
import { nearBottom } from "./messages.js";
import { state } from "./state.js";

const READ_DELAY_MS = 400;
let readTimer = null;
let onMentioned = () => {};
let openFallback = () => {};

/**
 * Follows the person's own stream. mentioned(channel, message) is called for a mention in a
 * channel that is not open while the tab is hidden; openDefault() when the open channel was taken away.
 */
export function followUserStream({ mentioned, openDefault }) {
  onMentioned = mentioned;
  openFallback = openDefault;
  state.bus.subscribe(Addresses.USER_STREAM, onUserEvent);
  document.addEventListener("visibilitychange", () => markReadSoon(state.view));
}

function onUserEvent(event) {
  switch (event.type) {
    case "channel":
      addChannel(event.channel);
      loadChannels(); // and where this person starts reading it, from the server
      break;
    case "removed":
      removed(event.channel);
      break;
    case "read":
      readElsewhere(event.channel, event.seq);
      break;
    case "activity":
      event.events.forEach(activity);
      renderChannels();
      break;
    default:
      break;
  }
}

function counts(name) {
  let c = state.counts.get(name);
  if (!c) {
    c = { seq: 0, readSeq: null, unread: 0, mentions: 0 };
    state.counts.set(name, c);
  }
  return c;
}

/** A message of somebody else, stored in a channel this person may read. */
function activity({ channel, seq, mentioned }) {
  const c = counts(channel);
  if (seq <= c.seq) {
    return; // counted already, or in the counts the server gave
  }
  c.seq = seq;
  if (state.view?.name === channel && document.visibilityState === "visible") {
    return; // on screen: the channel's own events mark it read
  }
  c.unread += 1;
  if (mentioned) {
    c.mentions += 1;
    if (state.view?.name !== channel) {
      notifyOf(channel, seq); // the open channel's own events notify (unread.js)
    }
  }
}

/** Fetches the message that mentioned this person, for the notification. */
async function notifyOf(channel, seq) {
  if (document.visibilityState !== "hidden") {
    return;
  }
  try {
    const page = await state.bus.request(Addresses.HISTORY, { channel, afterSeq: seq - 1, limit: 1 });
    const event = page.events.find((e) => e.seq === seq && e.message);
    if (event) {
      onMentioned(channel, event.message);
    }
  } catch {
    // a notification is a convenience; the badge is counted anyway
  }
}

function readElsewhere(channel, seq) {
  const c = counts(channel);
  c.readSeq = Math.max(c.readSeq ?? 0, seq);
  if (c.readSeq >= c.seq) {
    c.unread = 0;
    c.mentions = 0;
    renderChannels();
  } else {
    loadChannels(); // read part of it elsewhere: ask again
  }
}

function removed(channel) {
  state.channels = state.channels.filter((c) => c.name !== channel);
  state.counts.delete(channel);
  renderChannels();
  if (state.view?.name === channel) {
    openFallback(channel);
  }
}

/**
 * The person looks at the channel (visible, at the bottom): soon its read position moves to the
 * last event shown, on the server and so in their every browser.
 */
export function markReadSoon(view) {
  if (!view || readTimer !== null) {
    return;
  }
  // Whether the person sees the end now: a switch to another channel before the timer fires
  // still marks what they saw here.
  const seeing = () => view.seq !== null && view.gapAfter === null && document.visibilityState === "visible" && nearBottom();
  const sawIt = view === state.view && seeing();
  readTimer = setTimeout(() => {
    readTimer = null;
    // Read means seen: not while newer messages than those shown are still to load (a search hit).
    const stillListed = state.channels.some((c) => c.name === view.name); // not after a removal
    if (!stillListed || (view === state.view ? !seeing() : !sawIt)) {
      return;
    }
    const c = counts(view.name);
    c.seq = Math.max(c.seq, view.seq);
    c.unread = 0;
    c.mentions = 0;
    if ((c.readSeq ?? -1) >= view.seq) {
      return;
    }
    c.readSeq = view.seq;
    api.markRead(view.name, view.seq).catch(() => {
      c.readSeq = null; // the next look tries again
    });
  }, READ_DELAY_MS);
}

/** Where the person left off in a channel they open (null: nothing unread, or never opened). */
export function leftOffAt(name) {
  const c = state.counts.get(name);
  return c && c.readSeq !== null && c.seq > c.readSeq ? c.readSeq : null;
}

/** After the first page: a "New messages" line above the first message of others after it. */
export function markWhereLeftOff(view) {
  if (view.readSeqAtOpen === null || view.firstUnreadId !== null) {
    return;
  }
  for (const id of view.ids) {
    const entry = view.entries.get(id);
    if (entry.message.seq > view.readSeqAtOpen && entry.message.author.id !== state.me.id) {
      view.firstUnreadId = id;
      entry.li.classList.add("first-unread");
      entry.li.scrollIntoView({ block: "center" });
      return;
    }
  }
}

/** Opens (or finds) the direct conversation with these people and shows it. */
export async function openDirectWith(userIds, open) {
  const channel = await api.openDirect(userIds);
  addChannel(channel);
  window.location.hash = `#/c/${channel.name}`;
  open(channel.name);
}

