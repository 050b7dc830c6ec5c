import { expect, test } from "bun:test";
import { sunriseGridConfig } from "../harness/fixtures";
import { inProcessHub } from "../harness/in-process";

const config = sunriseGridConfig();
const TOKEN = "operator-token-0123456789";

test("a camera registered mid-session was planned only from then: earlier ticks are not counted missed", async () => {
  const { hub, clock } = inProcessHub(config, TOKEN);
  const op = async (method: string, path: string, body?: unknown) => {
    const res = await hub.app.handle(
      new Request(`http://localhost${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    return { status: res.status, body: await res.json() };
  };
  clock.set(Date.parse("2026-11-24T13:32:00Z"));
  expect((await op("POST", "/api/cameras", { id: "late", schedules: ["sunrise"], deployed_profile: "f" })).status).toBe(201);
  clock.set(Date.parse("2026-11-24T14:00:00Z"));
  const range = "from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z";
  const late = (await op("GET", `/api/cameras/late/report?${range}`)).body;
  const ridge = (await op("GET", `/api/cameras/ridge/report?${range}`)).body;
  expect(ridge.planned).toBe(20);
  expect(late.planned).toBe(12);
  expect(late.missed).toBe(12);
  expect(late.missed_by_reason.not_reported).toBe(12);
});
