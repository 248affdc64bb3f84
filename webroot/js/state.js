// The app's shared state, one object imported by the modules that read or change it.

export const state = {
  me: null,
  bus: null,
  channels: [],
  counts: new Map(), // channel name -> {seq, readSeq, unread, mentions}, see team.js
  everConnected: false,
  view: null, // the open channel, see newView()
};

/** The state of one open channel; a new one on every switch, so late replies for the old one are ignored. */
export function newView(name) {
  return {
    name,
    token: Symbol(name),
    unsubscribe: null,
    loaded: false,
    entries: new Map(), // id -> {message, li, receivedAt}
    ids: [], // ascending
    deleted: new Set(),
    seq: null, // the channel's last event number shown; null until the first page
    waiting: new Map(), // seq -> live event that arrived early (see sequence.js)
    filling: false,
    reachedStart: false,
    loadingOlder: false,
    around: null, // opened at this message id (a search hit) instead of the newest
    gapAfter: null, // the newest message shown while newer ones are not loaded yet (after opening at one)
    beyond: new Map(), // id -> live message newer than gapAfter, shown once the newer pages reach it
    loadingNewer: false,
    unread: 0,
    firstUnreadId: null,
    readSeqAtOpen: null, // where the person had left off, for the "New messages" line
    typing: new Map(), // user id -> {user, timer}
    lastTypingSent: 0,
    outbox: new Map(), // clientId -> {text, li}
  };
}
