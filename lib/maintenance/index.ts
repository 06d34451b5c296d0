export * from "./registry";
export * from "./migrations";
export * from "./tables";
export * from "./retention";
export * from "./backup";
