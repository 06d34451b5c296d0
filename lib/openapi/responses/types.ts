import type { SchemaObject } from "../types";

/** Full action name (`cex.createOrder`) → JSON Schema of the body its route answers with on success. */
export type ActionResponses = Readonly<Record<string, SchemaObject>>;

/** Component name → schema, referenced as `#/components/schemas/<name>`. */
export type ComponentSchemas = Readonly<Record<string, SchemaObject>>;
