// DOM building helpers. User text only ever reaches the page through text nodes
// (textContent / createTextNode), never through innerHTML.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** document.createElement with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (key === "class") {
      node.className = value;
    } else if (key === "text") {
      node.textContent = value;
    } else if (key.startsWith("on")) {
      node.addEventListener(key.slice(2), value);
    } else {
      node.setAttribute(key, value === true ? "" : value);
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

/** The URL when it is an absolute http(s) URL, else null. */
export function httpUrl(value) {
  if (typeof value !== "string") {
    return null;
  }
  try {
    const url = new URL(value, window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

const LINK = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}]+$/;

/**
 * The text as a fragment of text nodes and links; only http and https become links, so
 * "javascript:" and friends stay plain text. Newlines are kept by CSS (white-space: pre-wrap).
 */
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let candidate = match[0];
    const trailing = candidate.match(TRAILING);
    if (trailing && !(trailing[0].startsWith(")") && candidate.includes("("))) {
      candidate = candidate.slice(0, -trailing[0].length);
    }
    const href = httpUrl(candidate);
    if (!href) {
      continue;
    }
    fragment.append(document.createTextNode(text.slice(last, match.index)));
    fragment.append(el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text: candidate }));
    last = match.index + candidate.length;
  }
  fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric", year: "numeric" });

/** A <time> in the reader's locale, with the full date as a tooltip. */
export function timeElement(iso) {
  const date = new Date(iso);
  return el("time", { datetime: iso, title: fullFormat.format(date) }, timeFormat.format(date));
}

export function dayLabel(iso) {
  const date = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (sameDay(date, today)) {
    return "Today";
  }
  if (sameDay(date, yesterday)) {
    return "Yesterday";
  }
  return dayFormat.format(date);
}

export function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** An avatar image, wrapped in a link to the profile when there is one. */
export function avatar(user, size = "") {
  const src = httpUrl(user.avatarUrl);
  const img = src
    ? el("img", { class: `avatar ${size}`, src, alt: "", width: 36, height: 36, loading: "lazy", decoding: "async" })
    : el("span", { class: `avatar avatar-fallback ${size}`, "aria-hidden": "true" }, initials(user.name));
  return img;
}

/** The person's name, linked to the profile (in a new tab, without opener or referrer). */
export function profileLink(user, className, content) {
  const href = httpUrl(user.profileUrl);
  if (!href) {
    return el("span", { class: className }, content);
  }
  return el("a", { class: className, href, target: "_blank", rel: "noopener noreferrer" }, content);
}

function initials(name) {
  return (name || "?").trim().split(/\s+/).slice(0, 2).map((w) => [...w][0] ?? "").join("").toUpperCase() || "?";
}

/** Code points, as the server counts them. */
export function codePoints(text) {
  let n = 0;
  for (const _ of text) {
    n += 1;
  }
  return n;
}
