// Connection and resume: the event-bus socket, the Connected / Reconnecting… / Offline pill, and
// on every reconnect fetching what was missed by id and resending what waited in the outbox.
import { loadChannels } from "./channels.js";
import { resendOutbox } from "./composer.js";
import { BridgeCodes } from "./contract.js";
import { EventBus } from "./eventbus.js";
import { loadLatest, catchUp, catchUpSoon } from "./history.js";
import { $ } from "./render.js";
import { checkStillSignedIn } from "./signin.js";
import { state } from "./state.js";

// Events published by different nodes can reach us a few milliseconds out of id order, so on a
// reconnect we resume from the newest id that had been with us for this long, and dedupe by id.
const RESUME_MARGIN_MS = 1_000;

/** Creates the app's event bus as state.bus; the caller opens it. */
export function createBus() {
  state.bus = new EventBus("/eventbus", {
    onState: showConnection,
    onOpen: connected,
    onClose: (event) => {
      state.disconnectedAt = Date.now();
      if (event.code === BridgeCodes.SIGNED_OUT) {
        checkStillSignedIn();
      }
    },
    onAccessDenied: () => checkStillSignedIn(),
  });
}

function connected() {
  const first = !state.everConnected;
  state.everConnected = true;
  const view = state.view;
  if (!view) {
    return;
  }
  if (!view.loaded) {
    loadLatest(view);
  } else {
    const after = resumePoint(view);
    catchUp(view, after);
    catchUpSoon(view, after);
    resendOutbox(view);
  }
  if (!first) {
    loadChannels();
  }
}

function showConnection(connection, detail) {
  const status = $("status");
  status.dataset.state = connection;
  document.body.classList.toggle("disconnected", connection !== "connected");
  const words = {
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: "Reconnecting…",
    offline: "Offline",
  };
  status.textContent = words[connection];
  status.title = detail.retryInMs ? `Next attempt in ${Math.ceil(detail.retryInMs / 1000)} s` : "";
}

/** The id to resume after: the newest one received at least RESUME_MARGIN_MS before the drop. */
function resumePoint(view) {
  const cutoff = (state.disconnectedAt ?? Date.now()) - RESUME_MARGIN_MS;
  let settled = 0;
  let oldestRecent = null;
  for (const [id, entry] of view.entries) {
    if (entry.receivedAt <= cutoff) {
      settled = Math.max(settled, id);
    } else {
      oldestRecent = oldestRecent === null ? id : Math.min(oldestRecent, id);
    }
  }
  if (settled > 0) {
    return oldestRecent === null ? settled : Math.min(settled, oldestRecent - 1);
  }
  return oldestRecent === null ? 0 : oldestRecent - 1;
}
