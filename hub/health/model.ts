import { z } from "zod";
import { IsoTime } from "../../shared/contracts/plan";
import { Slug } from "../../shared/contracts/profile";
import { MAX_RANGE_MS } from "./compute";

export const healthModel = {
  params: z.object({ id: Slug }),
  /** Default: the last 24 hours. */
  historyQuery: z
    .object({ from: IsoTime.optional(), to: IsoTime.optional() })
    .strict()
    .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: "must be after query.from", path: ["to"] })
    .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= MAX_RANGE_MS, { message: "at most 31 days", path: ["to"] }),
};
