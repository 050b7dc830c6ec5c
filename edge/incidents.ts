import type { Incident } from "../shared/contracts/sync";
import type { MetaStore } from "./capture/log";

const KEPT = 50;

/** The agent's recent incidents, durable in the meta table and reported with every poll. */
export class Incidents {
  constructor(
    private readonly meta: MetaStore,
    private readonly now: () => number,
  ) {}

  list(): Incident[] {
    return JSON.parse(this.meta.get("incidents") ?? "[]") as Incident[];
  }

  /** Records an incident; a repeat of the latest one updates it with a count instead of flooding the list. */
  add(kind: Incident["kind"], detail: string): void {
    const list = this.list();
    const last = list[list.length - 1];
    const at = new Date(this.now()).toISOString();
    if (last?.kind === kind && last.detail.replace(/ \(×\d+\)$/, "") === detail.slice(0, 480)) {
      const times = Number(last.detail.match(/ \(×(\d+)\)$/)?.[1] ?? 1) + 1;
      list[list.length - 1] = { kind, at, detail: `${detail.slice(0, 480)} (×${times})` };
    } else {
      console.warn(`edge: ${kind}: ${detail}`);
      list.push({ kind, at, detail: detail.slice(0, 480) });
    }
    this.meta.set("incidents", JSON.stringify(list.slice(-KEPT)));
  }
}
