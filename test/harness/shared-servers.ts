/**
 * Preloaded by `bun test` (bunfig.toml): servers a whole run shares, started by the
 * first test file that needs them, are stopped after the last test file. Under
 * SKYLAPSE_TEST_BACKEND=postgres+s3 every hub needs the S3 server, so it starts before
 * the first test (a test's 5 s hook timeout would otherwise cut its ≈ 15 s cold start).
 */
import { afterAll, beforeAll } from "bun:test";
import { startSharedCephS3, stopSharedCephS3 } from "./ceph-s3";
import { testStorage } from "./postgres";

if (testStorage() === "s3") beforeAll(async () => void (await startSharedCephS3()), 120_000);
afterAll(stopSharedCephS3);
