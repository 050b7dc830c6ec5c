/** `alerts list|ack|mute|test|maintenance|deliveries`: alerts and their notifications. */
import { type CommandSpec, parseTime, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { table, time } from "../../../shared/cli/table";

interface Alert {
  id: number;
  camera_id: string;
  kind: string;
  status: string;
  summary: string;
  since: string;
  fired_at: string | null;
  resolved_at: string | null;
  acknowledged_at: string | null;
  muted_until: string | null;
}
interface Delivery {
  id: number;
  channel_id: string;
  alert_id: number | null;
  event: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

const STATES = ["open", "firing", "acknowledged", "pending", "resolved", "all"];
/** Real ms between looks at a test delivery under --wait. */
const POLL_MS = 500;

function state(a: Alert): string {
  if (a.status !== "firing") return a.status;
  return [a.acknowledged_at ? "acknowledged" : "FIRING", a.muted_until ? `muted to ${time(a.muted_until)}` : null].filter(Boolean).join(", ");
}

function formatAlerts(r: { alerts: Alert[] }): string {
  if (!r.alerts.length) return "no alerts";
  return table(
    ["id", "camera", "kind", "state", "since", "fired", "resolved", "summary"],
    r.alerts.map((a) => [String(a.id), a.camera_id, a.kind, state(a), time(a.since), time(a.fired_at), time(a.resolved_at), a.summary]),
    ["right"],
  );
}

function formatDeliveries(r: { deliveries: Delivery[] }): string {
  if (!r.deliveries.length) return "no deliveries";
  return table(
    ["id", "channel", "alert", "event", "status", "attempts", "queued", "delivered", "last error"],
    r.deliveries.map((d) => [String(d.id), d.channel_id, d.alert_id === null ? "—" : String(d.alert_id), d.event, d.status, String(d.attempts), time(d.created_at), time(d.delivered_at), d.last_error ?? ""]),
    ["right", "left", "right", "left", "left", "right"],
  );
}

/** `90m`, `2h`, `1d` → ms. */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|h|d)$/.exec(value);
  if (!m) throw new UsageError(`--${flag}: '${value}' is not a duration (e.g. 90m, 2h, 1d)`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"];
}

/** --until ISO, or --for DURATION counted from the hub's time. */
async function until(ctx: CliContext, flags: Record<string, string | boolean | undefined>): Promise<string> {
  if (typeof flags.until === "string" && typeof flags.for === "string") throw new UsageError("give --until or --for, not both");
  if (typeof flags.until === "string") return new Date(parseTime("until", flags.until)).toISOString();
  if (typeof flags.for !== "string") throw new UsageError("needs --until ISO or --for DURATION");
  const hubNow = Date.parse((await ctx.api.get<{ time: string }>("/health")).time);
  return new Date(hubNow + parseDuration("for", flags.for)).toISOString();
}

const needId = (id: string | undefined, usage: string) => {
  if (!id) throw new UsageError(`needs ${usage}`);
  return id;
};

const alerts: CommandSpec<CliContext> = {
  name: "alerts",
  summary:
    "alerts: `alerts [list] [--state S] [--camera ID]`, `ack ID`, `mute ID --for 2h|--until ISO`, `mute --camera ID [--kind K] --for|--until`, `test [--channel ID] [--wait]`, `maintenance CAMERA --from ISO --until ISO|--for D [--reason T]`, `deliveries [--channel ID]`",
  args: [],
  optionalArgs: ["ACTION", "ID"],
  flags: {
    state: { type: "string", placeholder: "S", description: `list: ${STATES.join(", ")} (default open: pending and firing)` },
    camera: { type: "string", placeholder: "ID", description: "list: only this camera's; mute: the camera to mute (instead of an alert ID)" },
    kind: { type: "string", placeholder: "K", description: "mute --camera: only this kind (default every kind)" },
    until: { type: "string", placeholder: "ISO", description: "mute, maintenance: until this time" },
    for: { type: "string", placeholder: "DURATION", description: "mute, maintenance: for this long from the hub's time now (90m, 2h, 1d)" },
    from: { type: "string", placeholder: "ISO", description: "maintenance: start (default: the hub's time now)" },
    reason: { type: "string", placeholder: "TEXT", description: "maintenance: why" },
    channel: { type: "string", placeholder: "ID", description: "test: only this channel (default every enabled one); deliveries: only this channel's" },
    wait: { type: "boolean", description: "test: wait until each test message is delivered or has failed; exit 1 unless all were delivered" },
  },
  async run(ctx, { args, flags }) {
    const action = args.ACTION ?? "list";
    const camera = typeof flags.camera === "string" ? flags.camera : undefined;
    switch (action) {
      case "list": {
        if (typeof flags.state === "string" && !STATES.includes(flags.state)) throw new UsageError(`--state: one of ${STATES.join(", ")}`);
        const q = new URLSearchParams({ ...(typeof flags.state === "string" ? { state: flags.state } : {}), ...(camera ? { camera_id: camera } : {}) });
        return show(ctx, await ctx.api.get<{ alerts: Alert[] }>(`/api/alerts${q.size ? `?${q}` : ""}`), formatAlerts);
      }
      case "ack": {
        const id = needId(args.ID, "an alert ID (`alerts ack ID`)");
        return show(ctx, await ctx.api.post<Alert>(`/api/alerts/${encodeURIComponent(id)}/ack`), (a) => `alert ${a.id} (${a.camera_id} ${a.kind}) acknowledged`);
      }
      case "mute": {
        if (args.ID && camera) throw new UsageError("mute takes an alert ID or --camera, not both");
        const to = await until(ctx, flags);
        if (args.ID) return show(ctx, await ctx.api.post<{ camera_id: string; kind: string }>(`/api/alerts/${encodeURIComponent(args.ID)}/mute`, { until: to }), (m) => `${m.camera_id} ${m.kind} muted until ${time(to)}`);
        const id = needId(camera, "an alert ID or --camera ID");
        const body = { camera_id: id, kind: typeof flags.kind === "string" ? flags.kind : "*", until: to };
        return show(ctx, await ctx.api.post<typeof body>("/api/alerts/mutes", body), (m) => `${m.camera_id} ${m.kind === "*" ? "every alert" : m.kind} muted until ${time(to)}`);
      }
      case "test": {
        const { deliveries } = await ctx.api.post<{ deliveries: number[] }>("/api/alerts/test", typeof flags.channel === "string" ? { channel_id: flags.channel } : {});
        if (!deliveries.length) throw new Error("no enabled channel to test: add one with PUT /api/alerts/channels/{id}");
        if (!flags.wait) return show(ctx, { deliveries }, () => `queued ${deliveries.length} test message(s): deliveries ${deliveries.join(", ")} (\`alerts deliveries\` shows how they went)`);
        const done: Delivery[] = [];
        for (const id of deliveries) {
          for (;;) {
            const d = await ctx.api.get<Delivery>(`/api/alerts/deliveries/${id}`);
            if (d.status !== "pending") {
              done.push(d);
              break;
            }
            await Bun.sleep(POLL_MS);
          }
        }
        show(ctx, { deliveries: done }, formatDeliveries);
        if (done.some((d) => d.status !== "delivered")) throw new Error("a test message could not be delivered");
        return;
      }
      case "maintenance": {
        const id = needId(args.ID, "a camera (`alerts maintenance CAMERA --for 2h`)");
        const from = typeof flags.from === "string" ? parseTime("from", flags.from) : Date.parse((await ctx.api.get<{ time: string }>("/health")).time);
        const to = typeof flags.for === "string" && typeof flags.until !== "string" ? new Date(from + parseDuration("for", flags.for)).toISOString() : await until(ctx, flags);
        const body = { camera_id: id, starts_at: new Date(from).toISOString(), ends_at: to, ...(typeof flags.reason === "string" ? { reason: flags.reason } : {}) };
        return show(ctx, await ctx.api.post<{ id: number; starts_at: string; ends_at: string }>("/api/alerts/maintenance", body), (w) => `maintenance window ${w.id} for ${id}: ${time(w.starts_at)} → ${time(w.ends_at)}`);
      }
      case "deliveries": {
        const q = new URLSearchParams(typeof flags.channel === "string" ? { channel_id: flags.channel } : {});
        return show(ctx, await ctx.api.get<{ deliveries: Delivery[] }>(`/api/alerts/deliveries${q.size ? `?${q}` : ""}`), formatDeliveries);
      }
      default:
        throw new UsageError(`unknown action '${action}' (list, ack, mute, test, maintenance, deliveries)`);
    }
  },
};

export const ALERT_COMMANDS = [alerts];
