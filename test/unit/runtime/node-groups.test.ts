/** lib/runtime/node-groups.ts is the one table of node groups: docker-compose.yml must run exactly those. */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { KNOWN_SERVICES } from "../../../lib/runtime/env";
import { NODE_GROUPS, NODE_GROUP_NAMES, isNodeGroup, servicesOf } from "../../../lib/runtime/node-groups";

const compose = YAML.parse(fs.readFileSync(path.resolve(__dirname, "../../../docker-compose.yml"), "utf8")) as {
  services: Record<string, { environment?: Record<string, unknown> }>;
};

describe("node groups", () => {
  const nodes = Object.entries(compose.services).filter(([, s]) => s.environment?.SERVICES !== undefined);

  it("are the node groups of docker-compose.yml, with the same SERVICES each", () => {
    expect(nodes.map(([name]) => name).sort()).toEqual([...NODE_GROUP_NAMES].sort());
    for (const [name, s] of nodes) {
      expect(isNodeGroup(name)).toBe(true);
      expect(String(s.environment!.SERVICES)).toBe(servicesOf(name as keyof typeof NODE_GROUPS));
    }
  });

  it("cover every known service exactly once", () => {
    const all = Object.values(NODE_GROUPS).flat();
    expect(all.length).toBe(new Set(all).size);
    expect([...all].sort()).toEqual([...KNOWN_SERVICES].sort());
  });

  it("start with the gateway", () => {
    expect(NODE_GROUP_NAMES[0]).toBe("gateway");
  });
});
