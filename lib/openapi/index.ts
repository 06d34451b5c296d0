export { buildOpenApiDocument } from "./document";
export { fastestValidatorToJsonSchema } from "./fv-to-json-schema";
export { expandPath } from "./path-template";
export type { PathParam, PathVariant } from "./path-template";
export * from "./types";
export { ACTION_RESPONSES, RESPONSE_SCHEMAS } from "./responses";
export { toTypeScript, libraryTypeScript } from "./to-typescript";
