/** Plain-text replies of the Telegram commands (pure formatting). */

interface NodeInfo {
  id: string;
  available?: boolean;
  local?: boolean;
}
interface ServiceInfo {
  name: string;
  nodes?: string[];
  available?: boolean;
}
interface Health {
  cpu?: { utilization?: number };
  mem?: { percent?: number };
  process?: { uptime?: number };
}

export function statusReply(nodes: NodeInfo[], services: ServiceInfo[], health: Health): string {
  const names = [...new Set(services.map((s) => s.name))].sort();
  const lines = [
    "mmesh status",
    `nodes (${nodes.length}): ${nodes.map((n) => `${n.id}${n.available === false ? " (down)" : ""}`).join(", ") || "none"}`,
    `services (${names.length}): ${names.join(", ") || "none"}`,
  ];
  const cpu = health.cpu?.utilization;
  const mem = health.mem?.percent;
  const uptime = health.process?.uptime;
  lines.push(`this node: cpu ${cpu ?? "?"}%, mem ${typeof mem === "number" ? mem.toFixed(0) : "?"}%, uptime ${typeof uptime === "number" ? Math.round(uptime) : "?"} s`);
  return lines.join("\n");
}

/** Any JSON answer as compact text, cut to what a Telegram message holds. */
export function dataReply(title: string, data: unknown): string {
  let body: string;
  try {
    body = JSON.stringify(data, null, 1) ?? String(data);
  } catch {
    body = String(data);
  }
  const text = `${title}\n${body}`;
  return text.length > 3800 ? `${text.slice(0, 3797)}...` : text;
}
