/** Validates a configuration document against its kind's schema, applying defaults. */
import Validator, { type ValidationError } from "fastest-validator";
import { isCcxtExchange } from "../cex/ccxt-ids";
import { CONFIG_KINDS, STRATEGY_PARAMS, type ConfigKind, type StrategyName } from "./kinds";

export interface FieldError {
  field: string;
  message: string;
  type: string;
}

export type ValidationResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldError[] };

const validator = new Validator({ useNewCustomCheckerFunction: true });
type Check = (value: unknown) => true | ValidationError[];

function compileAll<K extends string>(schemas: Record<K, object>): Record<K, Check> {
  const entries = Object.entries(schemas).map(([name, schema]) => [name, validator.compile(schema as never) as Check]);
  return Object.fromEntries(entries) as Record<K, Check>;
}

const checkers = compileAll<ConfigKind>(CONFIG_KINDS);
const paramCheckers = compileAll<StrategyName>(STRATEGY_PARAMS);

function toFieldErrors(errors: ValidationError[], prefix = ""): FieldError[] {
  return errors.flatMap((e) => {
    if (e.type === "objectStrict") {
      // fastest-validator reports unknown keys with no field; name each one.
      return String(e.actual).split(",").map((key) => ({
        field: prefix + key.trim(),
        message: `Unknown field '${prefix}${key.trim()}'.`,
        type: "unknownField",
      }));
    }
    const field = prefix + (e.field ?? "");
    return [{ field, message: (e.message ?? "").replace(`'${e.field}'`, `'${field}'`), type: e.type }];
  });
}

export function validateDocument(kind: ConfigKind, body: unknown): ValidationResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, errors: [{ field: "body", message: "The 'body' field must be an object.", type: "object" }] };
  }
  const value = structuredClone(body) as Record<string, unknown>;
  const result = checkers[kind](value);
  if (result !== true) return { ok: false, errors: toFieldErrors(result) };
  if (kind === "markets" && value.kind === "cex" && value.venue !== "paper" && !isCcxtExchange(String(value.venue))) {
    return { ok: false, errors: [{ field: "venue", message: `The 'venue' field must be a ccxt exchange id or "paper"; "${String(value.venue)}" is neither.`, type: "venue" }] };
  }
  if (kind === "strategies") {
    const paramsResult = paramCheckers[value.strategy as StrategyName](value.params);
    if (paramsResult !== true) return { ok: false, errors: toFieldErrors(paramsResult, "params.") };
  }
  return { ok: true, value };
}
