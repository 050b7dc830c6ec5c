import { z } from "zod";

const Celsius = z.number().min(-60).max(200);
const Mb = z.number().int().nonnegative().max(1e9);
const Bytes = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A network interface's name as Linux allows it (IFNAMSIZ 16, name ≤ 15). */
export const InterfaceName = z.string().regex(/^[\w.:@-]{1,15}$/, "an interface name");
export const MAX_TRAFFIC_INTERFACES = 8;

/** The network link the agent uses: the default route's interface and the signal where known. */
export const LinkHealth = z
  .object({
    iface: InterfaceName.nullable(),
    /** Wi-Fi signal level (/proc/net/wireless), dBm. */
    wifi_dbm: z.number().min(-150).max(0).nullable(),
    /** Cellular signal quality (ModemManager), percent. */
    cell_quality: z.number().min(0).max(100).nullable(),
    /** Cellular access technology (lte, umts, ...). */
    cell_tech: z.string().max(24).nullable(),
  })
  .strict();
export type LinkHealth = z.infer<typeof LinkHealth>;

/** Bytes per interface (received, sent) and the agent's own request bodies to the hub, over one day of the camera's zone. */
export const DailyTraffic = z
  .object({
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    ifaces: z.record(InterfaceName, z.tuple([Bytes, Bytes])).refine((r) => Object.keys(r).length <= MAX_TRAFFIC_INTERFACES, `at most ${MAX_TRAFFIC_INTERFACES} interfaces`),
    agent_sent: Bytes,
  })
  .strict();
export type DailyTraffic = z.infer<typeof DailyTraffic>;

/**
 * The Pi's own health, sent with each poll (a few hundred bytes). Every source the
 * device lacks (no vcgencmd, no modem, no thermal zone) is null.
 */
export const DeviceHealth = z
  .object({
    soc_temp_c: Celsius.nullable(),
    /** The camera sensor's temperature from the last capture's metadata. */
    sensor_temp_c: Celsius.nullable(),
    /** The firmware's get_throttled bits: 0–3 now, 16–19 the same since boot (see throttleFlags). */
    throttled: z.number().int().min(0).max(0xfffff).nullable(),
    /** Load average over 1, 5 and 15 minutes. */
    load: z.tuple([z.number().min(0).max(10_000), z.number().min(0).max(10_000), z.number().min(0).max(10_000)]).nullable(),
    mem_total_mb: Mb.nullable(),
    mem_available_mb: Mb.nullable(),
    uptime_s: z.number().int().nonnegative().nullable(),
    boot_id: z.string().max(64).nullable(),
    /** The data directory's file system. */
    disk_free_mb: Mb.nullable(),
    disk_total_mb: Mb.nullable(),
    link: LinkHealth.nullable(),
    traffic: DailyTraffic.nullable(),
  })
  .strict();
export type DeviceHealth = z.infer<typeof DeviceHealth>;

export interface ThrottleFlags {
  under_voltage: boolean;
  freq_capped: boolean;
  throttled: boolean;
  soft_temp_limit: boolean;
}

/** The get_throttled bits in words: bits 0–3 now, 16–19 since boot. */
export function throttleFlags(bits: number): { now: ThrottleFlags; since_boot: ThrottleFlags } {
  const at = (shift: number): ThrottleFlags => ({
    under_voltage: Boolean(bits & (1 << shift)),
    freq_capped: Boolean(bits & (1 << (shift + 1))),
    throttled: Boolean(bits & (1 << (shift + 2))),
    soft_temp_limit: Boolean(bits & (1 << (shift + 3))),
  });
  return { now: at(0), since_boot: at(16) };
}
