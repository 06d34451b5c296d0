/**
 * Gateway routes → OpenAPI 3.0.3 document.
 *
 * Each route expands into one path per optional-group combination (see path-template.ts).
 * The full form (all groups present) gets the action name as operationId; shorter forms
 * get `<action>__without_<omitted params>`. Any remaining clash (one action behind
 * several routes) gets `_<method>`, then a counter. When two routes share a method and
 * path, the first wins, as in moleculer-web's matching. Paths of one shape
 * (`/items/{id}`, `/items/{itemId}`) are one OpenAPI path named by the first route.
 * Paths are sorted for stable output. Component schemas: the error bodies, and those of
 * `library` (by default lib/openapi/responses) that the operations reference, transitively.
 */
import { buildComponents } from "./components";
import { RESPONSE_SCHEMAS } from "./responses";
import { buildOperation } from "./operation";
import { expandPath, PathVariant, templateNames, templateShape } from "./path-template";
import { OpenApiDocument, OpenApiInfo, OperationObject, PathItemObject, RouteDescriptor, SchemaObject } from "./types";

type MethodKey = keyof PathItemObject;
const METHOD_ORDER: readonly MethodKey[] = ["get", "put", "post", "delete", "patch"];

export function buildOpenApiDocument(
	routes: readonly RouteDescriptor[],
	info: OpenApiInfo,
	library: Readonly<Record<string, SchemaObject>> = RESPONSE_SCHEMAS,
): OpenApiDocument {
	const operations = new Map<string, Map<MethodKey, OperationObject>>();
	const templateByShape = new Map<string, string>();
	const usedIds = new Set<string>();
	for (const route of routes) {
		const variants = expandPath(route.path);
		const full = variants[0].template;
		const method = route.method.toLowerCase() as MethodKey;
		variants.forEach((variant, index) => {
			// Templates of one shape are one OpenAPI path: the first route names its parameters.
			const shape = templateShape(variant.template);
			const template = templateByShape.get(shape) ?? variant.template;
			templateByShape.set(shape, template);
			const byMethod = operations.get(template) ?? new Map<MethodKey, OperationObject>();
			if (byMethod.has(method)) return;
			const operationId = uniqueId(baseId(route.action, variant, full, index), method, usedIds);
			byMethod.set(method, buildOperation(route, variant, { operationId, fullTemplate: full, templateNames: templateNames(template) }));
			operations.set(template, byMethod);
		});
	}

	const paths: Record<string, PathItemObject> = {};
	const tags = new Set<string>();
	for (const template of [...operations.keys()].sort()) {
		const byMethod = operations.get(template) ?? new Map<MethodKey, OperationObject>();
		const item: PathItemObject = {};
		for (const method of METHOD_ORDER) {
			const operation = byMethod.get(method);
			if (operation === undefined) continue;
			item[method] = operation;
			operation.tags.forEach((tag) => tags.add(tag));
		}
		paths[template] = item;
	}

	return {
		openapi: "3.0.3",
		info: { ...info },
		tags: [...tags].sort().map((name) => ({ name })),
		paths,
		components: buildComponents(referenced(paths, library)),
	};
}

const REF = /"#\/components\/schemas\/([^"]+)"/g;

/** The schemas of `library` that `root` references, and those they reference. */
function referenced(root: unknown, library: Readonly<Record<string, SchemaObject>>): Record<string, SchemaObject> {
	const found: Record<string, SchemaObject> = {};
	const queue = [JSON.stringify(root)];
	for (let json = queue.pop(); json !== undefined; json = queue.pop()) {
		for (const [, name] of json.matchAll(REF)) {
			const schema = library[name];
			if (schema === undefined || name in found) continue;
			found[name] = schema;
			queue.push(JSON.stringify(schema));
		}
	}
	return Object.fromEntries(Object.keys(found).sort().map((name) => [name, found[name]]));
}

function baseId(action: string, variant: PathVariant, fullTemplate: string, index: number): string {
	if (variant.template === fullTemplate) return action;
	return variant.omitted.length > 0 ? `${action}__without_${variant.omitted.join("_")}` : `${action}__variant${index}`;
}

function uniqueId(base: string, method: string, used: Set<string>): string {
	let id = base;
	if (used.has(id)) id = `${base}_${method}`;
	for (let n = 2; used.has(id); n++) id = `${base}_${method}_${n}`;
	used.add(id);
	return id;
}
