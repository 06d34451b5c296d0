export * from "./types";
export * from "./routing";
export * from "./telegram";
export * from "./email";
export * from "./request-check";
