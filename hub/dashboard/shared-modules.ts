import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { StaticFile } from "./index";

const REPO = join(import.meta.dir, "..", "..");

/**
 * The shared TypeScript modules the dashboard imports, by the name it asks for
 * (`/dashboard/shared/<name>.js`). Only pure modules with no imports of their own:
 * the browser gets each one as a single self-contained ES module.
 */
export const SHARED_MODULES: Record<string, string> = {
  "local-time": "shared/plan/local-time.ts",
};

const transpiler = new Bun.Transpiler({ loader: "ts", target: "browser" });

/** The JavaScript served for one allow-listed shared module. */
export function transpileShared(name: string): string {
  const source = SHARED_MODULES[name];
  if (!source) throw new Error(`${name} is not a shared dashboard module`);
  const code = transpiler.transformSync(readFileSync(join(REPO, source), "utf8"));
  // A browser resolves imports against the URL, not the repo: a module that imports is not served as is.
  if (transpiler.scanImports(code).length) throw new Error(`${source} imports other modules; the dashboard cannot load it alone`);
  return code;
}

/** Every shared module as a dashboard asset, keyed "shared/<name>.js"; transpiled once, at start. */
export function sharedAssets(): Map<string, StaticFile> {
  const assets = new Map<string, StaticFile>();
  for (const name of Object.keys(SHARED_MODULES)) {
    const body = new TextEncoder().encode(transpileShared(name)) as Uint8Array<ArrayBuffer>;
    assets.set(`shared/${name}.js`, { body, type: "text/javascript; charset=utf-8", etag: `"${Bun.hash(body).toString(36)}"` });
  }
  return assets;
}
