// Search: the header's search box, the results panel (a snippet per hit with its matches in
// <mark>, channel, author and time; "More results" pages on) and the jump to a hit. The snippet
// arrives as parts {text, match}; each becomes a text node (in a <mark> when it is a match), so
// nothing a person wrote is ever parsed as markup.
import { Addresses, ErrorCodes } from "./contract.js";
import { plainError } from "./errors.js";
import { $, el, timeElement, codePoints } from "./render.js";
import { state } from "./state.js";
import { openChannel } from "./view.js";

const PAGE = 20;
/** As the server's SearchRules.MAX_QUERY_CODE_POINTS. */
const MAX_QUERY = 200;

let search = null; // {q, next, more, busy}: the search on show; replies for an older one are dropped

export function wireSearch() {
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    start($("search-q").value.trim());
  });
  $("search-q").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("search-panel").hidden) {
      event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" && !$("search-panel").hidden) {
      event.preventDefault();
      $("search-list").querySelector(".search-hit")?.focus();
    }
  });
  $("search-more").addEventListener("click", () => more());
  $("search-close").addEventListener("click", () => {
    close();
    $("search-q").focus();
  });
  $("search-panel").addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
      $("search-q").focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const hits = [...$("search-list").querySelectorAll(".search-hit")];
      const at = hits.indexOf(document.activeElement);
      if (at >= 0) {
        event.preventDefault();
        hits[Math.max(0, Math.min(hits.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)))].focus();
      }
    }
  });
}

function start(q) {
  $("search-panel").hidden = false;
  $("search-list").textContent = "";
  $("search-more").hidden = true;
  $("search-title").textContent = "Search";
  if (!q) {
    search = null;
    status("Type a word to search for.");
    return;
  }
  if (codePoints(q) > MAX_QUERY) {
    search = null;
    status(`A search has at most ${MAX_QUERY} characters.`);
    return;
  }
  search = { q, next: 0, more: false, busy: false };
  $("search-title").textContent = `Results for “${q}”`;
  status("Searching…");
  more();
}

async function more() {
  const current = search;
  if (!current || current.busy) {
    return;
  }
  current.busy = true;
  $("search-more").disabled = true;
  try {
    const page = await state.bus.request(Addresses.SEARCH, { q: current.q, offset: current.next, limit: PAGE });
    if (current !== search) {
      return;
    }
    const first = current.next === 0;
    const items = page.results.map(hitElement);
    $("search-list").append(...items);
    current.next += page.results.length;
    current.more = page.more;
    $("search-more").hidden = !page.more;
    if (first && page.results.length === 0) {
      status(`No messages match “${current.q}”.`);
    } else {
      status(`${current.next}${page.more ? "+" : ""} result${current.next === 1 ? "" : "s"}`);
    }
    if (!first && items.length) {
      items[0].querySelector(".search-hit").focus();
    }
  } catch (e) {
    if (current === search) {
      status(e.code === ErrorCodes.INVALID ? plainError(e) : `Cannot search: ${plainError(e)}`);
      $("search-more").hidden = !current.more;
    }
  } finally {
    current.busy = false;
    $("search-more").disabled = false;
  }
}

function hitElement(hit) {
  const message = hit.message;
  const snippet = hit.snippet.map((part) => (part.match ? el("mark", {}, part.text) : part.text));
  return el("li", { class: "search-item" },
    el("button", { type: "button", class: "search-hit", "data-id": String(message.id), onclick: () => jump(message) },
      el("span", { class: "search-meta" },
        el("span", { class: "search-channel" }, `#${message.channel}`),
        el("span", { class: "search-author" }, message.author.name),
        timeElement(message.createdAt)),
      el("span", { class: "search-snippet" }, snippet)));
}

/** Opens the hit's channel at the message, with the messages before and after it. */
function jump(message) {
  close();
  openChannel(message.channel, message.id);
}

function close() {
  $("search-panel").hidden = true;
}

function status(text) {
  $("search-status").textContent = text;
}
