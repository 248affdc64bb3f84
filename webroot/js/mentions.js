// "@name" in a message, exactly as the server found it: each of the message's `mentions`
// ({id, name}) is shown as a <span class="mention"> where its "@name" is written (compared
// case-insensitively, by the server's rule: the "@" at the start, after white space or after an
// opening bracket or quote; the name ending at a word's end; the longest name first). Any other
// "@..." stays plain text. Text only ever reaches the page as text nodes.
import { el, linkify } from "./render.js";
import { state } from "./state.js";

const NAME_CHAR = /^[\p{L}\p{N}_]$/u;
const MAY_PRECEDE = /^[\s([{<"'\u201c\u2018\u00ab]$/u;

/** Whether someone else's message mentions the signed-in person. */
export function mentionsMe(message) {
  return message.author.id !== state.me.id && (message.mentions ?? []).some((m) => m.id === state.me.id);
}

/** The message's text as a fragment: its mentions highlighted (mine as "mention-me"), links linked. */
export function messageText(message) {
  const mentions = message.mentions ?? [];
  if (mentions.length === 0) {
    return linkify(message.text);
  }
  const text = message.text;
  const names = [...new Set(mentions.map((m) => m.name.toLowerCase()))].sort((a, b) => b.length - a.length);
  const mine = new Set(mentions.filter((m) => m.id === state.me.id).map((m) => m.name.toLowerCase()));
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    if (at > 0 && !MAY_PRECEDE.test(codePointBefore(text, at))) {
      continue;
    }
    const name = names.find((n) => endsAt(text, at + 1, n));
    if (name === undefined) {
      continue;
    }
    const end = at + 1 + name.length;
    fragment.append(linkify(text.slice(last, at)));
    fragment.append(el("span", { class: mine.has(name) ? "mention mention-me" : "mention" }, text.slice(at, end)));
    last = end;
    at = end - 1;
  }
  fragment.append(linkify(text.slice(last)));
  return fragment;
}

/** Whether `name` (lower case) is written at `start` and ends there at a word's end. */
function endsAt(text, start, name) {
  const end = start + name.length;
  if (end > text.length || text.slice(start, end).toLowerCase() !== name) {
    return false;
  }
  return end === text.length || !NAME_CHAR.test(codePointAt(text, end)) || !NAME_CHAR.test(codePointBefore(text, end));
}

function codePointAt(text, i) {
  return String.fromCodePoint(text.codePointAt(i));
}

function codePointBefore(text, i) {
  const low = text.charCodeAt(i - 1);
  return low >= 0xdc00 && low <= 0xdfff && i >= 2 ? text.slice(i - 2, i) : text.slice(i - 1, i);
}
