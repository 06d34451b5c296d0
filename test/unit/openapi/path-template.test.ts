import { match } from "path-to-regexp";
import { expandPath } from "../../../lib/openapi/path-template";

describe("expandPath", () => {
	it("converts :params to {params}", () => {
		expect(expandPath("/api/v1/config/:kind/:version")).toEqual([
			{
				template: "/api/v1/config/{kind}/{version}",
				params: [{ name: "kind", wildcard: false }, { name: "version", wildcard: false }],
				omitted: [],
			},
		]);
	});

	it("keeps static paths and adds a leading slash when missing", () => {
		expect(expandPath("/health")).toEqual([{ template: "/health", params: [], omitted: [] }]);
		expect(expandPath("markets")).toEqual([{ template: "/markets", params: [], omitted: [] }]);
	});

	it("expands an optional segment into the full form first, then the short form", () => {
		expect(expandPath("/api/v1/items{/:id}")).toEqual([
			{ template: "/api/v1/items/{id}", params: [{ name: "id", wildcard: false }], omitted: [] },
			{ template: "/api/v1/items", params: [], omitted: ["id"] },
		]);
	});

	it("expands a group in the middle and nested groups", () => {
		expect(expandPath("/users{/:id}/delete").map((v) => v.template)).toEqual(["/users/{id}/delete", "/users/delete"]);
		expect(expandPath("/a{/:b{/:c}}")).toEqual([
			{ template: "/a/{b}/{c}", params: [{ name: "b", wildcard: false }, { name: "c", wildcard: false }], omitted: [] },
			{ template: "/a/{b}", params: [{ name: "b", wildcard: false }], omitted: ["c"] },
			{ template: "/a", params: [], omitted: ["b", "c"] },
		]);
		// `/x/{b}` would have the shape of `/x/{a}`, which path-to-regexp matches first.
		expect(expandPath("/x{/:a}{/:b}").map((v) => [v.template, v.omitted])).toEqual([
			["/x/{a}/{b}", []],
			["/x/{a}", ["b"]],
			["/x", ["a", "b"]],
		]);
	});

	it("handles wildcards, quoted names, escapes and groups without params", () => {
		expect(expandPath("/files/*path")).toEqual([{ template: "/files/{path}", params: [{ name: "path", wildcard: true }], omitted: [] }]);
		expect(expandPath('/pairs/:"base-quote"').map((v) => v.template)).toEqual(["/pairs/{base-quote}"]);
		expect(expandPath("/ticker\\:last/:id").map((v) => v.template)).toEqual(["/ticker:last/{id}"]);
		expect(expandPath("/report{.csv}").map((v) => [v.template, v.omitted])).toEqual([["/report.csv", []], ["/report", []]]);
		expect(expandPath("{/:id}").map((v) => v.template)).toEqual(["/{id}", "/"]);
	});

	it("rejects what path-to-regexp 8 rejects", () => {
		expect(() => expandPath("/items/:id?")).toThrow("Unexpected ? at index 10 in path \"/items/:id?\"");
		expect(() => expandPath("/items{/:id")).toThrow("Unexpected end, expected }");
		expect(() => expandPath("/items/:")).toThrow("Missing parameter name");
		expect(() => expandPath('/items/:"id')).toThrow("Unterminated quote");
	});

	// path-to-regexp 8 is what moleculer-web 0.11 matches aliases with: every expanded
	// template, filled in, must match the original alias with the same parameters.
	it.each(["/api/v1/config/:kind/:version", "/items{/:id}", "/a{/:b{/:c}}", "/x{/:a}{/:b}", "/files/*path", '/pairs/:"base-quote"', "/report{.csv}"])(
		"agrees with path-to-regexp on %s",
		(alias) => {
			const matcher = match(alias, { decode: false });
			for (const variant of expandPath(alias)) {
				const values = Object.fromEntries(variant.params.map((p, i) => [p.name, `v${i}`]));
				const url = variant.template.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name]);
				const result = matcher(url);
				expect(result && Object.fromEntries(Object.entries(result.params).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]))).toEqual(values);
			}
		},
	);
});
