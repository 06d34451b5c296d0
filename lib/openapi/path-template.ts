/**
 * moleculer-web 0.11 alias paths (path-to-regexp 8 syntax) → OpenAPI path templates.
 *
 * `:name` and `:"quoted name"` are parameters, `*name` a wildcard (several segments),
 * `{...}` an optional group (groups nest), `\x` a literal character.
 * OpenAPI path parameters are always required, so an optional group cannot be one
 * template: each route expands into one template per combination of groups, the
 * longest (every group present) first. `/items{/:id}` → `/items/{id}`, `/items`.
 * A combination with the shape of an earlier one (`/x{/:a}{/:b}` → `/x/{b}` after
 * `/x/{a}`) is dropped: path-to-regexp never reaches it.
 */

export interface PathParam {
	name: string;
	/** `*name`: matches one or more whole segments, `/` included. */
	wildcard: boolean;
}

export interface PathVariant {
	/** OpenAPI template, e.g. `/api/v1/config/{kind}`. */
	template: string;
	/** Parameters present in this template, in order. */
	params: PathParam[];
	/** Parameters of the route that this variant leaves out (inside omitted groups). */
	omitted: string[];
}

type Token =
	| { kind: "text"; value: string }
	| { kind: "param"; name: string; wildcard: boolean }
	| { kind: "group"; tokens: Token[] };

type Piece = Exclude<Token, { kind: "group" }>;

const ID_START = /^[$_\p{ID_Start}]$/u;
const ID_CONTINUE = /^[$\u200c\u200d\p{ID_Continue}]$/u;
const RESERVED = new Set(["}", "(", ")", "[", "]", "+", "?", "!"]);

export function expandPath(path: string): PathVariant[] {
	const tokens = tokenize(path);
	const all = paramsOf(flatten(tokens));
	const seen = new Set<string>();
	const variants: PathVariant[] = [];
	for (const pieces of combinations(tokens)) {
		const joined = pieces.map((p) => (p.kind === "text" ? p.value : `{${p.name}}`)).join("");
		const template = joined.startsWith("/") ? joined : `/${joined}`;
		// `/x{/:a}{/:b}`: `/x/{b}` has the shape of `/x/{a}`, which path-to-regexp tries first.
		if (seen.has(templateShape(template))) continue;
		seen.add(templateShape(template));
		const params = paramsOf(pieces);
		const present = new Set(params.map((p) => p.name));
		variants.push({ template, params, omitted: all.filter((p) => !present.has(p.name)).map((p) => p.name) });
	}
	return variants;
}

/** The template with parameter names erased: OpenAPI treats templates of equal shape as the same path. */
export function templateShape(template: string): string {
	return template.replace(/\{[^}]*\}/g, "{}");
}

/** Parameter names of an OpenAPI template, in order. */
export function templateNames(template: string): string[] {
	return [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
}

function tokenize(path: string): Token[] {
	const chars = [...path];
	let index = 0;
	const fail = (message: string, at: number = index): never => {
		throw new TypeError(`${message} at index ${at} in path "${path}"`);
	};

	function readName(): string {
		let name = "";
		if (chars[index] !== undefined && ID_START.test(chars[index])) {
			do name += chars[index++];
			while (chars[index] !== undefined && ID_CONTINUE.test(chars[index]));
		} else if (chars[index] === '"') {
			index++;
			while (chars[index] !== '"') {
				if (index >= chars.length) fail("Unterminated quote");
				if (chars[index] === "\\") index++;
				if (index >= chars.length) fail("Unterminated quote");
				name += chars[index++];
			}
			index++;
		}
		return name || fail("Missing parameter name");
	}

	function until(end: string): Token[] {
		const out: Token[] = [];
		let text = "";
		const flush = (): void => {
			if (text) out.push({ kind: "text", value: text });
			text = "";
		};
		while (index < chars.length) {
			const ch = chars[index++];
			if (ch === end) {
				flush();
				return out;
			}
			if (ch === "\\") {
				if (index >= chars.length) fail("Unexpected end after \\");
				text += chars[index++];
			} else if (ch === ":" || ch === "*") {
				flush();
				out.push({ kind: "param", name: readName(), wildcard: ch === "*" });
			} else if (ch === "{") {
				flush();
				out.push({ kind: "group", tokens: until("}") });
			} else if (RESERVED.has(ch)) {
				fail(`Unexpected ${ch}`, index - 1);
			} else {
				text += ch;
			}
		}
		if (end) fail(`Unexpected end, expected ${end}`);
		flush();
		return out;
	}

	return until("");
}

/** Every way of keeping or dropping each group; the first keeps all groups. */
function combinations(tokens: readonly Token[]): Piece[][] {
	let results: Piece[][] = [[]];
	for (const token of tokens) {
		const options: Piece[][] = token.kind === "group" ? [...combinations(token.tokens), []] : [[token]];
		results = results.flatMap((prefix) => options.map((option) => [...prefix, ...option]));
	}
	return results.map(mergeText);
}

function mergeText(pieces: readonly Piece[]): Piece[] {
	const merged: Piece[] = [];
	for (const piece of pieces) {
		const last = merged[merged.length - 1];
		if (piece.kind === "text" && last !== undefined && last.kind === "text") {
			merged[merged.length - 1] = { kind: "text", value: last.value + piece.value };
		} else {
			merged.push(piece);
		}
	}
	return merged;
}

function flatten(tokens: readonly Token[]): Piece[] {
	return tokens.flatMap((t) => (t.kind === "group" ? flatten(t.tokens) : [t]));
}

function paramsOf(pieces: readonly Piece[]): PathParam[] {
	return pieces.flatMap((p) => (p.kind === "param" ? [{ name: p.name, wildcard: p.wildcard }] : []));
}
