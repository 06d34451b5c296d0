/**
 * A parameter typed in a field, back to the JSON type its current value has: numbers stay numbers,
 * decimal strings stay strings (exact), objects are parsed. Text that is not a number where a
 * number was is sent as typed, so the config service names the field in its answer.
 */
export function coerceParam(original: unknown, input: string | boolean): unknown {
  if (typeof input === "boolean") return input;
  const text = input.trim();
  if (typeof original === "number") return text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
  if (original !== null && typeof original === "object") {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A form's parameters typed as JSON: `{ value }`, or `{ error }` for the field when the text is not JSON. */
export function parseParamsJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: "Not valid JSON" };
  }
}
