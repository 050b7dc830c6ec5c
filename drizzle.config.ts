import { defineConfig } from "drizzle-kit";

/** Two databases: the hub's and the edge agent's. SKYLAPSE_DB=edge selects the agent's. */
const part = process.env.SKYLAPSE_DB === "edge" ? "edge" : "hub";

export default defineConfig({
  dialect: "sqlite",
  schema: `./${part}/db/schema.ts`,
  out: `./migrations/${part}`,
});
