import { openDatabase } from "../../shared/sqlite";
import * as schema from "./schema";

export function openHubDb(path: string) {
  return openDatabase(path, "hub", schema);
}

export type HubDb = ReturnType<typeof openHubDb>["db"];
export { schema };
