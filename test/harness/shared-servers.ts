/**
 * Preloaded by `bun test` (bunfig.toml): servers a whole run shares, started by the
 * first test file that needs them, are stopped after the last test file.
 */
import { afterAll } from "bun:test";
import { stopSharedCephS3 } from "./ceph-s3";

afterAll(stopSharedCephS3);
