// Connection and resume: the event-bus socket, the Connected / Reconnecting… / Offline pill, and
// on every reconnect fetching what was missed (by sequence number) and resending the outbox.
import { loadChannels } from "./channels.js";
import { resendOutbox } from "./composer.js";
import { BridgeCodes } from "./contract.js";
import { EventBus } from "./eventbus.js";
import { loadLatest } from "./history.js";
import { $ } from "./render.js";
import { fillGap, fillGapSoon } from "./sequence.js";
import { checkStillSignedIn } from "./signin.js";
import { state } from "./state.js";

/** Creates the app's event bus as state.bus; the caller opens it. */
export function createBus() {
  state.bus = new EventBus("/eventbus", {
    onState: showConnection,
    onOpen: connected,
    onClose: (event) => {
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
    fillGap(view);
    fillGapSoon(view);
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
