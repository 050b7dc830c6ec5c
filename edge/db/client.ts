import { openDatabase } from "../../shared/sqlite";
import * as schema from "./schema";

export function openEdgeDb(path: string) {
  return openDatabase(path, "edge", schema);
}

export type EdgeDb = ReturnType<typeof openEdgeDb>["db"];
