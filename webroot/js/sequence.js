// A channel's stored events (message, edit, reaction, delete) in sequence order, each shown once. Every one
// carries the channel's sequence number "seq", one more than the event before it. A live event
// that skips numbers waits while the gap is fetched with chat.history {afterSeq}; one whose number
// was seen already is dropped. Resuming after a reconnect is the same fetch, after the last number.
import { Addresses } from "./contract.js";
import { insertMessage, updateMessage, removeMessage, nearBottom, scrollToBottom } from "./messages.js";
import { stopTyping } from "./presence.js";
import { state } from "./state.js";
import { noteNew } from "./unread.js";

const GAP_PAGE = 100;
const LOOK_AGAIN_MS = 1_500;

/** A live stored event of the open channel. */
export function receive(view, event) {
  if (view.seq === null || event.seq > view.seq + 1 || view.filling) {
    view.waiting.set(event.seq, event); // before the first page, behind a gap, or while one is fetched
    if (view.seq !== null) {
      fillGap(view);
    }
    return;
  }
  if (event.seq === view.seq + 1) {
    view.seq = event.seq;
    apply(view, event, nearBottom());
  }
}

/** The first page was shown: the view has seen the channel through {@code seq}. */
export function startAt(view, seq) {
  view.seq = seq;
  drain(view);
}

/**
 * Fetches the events after the last number seen, page by page, and shows them; then the live
 * events that waited. Also the resume after a reconnect.
 */
export async function fillGap(view) {
  if (view.filling || view.seq === null) {
    return;
  }
  view.filling = true;
  try {
    let more = true;
    while (more && view === state.view) {
      const page = await state.bus.request(Addresses.HISTORY, { channel: view.name, afterSeq: view.seq, limit: GAP_PAGE });
      if (view !== state.view) {
        return;
      }
      const stick = nearBottom();
      for (const event of page.events) {
        if (event.seq > view.seq) {
          apply(view, event, stick);
        }
      }
      view.seq = Math.max(view.seq, page.seq);
      more = page.more;
    }
  } catch (e) {
    return; // the next event or reconnect asks again
  } finally {
    view.filling = false;
  }
  drain(view);
}

/** Looks once more a little later: a publish right after our registration may have missed us. */
export function fillGapSoon(view) {
  setTimeout(() => fillGap(view), LOOK_AGAIN_MS);
}

/** Shows the waiting live events that follow on, drops the ones seen; a gap left is fetched. */
function drain(view) {
  const stick = nearBottom();
  for (const seq of [...view.waiting.keys()].sort((a, b) => a - b)) {
    const event = view.waiting.get(seq);
    if (seq <= view.seq) {
      view.waiting.delete(seq);
    } else if (seq === view.seq + 1) {
      view.waiting.delete(seq);
      view.seq = seq;
      apply(view, event, stick);
    } else {
      fillGap(view);
      return;
    }
  }
}

function apply(view, event, stick) {
  switch (event.type) {
    case "message":
      if (view.gapAfter !== null && event.message.id > view.gapAfter) {
        view.beyond.set(event.message.id, event.message); // opened at an older message: shown when the pages reach it
        noteNew(view, event.message, false);
      } else if (insertMessage(view, event.message, Date.now())) {
        noteNew(view, event.message, stick);
        stopTyping(view, event.message.author.id);
        if (stick) {
          scrollToBottom();
        }
      }
      break;
    case "edit":
    case "reaction": // both carry the whole message as the event left it
      updateMessage(view, event.message);
      if (view.beyond.has(event.message.id)) {
        view.beyond.set(event.message.id, event.message);
      }
      break;
    case "delete":
      removeMessage(view, event.id);
      view.beyond.delete(event.id);
      break;
    default:
      break;
  }
}
