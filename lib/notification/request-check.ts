/**
 * What a `notification.requested` message must be for its consumer to deliver it: the send
 * action refuses anything else up front (a ValidationError naming the field) instead of
 * queueing a message the consumer would retry and dead-letter, or route nowhere.
 */
import { route } from "./routing";
import type { ChannelName, Routing, Severity } from "./types";

/** Field sizes: title + "\n" + text stays under Telegram's 4096-character message limit. */
export const TITLE_MAX = 200;
export const TEXT_MAX = 3500;

export interface FieldProblem {
  field: string;
  message: string;
}

// Control characters other than tab and newlines, and UTF-16 halves without their pair
// (not encodable as UTF-8: Telegram and SMTP refuse them every time).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Problems of one text field ("" when it is deliverable). */
export function textProblem(field: string, value: string, max: number, singleLine: boolean): string | null {
  if (value.trim() === "") return `The '${field}' field must contain more than white space.`;
  if (value.length > max) return `The '${field}' field must be at most ${max} characters long.`;
  if (CONTROL.test(value)) return `The '${field}' field must not contain control characters (NUL and the like).`;
  if (LONE_SURROGATE.test(value)) return `The '${field}' field must be valid Unicode text.`;
  if (singleLine && /[\r\n]/.test(value)) return `The '${field}' field must be one line (it is the e-mail subject).`;
  return null;
}

export interface RequestToCheck {
  severity: Severity;
  title?: string;
  text: string;
  channels?: ChannelName[];
}

/** Every reason the consumer could not deliver this request with the channels configured here. */
export function checkRequest(req: RequestToCheck, routing: Routing, available: ReadonlySet<ChannelName>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const text = textProblem("text", req.text, TEXT_MAX, false);
  if (text) problems.push({ field: "text", message: text });
  if (req.title !== undefined) {
    const title = textProblem("title", req.title, TITLE_MAX, true);
    if (title) problems.push({ field: "title", message: title });
  }
  if (route(routing, { severity: req.severity, title: "", text: "", channels: req.channels }, available).length === 0) {
    const wanted = req.channels && req.channels.length > 0 ? req.channels : routing[req.severity];
    const field = req.channels && req.channels.length > 0 ? "channels" : "severity";
    const configured = [...available];
    problems.push({
      field,
      message: `No configured channel would deliver it: ${field === "channels" ? "channels" : `severity ${req.severity} is routed to`} ${wanted.join(", ") || "nothing"}, configured: ${configured.join(", ") || "none"}.`,
    });
  }
  return problems;
}
