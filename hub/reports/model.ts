import { z } from "zod";
import { IsoTime } from "../../shared/contracts/plan";
import { Slug } from "../../shared/contracts/profile";

/** A report covers at most this much time. */
export const MAX_REPORT_DAYS = 366;

export const reportModel = {
  params: z.object({ id: Slug }),
  query: z
    .object({ from: IsoTime, to: IsoTime })
    .strict()
    .superRefine((q, ctx) => {
      const span = Date.parse(q.to) - Date.parse(q.from);
      if (span <= 0) ctx.addIssue({ code: "custom", path: ["to"], message: "must be after query.from" });
      else if (span > MAX_REPORT_DAYS * 86_400_000) ctx.addIssue({ code: "custom", path: ["to"], message: `a report covers at most ${MAX_REPORT_DAYS} days` });
    }),
};

/** A plan read covers at most this much time. */
export const MAX_PLAN_DAYS = 31;

export const planModel = {
  params: z.object({ id: Slug }),
  query: z
    .object({ from: IsoTime, to: IsoTime })
    .strict()
    .superRefine((q, ctx) => {
      const span = Date.parse(q.to) - Date.parse(q.from);
      if (span <= 0) ctx.addIssue({ code: "custom", path: ["to"], message: "must be after query.from" });
      else if (span > MAX_PLAN_DAYS * 86_400_000) ctx.addIssue({ code: "custom", path: ["to"], message: `a plan covers at most ${MAX_PLAN_DAYS} days` });
    }),
};
