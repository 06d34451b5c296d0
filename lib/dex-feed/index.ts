export * from "./watcher";
