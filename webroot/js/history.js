// History: the newest page on entry, older pages while scrolling up (or while the page is not
// yet full), and catching up after an id (after a reconnect, and once more a little later).
import { Addresses, ErrorCodes } from "./contract.js";
import { plainError } from "./errors.js";
import { insertMessage, updateHistoryStatus, nearBottom, scrollToBottom } from "./messages.js";
import { $ } from "./render.js";
import { state } from "./state.js";
import { noteNew } from "./unread.js";

const PAGE = 50;
const CATCH_UP_PAGE = 100;
const SECOND_CATCH_UP_MS = 1_500;

export async function loadLatest(view) {
  try {
    const page = await state.bus.request(Addresses.HISTORY, { channel: view.name, limit: PAGE });
    if (view !== state.view) {
      return;
    }
    const now = Date.now();
    page.messages.forEach((m) => insertMessage(view, m, now));
    view.loaded = true;
    view.reachedStart = page.messages.length < PAGE;
    updateHistoryStatus(view);
    scrollToBottom();
    fillViewport(view);
    // A publish right after our registration may not have reached us yet: look again shortly.
    const after = view.ids.length ? view.ids[view.ids.length - 1] : 0;
    catchUpSoon(view, after);
  } catch (e) {
    if (view === state.view) {
      $("history-status").textContent = e.code === ErrorCodes.NOT_FOUND ? "This channel does not exist." : `Cannot load messages: ${plainError(e)}`;
    }
  }
}

export async function loadOlder(view) {
  if (view.loadingOlder || view.reachedStart || !view.loaded || view.ids.length === 0 || !state.bus.connected) {
    return;
  }
  view.loadingOlder = true;
  $("history-status").textContent = "Loading older messages…";
  const box = $("messages");
  try {
    const page = await state.bus.request(Addresses.HISTORY, { channel: view.name, before: view.ids[0], limit: PAGE });
    if (view !== state.view) {
      return;
    }
    const height = box.scrollHeight;
    const top = box.scrollTop;
    const now = Date.now();
    page.messages.forEach((m) => insertMessage(view, m, now));
    box.scrollTop = top + (box.scrollHeight - height);
    view.reachedStart = page.messages.length < PAGE;
  } catch (e) {
    // The next scroll tries again.
  } finally {
    view.loadingOlder = false;
    if (view === state.view) {
      updateHistoryStatus(view);
      fillViewport(view);
    }
  }
}

/** Loads older pages while the messages do not fill the box (nothing to scroll yet). */
function fillViewport(view) {
  const box = $("messages");
  if (!view.reachedStart && box.scrollHeight <= box.clientHeight + 1) {
    loadOlder(view);
  }
}

/** Fetches what came after the id, page by page, and shows what is new. */
export async function catchUp(view, after) {
  let from = after;
  for (let round = 0; round < 20 && view === state.view; round++) {
    let page;
    try {
      page = await state.bus.request(Addresses.HISTORY, { channel: view.name, after: from, limit: CATCH_UP_PAGE });
    } catch (e) {
      return; // the next reconnect catches up again
    }
    if (view !== state.view) {
      return;
    }
    const stick = nearBottom();
    const now = Date.now();
    for (const message of page.messages) {
      if (insertMessage(view, message, now)) {
        noteNew(view, message, stick);
      }
    }
    if (stick) {
      scrollToBottom();
    }
    if (page.messages.length < CATCH_UP_PAGE) {
      return;
    }
    from = page.messages[page.messages.length - 1].id;
  }
}

/** Catches up once more a little later: events published by other nodes can still be on their way. */
export function catchUpSoon(view, after) {
  setTimeout(() => catchUp(view, after), SECOND_CATCH_UP_MS);
}
