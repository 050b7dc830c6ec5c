import { plugin } from "bun";
import { join } from "node:path";
import { PUBLIC_DIR } from "../../hub/dashboard";
import { SHARED_MODULES, transpileShared } from "../../hub/dashboard/shared-modules";

/**
 * Lets Bun import the dashboard's plain JS modules as the browser does: an import of
 * `…/public/shared/<name>.js` (a URL the hub serves, no file) gets the same transpiled
 * shared module the hub serves. Import the dashboard modules dynamically after this one.
 */
plugin({
  name: "dashboard shared modules",
  setup(build) {
    const prefix = join(PUBLIC_DIR, "shared") + "/";
    build.onResolve({ filter: /\/shared\/[a-z-]+\.js$/ }, (args) => {
      const path = join(args.importer, "..", args.path);
      const name = path.startsWith(prefix) ? path.slice(prefix.length, -".js".length) : null;
      return name && SHARED_MODULES[name] ? { path: name, namespace: "dashboard-shared" } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: "dashboard-shared" }, (args) => ({ contents: transpileShared(args.path), loader: "js" }));
  },
});
