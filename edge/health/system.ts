/**
 * The Pi's own health sources: kernel files under /proc and /sys, the firmware's
 * throttle bits (sysfs, else `vcgencmd get_throttled`) and ModemManager's `mmcli`.
 * A file or tool that is missing, slow or says something unexpected gives null.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseBootId, parseDefaultRoute, parseLoadavg, parseMeminfo, parseMmcli, parseNetDev, parseThermal, parseThrottled, parseUptime, parseWireless } from "./parse";
import type { HealthReading, HealthSource } from "./source";

export interface SystemHealthOptions {
  /** Prefix of /proc and /sys (tests point it at a tree of fixture files). */
  root?: string;
  /** The data directory's file system: free and total bytes, or null. */
  disk: () => { free_bytes: number; total_bytes: number } | null;
  /** The tools, on PATH or as paths; null: do not run it. */
  vcgencmd?: string | null;
  mmcli?: string | null;
  /** Real ms a tool may take before it is killed and its answer counted as missing. */
  commandTimeoutMs?: number;
}

const HEALTH_FILES = {
  thermal: "sys/class/thermal/thermal_zone0/temp",
  throttled: "sys/devices/platform/soc/soc:firmware/get_throttled",
  loadavg: "proc/loadavg",
  meminfo: "proc/meminfo",
  uptime: "proc/uptime",
  bootId: "proc/sys/kernel/random/boot_id",
  netDev: "proc/net/dev",
  wireless: "proc/net/wireless",
  route: "proc/net/route",
} as const;

const MB = 1024 * 1024;

export class SystemHealth implements HealthSource {
  private readonly root: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: SystemHealthOptions) {
    this.root = options.root ?? "/";
    this.timeoutMs = options.commandTimeoutMs ?? 2000;
  }

  async read(_at: number): Promise<HealthReading> {
    const [thermal, throttledFile, loadavg, meminfo, uptime, bootId, netDev, wireless, route] = await Promise.all(
      Object.values(HEALTH_FILES).map((path) => this.file(path)),
    );
    const throttledText = throttledFile ?? (this.options.vcgencmd === null ? null : await this.command([this.options.vcgencmd ?? "vcgencmd", "get_throttled"]));
    const mem = meminfo === null ? null : parseMeminfo(meminfo);
    const disk = this.options.disk();
    return {
      soc_temp_c: thermal === null ? null : parseThermal(thermal),
      throttled: throttledText === null ? null : parseThrottled(throttledText),
      load: loadavg === null ? null : parseLoadavg(loadavg),
      mem_total_mb: mem?.total_mb ?? null,
      mem_available_mb: mem?.available_mb ?? null,
      uptime_s: uptime === null ? null : parseUptime(uptime),
      boot_id: bootId === null ? null : parseBootId(bootId),
      disk_free_mb: disk ? Math.floor(disk.free_bytes / MB) : null,
      disk_total_mb: disk ? Math.floor(disk.total_bytes / MB) : null,
      link: await this.link(route, wireless),
      counters: netDev === null ? null : parseNetDev(netDev),
    };
  }

  private async link(route: string | null, wireless: string | null): Promise<HealthReading["link"]> {
    const iface = route === null ? null : parseDefaultRoute(route);
    const levels = wireless === null ? {} : parseWireless(wireless);
    const wifi = iface !== null ? levels[iface] : Object.values(levels)[0];
    const modem = this.options.mmcli === null ? null : await this.command([this.options.mmcli ?? "mmcli", "-m", "0", "--output-json"]);
    const cell = modem === null ? null : parseMmcli(modem);
    if (iface === null && wifi === undefined && cell === null) return null;
    return { iface, wifi_dbm: wifi ?? null, cell_quality: cell?.quality ?? null, cell_tech: cell?.tech ?? null };
  }

  private async file(path: string): Promise<string | null> {
    try {
      return await readFile(join(this.root, path), "utf8");
    } catch {
      return null;
    }
  }

  /** A tool's stdout, or null when it cannot start, fails or outlives the timeout (its process group is killed). */
  private async command(argv: string[]): Promise<string | null> {
    let proc;
    try {
      proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "ignore", detached: true });
    } catch {
      return null;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        try {
          process.kill(-proc.pid, "SIGKILL");
        } catch {
          proc.kill("SIGKILL");
        }
        resolve(null);
      }, this.timeoutMs);
    });
    const answer = Promise.all([new Response(proc.stdout).text(), proc.exited]).then(
      ([out, code]) => (code === 0 ? out : null),
      () => null,
    );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
