/**
 * A stand-in for systemd running one service with Restart=always: it starts the
 * unit's ExecStart in its own process group (like the unit's cgroup), restarts it
 * whenever it exits, and can kill the whole group with SIGKILL (a power cut of the
 * service). Output of every run is kept.
 */
import type { Subprocess } from "bun";

const ROOT = new URL("../..", import.meta.url).pathname;

export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  await server.stop(true);
  return port;
}

export class Supervisor {
  output = "";
  starts = 0;
  exits: number[] = [];
  private proc: Subprocess<"ignore", "pipe", "pipe"> | null = null;
  private stopped = false;
  private loop: Promise<void>;

  constructor(
    private readonly command: string[],
    private readonly env: Record<string, string>,
    private readonly restartMs = 1000,
  ) {
    this.loop = this.run();
  }

  private async collect(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.output += decoder.decode(chunk);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.starts++;
      // setsid: the service leads its own process group, so a kill reaches the launcher and the agent it runs.
      const proc = Bun.spawn(["setsid", ...this.command], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...this.env },
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      this.proc = proc;
      const done = Promise.all([this.collect(proc.stdout), this.collect(proc.stderr)]);
      this.exits.push(await proc.exited);
      await done;
      if (!this.stopped) await Bun.sleep(this.restartMs);
    }
  }

  /** SIGKILL to the service's whole process group; it is started again after the restart delay. */
  killHard(): void {
    if (this.proc && this.proc.exitCode === null) process.kill(-this.proc.pid, "SIGKILL");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.proc && this.proc.exitCode === null) {
      process.kill(-this.proc.pid, "SIGTERM");
      const timer = setTimeout(() => this.killHard(), 10_000);
      await this.proc.exited;
      clearTimeout(timer);
    }
    await this.loop;
  }
}
