/**
 * One token, one agent, in-process: which capture logs a camera's token speaks
 * for as polls and uploads present them (hub/agents/log-binding), on a real
 * database behind the HTTP routes.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { presentLog } from "../../hub/agents/log-binding";
import { captureRecord, observedState, sunriseGridConfig } from "../harness/fixtures";
import { inProcessHub, callHub } from "../harness/in-process";

const OPERATOR = "operator-token-for-tests-0011";
let hub: Awaited<ReturnType<typeof inProcessHub>>["hub"];
let token: string;

const call = (method: string, path: string, bearer: string, body?: unknown) => callHub(hub, method, path, bearer, body);

const poll = (log: string, bearer = token) => call("POST", "/agent/v1/state", bearer, observedState({ log_id: log }));
const upload = (log: string, records: CaptureRecord[], bearer = token) => call("POST", "/agent/v1/captures", bearer, { log_id: log, records });
const rec = (log: string, seq: number, tick: number) => captureRecord(seq, { id: `${log}-${seq}` }, tick);
const attention = async () => (await call("GET", "/api/fleet", OPERATOR)).body.cameras.find((c: any) => c.id === "ridge").attention as string[];

beforeEach(async () => {
  hub = (await inProcessHub(sunriseGridConfig(), OPERATOR)).hub;
  token = (await call("POST", "/api/cameras/ridge/token", OPERATOR)).body.token;
});

describe("one token, one agent", () => {
  test("an agent that lost its database starts a new log once: accepted, nothing flagged", async () => {
    expect((await poll("old")).status).toBe(200);
    expect((await upload("old", [rec("old", 1, 1), rec("old", 2, 2)])).status).toBe(200);
    expect((await poll("new")).status).toBe(200);
    expect((await upload("new", [rec("new", 1, 2), rec("new", 2, 3)])).body).toEqual({ accepted: 1, duplicates: 1, contiguous_through: 2, gaps: [] });
    expect((await poll("new")).status).toBe(200);
    expect(await attention()).not.toContain("token_shared");
  });

  test("replaying records the hub holds binds nothing; a replaced log bringing new records is a shared token", async () => {
    await upload("a", [rec("a", 1, 1)]);
    await poll("b");
    expect((await upload("a", [rec("a", 1, 1)])).body).toEqual({ accepted: 0, duplicates: 1, contiguous_through: 1, gaps: [] });
    expect(await attention()).not.toContain("token_shared");
    expect((await upload("a", [rec("a", 2, 2)])).status).toBe(200);
    expect(await attention()).toContain("token_shared");
    const refused = await upload("b", [rec("b", 1, 3)]);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe("token_shared");
    expect((await poll("b")).status).toBe(409);
    // A third log is refused too while the token is shared; the kept one goes on.
    expect((await poll("c")).status).toBe(409);
    expect((await poll("a")).status).toBe(200);
    const incident = (await call("GET", "/api/fleet", OPERATOR)).body.cameras[0].incidents.find((i: any) => i.kind === "token_shared");
    expect(incident.detail).toContain("log a is kept, b refused");
  });

  test("an enrollment resolves it: the old token is refused, the first log presented with the new one is the camera's", async () => {
    await poll("a");
    await poll("b");
    await poll("a");
    expect(await attention()).toContain("token_shared");
    const { code } = (await call("POST", "/api/cameras/ridge/enrollment", OPERATOR)).body;
    const enrolled = await hub.app.handle(new Request("http://localhost/agent/v1/enroll", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ camera_id: "ridge", code }) }));
    const fresh = ((await enrolled.json()) as { token: string }).token;
    expect((await poll("a")).status).toBe(401);
    expect((await poll("b", fresh)).status).toBe(200);
    expect(await attention()).not.toContain("token_shared");
    expect((await upload("b", [rec("b", 1, 1)], fresh)).status).toBe(200);
  });

  test("presentLog (pure)", async () => {
    expect(presentLog([], "a")).toEqual({ accepted: true, changes: [{ logId: "a", state: "current" }] });
    expect(presentLog([{ logId: "a", state: "current" }], "a")).toEqual({ accepted: true, changes: [] });
    expect(presentLog([{ logId: "a", state: "current" }], "b")).toEqual({ accepted: true, changes: [{ logId: "b", state: "current" }, { logId: "a", state: "replaced" }] });
    expect(presentLog([{ logId: "a", state: "replaced" }, { logId: "b", state: "current" }], "a")).toEqual({ accepted: true, changes: [{ logId: "a", state: "current" }, { logId: "b", state: "refused" }] });
    expect(presentLog([{ logId: "a", state: "current" }, { logId: "b", state: "refused" }], "b")).toEqual({ accepted: false, kept: "a" });
    expect(presentLog([{ logId: "a", state: "current" }, { logId: "b", state: "refused" }], "c")).toEqual({ accepted: false, kept: "a" });
  });
});
