import type { Sample } from "./exposition";

/** Cameras per attention reason; reasons in `seen` (updated) that no camera has now read 0. */
export function countByAttention(cameras: readonly { attention: readonly string[] }[], seen: Set<string>): Sample[] {
  const counts = new Map<string, number>();
  for (const c of cameras) for (const reason of c.attention) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  for (const reason of counts.keys()) seen.add(reason);
  return [...seen].sort().map((reason) => ({ labels: { reason }, value: counts.get(reason) ?? 0 }));
}
