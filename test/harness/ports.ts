/** Free TCP ports on loopback for servers we cannot ask to pick their own (Ceph, HAProxy). */
import { createServer, type Server } from "node:net";

function listen(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

/** A port the kernel just handed out and released. */
export async function freePort(): Promise<number> {
  const server = (await listen(0))!;
  const port = (server.address() as { port: number }).port;
  await close(server);
  return port;
}

/** `count` consecutive free ports (for a daemon that binds within a range), away from the kernel's ephemeral range. */
export async function freePortRange(count: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = 20_000 + Math.floor(Math.random() * 12_000);
    const held: Server[] = [];
    for (let p = min; p < min + count; p++) {
      const s = await listen(p);
      if (!s) break;
      held.push(s);
    }
    await Promise.all(held.map(close));
    if (held.length === count) return { min, max: min + count - 1 };
  }
  throw new Error(`no ${count} consecutive free ports`);
}
