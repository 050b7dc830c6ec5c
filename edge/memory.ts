/**
 * How much more reluctant than normal JavaScriptCore is to JIT-compile the agent's code.
 * Most of it runs a few times a minute (a poll, a tick, an upload), which the normal
 * policy compiles all the same, each compiled tier kept in memory; this keeps such code
 * in the interpreter and still compiles the loops that run hot (the simulated camera's
 * pixels). Measured in test/bench/memory.ts: about 5 MB less RSS on x64.
 */
export const AGENT_JIT_POLICY = 1000;

/**
 * Once the agent runs, JavaScriptCore is asked to clear unused memory and shrink its
 * heap when next idle (Bun.shrink): starting (module set-up, the wire schemas'
 * construction, migrations) leaves much behind that a running agent never uses
 * again. Measured in test/bench/memory.ts: about 3 MB less RSS at idle.
 */
export function shrinkAfterStart(): void {
  // Marked deprecated, with no successor; the measured saving is why it stays.
  Bun.shrink();
}

/** Real ms between full collections at the most: a fast schedule does not spend its CPU collecting after every frame. */
const MIN_GAP_MS = 500;

/**
 * JSC hands freed memory back to the system only in a full collection, and
 * starts one by itself only once the heap has grown by about half again (its
 * eden collections free garbage for reuse but keep the pages): a capture's
 * frames, decodes and uploads then hold tens of MB on a 512 MB Pi. So the agent
 * collects after a tick's captures, when the next tick is furthest away, and after
 * an image-sync round that sent something, at most once per MIN_GAP_MS of real
 * time (a full collection of its heap takes about 10 ms on x64). Bun.gc(true) also
 * has mimalloc, which holds the native side (Bun.Image's buffers, fetch bodies),
 * give back what was freed.
 */
export class GarbageCollector {
  private last = -Infinity;

  constructor(private readonly realNow: () => number = () => performance.now()) {}

  afterWork(): void {
    const now = this.realNow();
    if (now - this.last < MIN_GAP_MS) return;
    this.last = now;
    Bun.gc(true);
  }
}
