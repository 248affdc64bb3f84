// The chat single-page app's entry: boot, and once signed in the chat shell (header, sidebar,
// channel view, composer) wired to one event bus. The parts live in their own modules:
// signin, channels, view, history, messages, unread, presence, composer, connection, team
// (the person's own stream and counts), members (people and direct messages); the
// shared state in state.js and the server's codes in contract.js.
import { loadChannels, showEmptyState, wireNewChannel, wireSidebar } from "./channels.js";
import { wireComposer } from "./composer.js";
import { createBus } from "./connection.js";
import { notifyMention, wireNotifications } from "./notify.js";
import { CHANNEL_NAME_REGEX } from "./contract.js";
import { $, avatar, profileLink } from "./render.js";
import { wireSearch } from "./search.js";
import { boot, signOut } from "./signin.js";
import { state } from "./state.js";
import { wireMembers } from "./members.js";
import { followUserStream } from "./team.js";
import { openChannel, wireScrolling } from "./view.js";

const CHANNEL_HASH = new RegExp(`^#/c/(${CHANNEL_NAME_REGEX})$`);

async function startChat(me) {
  state.me = me;
  $("boot").hidden = true;
  $("signin").hidden = true;
  $("chat").hidden = false;
  $("me-avatar").append(avatar(me, "small"));
  $("me-name").append(profileLink(me, "me-link", me.name));
  $("sign-out").addEventListener("click", signOut);
  wireSidebar();
  wireComposer();
  wireScrolling();
  wireNewChannel(openChannel);
  wireSearch();
  wireNotifications();

  wireMembers(openChannel);
  createBus();
  followUserStream({ mentioned: notifyMention, openDefault: () => openChannel("general") });
  await loadChannels();
  const wanted = channelFromHash() ?? me.lastChannel;
  const first = state.channels.find((c) => c.name === wanted)
    ?? state.channels.find((c) => c.name === "general")
    ?? state.channels[0];
  state.bus.open();
  if (first) {
    openChannel(first.name);
  } else {
    showEmptyState();
  }
  window.addEventListener("hashchange", () => {
    const name = channelFromHash();
    if (name && name !== state.view?.name) {
      openChannel(name);
    }
  });
  window.addEventListener("focus", () => loadChannels());
}

function channelFromHash() {
  const match = window.location.hash.match(CHANNEL_HASH);
  return match ? match[1] : null;
}

boot(startChat);
