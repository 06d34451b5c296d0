export * from "./types";
export * from "./selector";
export * from "./engine";
