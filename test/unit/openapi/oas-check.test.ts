import { buildOpenApiDocument } from "../../../lib/openapi/document";
import { checkOpenApi30 } from "./oas-check";

/** The checker must catch what it claims to catch, or a passing validity test means nothing. */
describe("checkOpenApi30", () => {
	const valid = (): Record<string, any> =>
		JSON.parse(JSON.stringify(buildOpenApiDocument(
			[
				{ method: "GET", path: "/a/:id", action: "a.get", params: { id: "string", q: "number|optional" }, auth: true },
				{ method: "POST", path: "/b", action: "b.create", params: { n: "number" }, auth: false },
			],
			{ title: "t", version: "1" },
		)));

	it("accepts the generated document", () => {
		expect(checkOpenApi30(valid())).toEqual([]);
	});

	it.each<[string, (doc: Record<string, any>) => void, string[]]>([
		["wrong version", (d) => { d.openapi = "3.1.0"; }, ["#/openapi: must be 3.0.x"]],
		["missing info.version", (d) => { delete d.info.version; }, ["#/info: needs string title and version"]],
		["dangling $ref", (d) => { delete d.components.responses.NotFound; }, [
			"#/paths/~1a~1{id}/get/responses/404: unresolved $ref #/components/responses/NotFound",
			"#/paths/~1b/post/responses/404: unresolved $ref #/components/responses/NotFound",
			"#/paths/~1a~1{id}/get/responses/404: response needs a description",
			"#/paths/~1b/post/responses/404: response needs a description",
		]],
		["undeclared path param", (d) => { d.paths["/a/{id}"].get.parameters.shift(); }, ["#/paths/~1a~1{id}/get: path parameter {id} not declared"]],
		["optional path param", (d) => { d.paths["/a/{id}"].get.parameters[0].required = false; }, ["#/paths/~1a~1{id}/get/parameters/0: path parameter must be required: true"]],
		["duplicate operationId", (d) => { d.paths["/b"].post.operationId = "a.get"; }, ['#/paths/~1b/post: operationId "a.get" also used at #/paths/~1a~1{id}/get']],
		["unknown security scheme", (d) => { d.paths["/b"].post.security = [{ apiKey: [] }]; }, ['#/paths/~1b/post/security/0: unknown security scheme "apiKey"']],
		["non-3.0 schema keyword", (d) => { d.paths["/b"].post.requestBody.content["application/json"].schema.properties.n.const = 1; }, [
			'#/paths/~1b/post/requestBody/content/application~1json/schema/properties/n: unknown key "const"',
		]],
		["3.1 numeric exclusiveMinimum", (d) => { d.paths["/b"].post.requestBody.content["application/json"].schema.properties.n.exclusiveMinimum = 0; }, [
			"#/paths/~1b/post/requestBody/content/application~1json/schema/properties/n: exclusiveMinimum must be a boolean in OpenAPI 3.0",
		]],
		["array without items", (d) => { d.components.schemas.Error.properties.list = { type: "array" }; }, ["#/components/schemas/Error/properties/list: array schema needs items"]],
		["empty required", (d) => { d.components.schemas.Error.properties.error.required = []; }, [
			"#/components/schemas/Error/properties/error: required must be a non-empty array of unique strings",
		]],
		["equivalent templates", (d) => { d.paths["/a/{key}"] = d.paths["/a/{id}"]; }, [
			"#/paths/~1a~1{key}: equivalent to /a/{id}",
			"#/paths/~1a~1{key}/get: path parameter {key} not declared",
			'#/paths/~1a~1{key}/get: path parameter "id" not in the template',
			'#/paths/~1a~1{key}/get: operationId "a.get" also used at #/paths/~1a~1{id}/get',
		]],
		["response without description", (d) => { d.paths["/b"].post.responses["200"] = {}; }, ["#/paths/~1b/post/responses/200: response needs a description"]],
	])("reports %s", (_name, breakIt, expected) => {
		const doc = valid();
		breakIt(doc);
		expect(checkOpenApi30(doc)).toEqual(expected);
	});
});
