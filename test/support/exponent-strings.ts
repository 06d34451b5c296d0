/** Every string in `value` (a report, deeply) written in exponent notation ("1e-8"), with its path: [] when there is none. */
export function exponentStrings(value: unknown, path = "$"): string[] {
  if (typeof value === "string") return /^-?\d+(\.\d+)?e[-+]?\d+$/i.test(value) ? [`${path}=${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => exponentStrings(v, `${path}[${i}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => exponentStrings(v, `${path}.${k}`));
  return [];
}
