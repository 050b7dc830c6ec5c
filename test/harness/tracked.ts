import { afterEach } from "bun:test";

interface Stoppable {
  stop: (hard?: boolean) => Promise<unknown>;
}

/**
 * Stops (hard) every process a test tracked once the test ends, failed or not, so
 * no hub, agent or server outlives its test. Call once at a test file's top level;
 * wrap each started process in the returned `track`.
 */
export function stopAfterEach(): <S extends Stoppable>(s: S) => S {
  const started: Stoppable[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop(true)));
  });
  return (s) => (started.push(s), s);
}
