// History: the newest page on entry, and older pages while scrolling up (or while the page is not
// yet full). Catching up after a gap or a reconnect is by sequence number, in sequence.js.
import { Addresses, ErrorCodes } from "./contract.js";
import { plainError } from "./errors.js";
import { insertMessage, updateHistoryStatus, nearBottom, scrollToBottom } from "./messages.js";
import { $ } from "./render.js";
import { startAt, fillGapSoon } from "./sequence.js";
import { state } from "./state.js";
import { markReadSoon, markWhereLeftOff } from "./team.js";

const PAGE = 50;

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
    startAt(view, page.seq);
    fillGapSoon(view);
    markWhereLeftOff(view);
    markReadSoon(view);
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
