/**
 * Reading fastest-validator rules without trusting their shape: every rule form
 * (shorthand string, object, array of alternatives, `$$type` object) is turned into a
 * plain rule record, the way fastest-validator 1.19's `resolveType` does, but without
 * mutating the caller's schema.
 */

export type RuleRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is RuleRecord {
	return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof RegExp);
}

export function numberOf(value: unknown): number | undefined {
	return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function stringOf(value: unknown): string | undefined {
	return typeof value === "string" ? value : undefined;
}

/**
 * `"string|min:3|no-empty"` → `{ type: "string", min: 3, empty: false }`;
 * `"number[]|optional"` → `{ type: "array", items: "number", optional: true }`.
 * Values `true`/`false` and numerics are converted as fastest-validator does.
 */
export function parseShorthand(text: string): Record<string, unknown> {
	const parts = text.split("|").map((part) => part.trim());
	const type = parts[0] ?? "";
	const rule: Record<string, unknown> = type.endsWith("[]")
		? { type: "array", items: type.slice(0, -2) }
		: { type };
	for (const modifier of parts.slice(1)) {
		const colon = modifier.indexOf(":");
		if (colon !== -1) {
			const key = modifier.slice(0, colon).trim();
			rule[key] = shorthandValue(modifier.slice(colon + 1).trim());
		} else if (modifier.startsWith("no-")) {
			rule[modifier.slice(3)] = false;
		} else {
			rule[modifier] = true;
		}
	}
	return rule;
}

function shorthandValue(raw: string): unknown {
	if (raw === "true" || raw === "false") return raw === "true";
	return Number.isNaN(Number(raw)) ? raw : Number(raw);
}

/**
 * Any rule form → a rule record with a `type` key when one can be found.
 * Arrays become `{ type: "multi", rules }`; a `$$type` object becomes an object rule
 * whose other keys are its `props`; functions become `{ type: "custom" }`.
 */
export function normalizeRule(rule: unknown): RuleRecord {
	if (typeof rule === "string") return parseShorthand(rule);
	if (Array.isArray(rule)) return { type: "multi", rules: rule };
	if (typeof rule === "function") return { type: "custom" };
	if (!isRecord(rule)) return { type: undefined };
	const $$type = rule.$$type;
	if ($$type === undefined) return rule;
	const props: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(rule)) {
		if (key !== "$$type") props[key] = value;
	}
	return { ...normalizeRule($$type), props };
}
