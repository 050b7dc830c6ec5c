import { z } from "zod";
import { IsoTime } from "../../shared/contracts/plan";
import { Slug } from "../../shared/contracts/profile";

/** A report covers at most this much time. */
export const MAX_REPORT_DAYS = 366;
/** A plan read covers at most this much time. */
export const MAX_PLAN_DAYS = 31;

/** `?from=&to=`: `from` before `to`, at most `maxDays` apart. */
const range = (maxDays: number, what: string) =>
  z
    .object({ from: IsoTime, to: IsoTime })
    .strict()
    .superRefine((q, ctx) => {
      const span = Date.parse(q.to) - Date.parse(q.from);
      if (span <= 0) ctx.addIssue({ code: "custom", path: ["to"], message: "must be after query.from" });
      else if (span > maxDays * 86_400_000) ctx.addIssue({ code: "custom", path: ["to"], message: `a ${what} covers at most ${maxDays} days` });
    });

export const reportModel = { params: z.object({ id: Slug }), query: range(MAX_REPORT_DAYS, "report") };
export const planModel = { params: z.object({ id: Slug }), query: range(MAX_PLAN_DAYS, "plan") };
