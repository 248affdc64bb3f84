// The REST side of the contract. Writes carry the double-submit CSRF header: the XSRF-TOKEN
// cookie's current value in X-XSRF-TOKEN.

/** An HTTP error with the server's {"error","message"} body. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) {
      return decodeURIComponent(value.join("="));
    }
  }
  return null;
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    if (cookie("XSRF-TOKEN") === null) {
      // A GET under /api hands out the token cookie.
      await fetch("/api/providers", { credentials: "same-origin" });
    }
    headers["X-XSRF-TOKEN"] = cookie("XSRF-TOKEN") ?? "";
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
  }
  if (response.status === 204) {
    return null;
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // not JSON: fall through with a generic message
  }
  if (!response.ok) {
    throw new ApiError(response.status, json?.error ?? "error", json?.message ?? `The server answered ${response.status}.`);
  }
  return json;
}

export const api = {
  providers: () => call("GET", "/api/providers"),
  me: () => call("GET", "/api/me"),
  channels: () => call("GET", "/api/channels"),
  createChannel: (name, isPrivate = false) => call("POST", "/api/channels", { name, private: isPrivate }),
  unread: () => call("GET", "/api/unread"),
  markRead: (name, seq) => call("POST", `/api/channels/${encodeURIComponent(name)}/read`, { seq }),
  members: (name) => call("GET", `/api/channels/${encodeURIComponent(name)}/members`),
  addMember: (name, who) => call("POST", `/api/channels/${encodeURIComponent(name)}/members`, who),
  removeMember: (name, userId) => call("DELETE", `/api/channels/${encodeURIComponent(name)}/members/${userId}`),
  openDirect: (userIds) => call("POST", "/api/direct", { with: userIds }),
  users: (q) => call("GET", `/api/users?q=${encodeURIComponent(q)}`),
  logout: () => call("POST", "/auth/logout"),
};
