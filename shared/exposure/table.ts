import type { LuxTable } from "../contracts/settings";

/**
 * Linear interpolation in a lux table, clamped to the first and last rows.
 * Rows may come in any order; they are sorted by lux once per call.
 */
export function interpolate(table: LuxTable, lux: number): number {
  const rows = [...table].sort((a, b) => a[0] - b[0]);
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  if (!(lux > first[0])) return first[1];
  if (lux >= last[0]) return last[1];
  for (let i = 1; i < rows.length; i++) {
    const [x1, y1] = rows[i]!;
    if (lux <= x1) {
      const [x0, y0] = rows[i - 1]!;
      return x1 === x0 ? y1 : y0 + ((lux - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return last[1];
}
