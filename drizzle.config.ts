import { defineConfig } from "drizzle-kit";

/**
 * Three migration sets: the hub's on SQLite (hub), the same schema on PostgreSQL
 * (hub-pg, derived by hub/db/schema-pg.ts), the edge agent's (edge).
 * SKYLAPSE_DB selects one; unset is the hub's SQLite set.
 */
const part = process.env.SKYLAPSE_DB === "edge" ? "edge" : process.env.SKYLAPSE_DB === "hub-pg" ? "hub-pg" : "hub";

export default defineConfig(
  part === "hub-pg"
    ? { dialect: "postgresql", schema: "./hub/db/schema-pg.ts", out: "./migrations/hub-pg" }
    : { dialect: "sqlite", schema: `./${part}/db/schema.ts`, out: `./migrations/${part}` },
);
