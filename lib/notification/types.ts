export type Severity = "info" | "warning" | "critical";
export type ChannelName = "telegram" | "email";

/** Which delivery channels each severity goes to. */
export type Routing = Record<Severity, ChannelName[]>;

/** What one durable-bus message becomes: a title and a plain-text body. */
export interface Notification {
  severity: Severity;
  title: string;
  text: string;
  /** Restricts delivery to these channels (notification.requested only); default: the routing. */
  channels?: ChannelName[];
}
