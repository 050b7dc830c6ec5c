import { expect, test } from "bun:test";
import { observedState, sunriseGridConfig } from "../harness/fixtures";
import { callHub, inProcessHub } from "../harness/in-process";

const config = sunriseGridConfig();
const TOKEN = "operator-token-0123456789";

test("a camera's life starts at its first contact, not its registration: earlier ticks are not counted missed", async () => {
  const { hub, clock } = await inProcessHub(config, TOKEN);
  const op = (method: string, path: string, body?: unknown) => callHub(hub, method, path, TOKEN, body);
  const agent = (await op("POST", "/api/cameras/ridge/token")).body.token;
  expect((await callHub(hub, "POST", "/agent/v1/state", agent, observedState())).status).toBe(200);
  // Registered before the sunrise, its agent first polls mid-session (13:32).
  expect((await op("POST", "/api/cameras", { id: "late", schedules: ["sunrise"], deployed_profile: "f" })).status).toBe(201);
  const late = (await op("POST", "/api/cameras/late/token")).body.token;
  clock.set(Date.parse("2026-11-24T13:32:00Z"));
  expect((await callHub(hub, "POST", "/agent/v1/state", late, observedState({}, { now: clock.now() }))).status).toBe(200);
  clock.set(Date.parse("2026-11-24T14:00:00Z"));
  const range = "from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z";
  const ridge = (await op("GET", `/api/cameras/ridge/report?${range}`)).body;
  const lateReport = (await op("GET", `/api/cameras/late/report?${range}`)).body;
  expect(ridge.planned).toBe(20);
  expect(lateReport).toMatchObject({ first_contact_at: "2026-11-24T13:32:00.000Z", planned: 12, missed: 12 });
  expect(lateReport.missed_by_reason.not_reported).toBe(12);
});
