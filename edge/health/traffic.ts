import { type DailyTraffic, InterfaceName, MAX_TRAFFIC_INTERFACES } from "../../shared/contracts/health";
import type { InterfaceCounters } from "./parse";

/**
 * One day's traffic as counted so far: the kernel's counters run from boot, so the
 * book keeps the last reading of this boot and adds what each new reading moved.
 * Kept across agent restarts (the edge's meta store).
 */
export interface TrafficBook {
  /** The camera's local day, YYYY-MM-DD. */
  day: string;
  boot_id: string | null;
  /** The counters at the last reading. */
  last: InterfaceCounters;
  /** Bytes of the day so far per interface. */
  totals: InterfaceCounters;
  /** Request bodies the agent sent to the hub this day. */
  agent_sent: number;
}

export interface TrafficReading {
  day: string;
  bootId: string | null;
  /** Null when /proc/net/dev could not be read: only the agent's own volume moves. */
  counters: InterfaceCounters | null;
  /** Bytes the agent sent to the hub since the last reading. */
  agentSent: number;
}

/**
 * The book after a reading. A new day starts from zero; a new boot (or a counter
 * that went back: a driver reload) counts the reading from zero, as the kernel did.
 */
export function advanceTraffic(book: TrafficBook | null, r: TrafficReading): TrafficBook {
  const sameDay = book !== null && book.day === r.day;
  const totals: InterfaceCounters = sameDay ? { ...book.totals } : {};
  const agent_sent = (sameDay ? book.agent_sent : 0) + r.agentSent;
  if (!r.counters) return { day: r.day, boot_id: book?.boot_id ?? r.bootId, last: book?.last ?? {}, totals, agent_sent };
  // The very first reading only sets the base (what came before is unknown); after a reboot the counters start at zero.
  const base = (name: string) => (book === null ? r.counters![name] : book.boot_id === r.bootId ? book.last[name] : undefined);
  for (const [name, now] of Object.entries(r.counters)) {
    const before = base(name);
    const rx = before && now.rx >= before.rx ? now.rx - before.rx : now.rx;
    const tx = before && now.tx >= before.tx ? now.tx - before.tx : now.tx;
    const t = totals[name] ?? { rx: 0, tx: 0 };
    totals[name] = { rx: t.rx + rx, tx: t.tx + tx };
  }
  return { day: r.day, boot_id: r.bootId, last: r.counters, totals, agent_sent };
}

/** The book as sent with a poll: the busiest interfaces, [received, sent]. */
export function dailyTraffic(book: TrafficBook): DailyTraffic {
  const busiest = Object.entries(book.totals)
    .filter(([name]) => InterfaceName.safeParse(name).success)
    .sort(([, a], [, b]) => b.rx + b.tx - (a.rx + a.tx))
    .slice(0, MAX_TRAFFIC_INTERFACES);
  return { day: book.day, ifaces: Object.fromEntries(busiest.map(([name, t]) => [name, [t.rx, t.tx]])), agent_sent: book.agent_sent };
}
