// History: the newest page on entry (or the page around a message, for a search hit), older pages
// while scrolling up (or while the page is not yet full), and, when opened at a message, newer pages
// while scrolling down until the newest. Catching up after a gap or a reconnect is by sequence
// number, in sequence.js.
import { Addresses, ErrorCodes } from "./contract.js";
import { plainError } from "./errors.js";
import { highlightMessage, insertMessage, updateHistoryStatus, nearBottom, scrollToBottom } from "./messages.js";
import { $ } from "./render.js";
import { startAt, fillGapSoon } from "./sequence.js";
import { state } from "./state.js";
import { markReadSoon, markWhereLeftOff } from "./team.js";

const PAGE = 50;

export async function loadLatest(view) {
  if (view.around !== null) {
    return loadAround(view);
  }
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

/**
 * The page around a message: it and the messages before it, then those after it, in the same
 * snapshot as the channel's sequence number, so live events go on from there. Until the newer
 * pages reach the newest message, live messages wait in view.beyond (see sequence.js).
 */
async function loadAround(view) {
  try {
    const page = await state.bus.request(Addresses.HISTORY, { channel: view.name, around: view.around, limit: PAGE });
    if (view !== state.view) {
      return;
    }
    const now = Date.now();
    const older = page.messages.filter((m) => m.id <= view.around).length;
    const newer = page.messages.length - older;
    view.gapAfter = newer < PAGE / 2 ? null : page.messages[page.messages.length - 1].id;
    page.messages.forEach((m) => insertMessage(view, m, now));
    view.loaded = true;
    view.reachedStart = older < PAGE - PAGE / 2;
    updateHistoryStatus(view);
    highlightMessage(view, view.around);
    startAt(view, page.seq);
    fillGapSoon(view);
  } catch (e) {
    if (view === state.view && e.code === ErrorCodes.NOT_FOUND) {
      view.around = null; // deleted or trimmed since it was found (or no such channel): the newest, then
      await loadLatest(view);
      $("history-status").textContent = "That message is no longer there.";
    } else if (view === state.view) {
      $("history-status").textContent = `Cannot load messages: ${plainError(e)}`;
    }
  }
}

/** After opening at a message: the next newer page, until the newest; then the live ones that waited. */
export async function loadNewer(view) {
  if (view.loadingNewer || view.gapAfter === null || !view.loaded || !state.bus.connected) {
    return;
  }
  view.loadingNewer = true;
  try {
    const page = await state.bus.request(Addresses.HISTORY, { channel: view.name, after: view.gapAfter, limit: PAGE });
    if (view !== state.view) {
      return;
    }
    const now = Date.now();
    if (page.messages.length < PAGE) {
      view.gapAfter = null;
      page.messages.forEach((m) => insertMessage(view, m, now));
      view.beyond.forEach((m) => insertMessage(view, m, now));
      view.beyond.clear();
    } else {
      view.gapAfter = page.messages[page.messages.length - 1].id;
      page.messages.forEach((m) => insertMessage(view, m, now));
      for (const id of [...view.beyond.keys()]) {
        if (id <= view.gapAfter) {
          view.beyond.delete(id); // in this page, as it is now
        }
      }
    }
  } catch (e) {
    // The next scroll tries again.
  } finally {
    view.loadingNewer = false;
  }
}
