// Server failures in plain words: the one place that says them, for every module that shows one.
import { ErrorCodes } from "./contract.js";

/** A BusError (numeric code) or an ApiError (HTTP status) as a sentence for people. */
export function plainError(e) {
  const code = e.code === undefined ? e.status : (typeof e.code === "number" ? e.code : e.status);
  switch (code) {
    case ErrorCodes.INVALID:
      return e.message ? capitalize(e.message) : "That was not accepted.";
    case ErrorCodes.NOT_SIGNED_IN:
      return "You are signed out. Reload the page to sign in again.";
    case ErrorCodes.FORBIDDEN:
      return "You are not allowed to do that.";
    case ErrorCodes.NOT_FOUND:
      return "That no longer exists.";
    case ErrorCodes.CONFLICT:
      return e.message ? capitalize(e.message) : "That already exists.";
    case ErrorCodes.RATE_LIMITED:
      return `You are going a bit fast. ${e.message ? capitalize(e.message) + "." : "Wait a moment and try again."}`;
    case ErrorCodes.STORAGE_UNAVAILABLE:
      return "The chat's storage is unavailable right now. Try again in a moment.";
    case ErrorCodes.NOT_CONNECTED:
      return "Not connected right now. Try again when the connection is back.";
    default:
      return e.message || "Something went wrong.";
  }
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
