/**
 * A rolling-window deflicker of our own: each frame's brightness is pulled to
 * the geometric mean of the lumas in a centred window (shrunk symmetrically at
 * the ends, so a steady trend such as a sunset is kept). Pure.
 */

/** Per-frame gain factors: `lumas[i] × gains[i]` is the smoothed luma. `window` is odd-ised (even → +1). */
export function deflickerGains(lumas: readonly number[], window = 5): number[] {
  const half = Math.max(0, Math.floor(window / 2));
  const logs = lumas.map((y) => Math.log2(Math.max(y, 0.5)));
  return logs.map((own, i) => {
    const h = Math.min(half, i, logs.length - 1 - i);
    let sum = 0;
    for (let j = i - h; j <= i + h; j++) sum += logs[j]!;
    return 2 ** (sum / (2 * h + 1) - own);
  });
}

/** Frame-to-frame flicker: |log2(Y[n] / Y[n−1])| for each consecutive pair. */
export function flickerSteps(lumas: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < lumas.length; i++) out.push(Math.abs(Math.log2(Math.max(lumas[i]!, 0.5) / Math.max(lumas[i - 1]!, 0.5))));
  return out;
}
