/**
 * Learning-rate schedules. A spec writes a small config (snake_case); `makeSchedule` resolves it with the optimizer's
 * base lr and the run length; `lrAt(schedule, step)` is the lr of the update taken at step `step` (0-based).
 *
 * Warmup follows Nanda et al. (2023)'s grokking code, LambdaLR(min(step / warmup, 1)): the first update (step 0)
 * has lr 0 and the full lr is reached at step `warmup_steps`.
 */
import { z } from "zod";
import { parseByName } from "../util/zod-issue.js";

const steps = z.number().int("must be an integer").min(0, "must be ≥ 0");

export const ScheduleConfigSchema = z.discriminatedUnion("name", [
  z.strictObject({ name: z.literal("constant") }),
  z.strictObject({ name: z.literal("linear_warmup"), warmup_steps: steps.default(10) }),
  z.strictObject({
    name: z.literal("cosine"),
    warmup_steps: steps.default(0),
    /** The floor of the cosine, as a fraction of the base lr. */
    min_lr_ratio: z.number().min(0, "must be in [0, 1]").max(1, "must be in [0, 1]").default(0),
  }),
]);

export type ScheduleConfig = z.output<typeof ScheduleConfigSchema>;
export type ScheduleName = ScheduleConfig["name"];

/** A schedule resolved against a base lr and a run length (steps 0 … totalSteps − 1 take updates). */
export interface Schedule {
  readonly name: ScheduleName;
  readonly lr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly minLr: number;
}

/** Validates a schedule config; the error names the key as `<where>.<key>`. */
export function parseScheduleConfig(input: unknown, where = "schedule"): ScheduleConfig {
  return parseByName(ScheduleConfigSchema, input, where);
}

export function makeSchedule(config: ScheduleConfig, lr: number, totalSteps: number): Schedule {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`schedule: base lr must be a finite number ≥ 0, got ${lr}`);
  if (!Number.isInteger(totalSteps) || totalSteps < 0) throw new Error(`schedule: total steps must be an integer ≥ 0, got ${totalSteps}`);
  switch (config.name) {
    case "constant":
      return { name: "constant", lr, warmupSteps: 0, totalSteps, minLr: lr };
    case "linear_warmup":
      return { name: "linear_warmup", lr, warmupSteps: config.warmup_steps, totalSteps, minLr: lr };
    case "cosine":
      if (config.warmup_steps > totalSteps) throw new Error(`schedule.warmup_steps: ${config.warmup_steps} exceeds the run's ${totalSteps} steps`);
      return { name: "cosine", lr, warmupSteps: config.warmup_steps, totalSteps, minLr: lr * config.min_lr_ratio };
  }
}

/**
 * The lr of the update at 0-based step `step`:
 *   warmup (step < W):  lr · step / W
 *   cosine after it:    minLr + (lr − minLr) · ½ (1 + cos(π · (step − W) / (T − W)))   (SGDR, Loshchilov & Hutter 2017,
 *                       without restarts; reaches minLr at step T, held after)
 */
export function lrAt(schedule: Schedule, step: number): number {
  const { lr, warmupSteps: W, totalSteps: T, minLr } = schedule;
  if (schedule.name === "constant") return lr;
  if (step < W) return (lr * step) / W;
  if (schedule.name === "linear_warmup") return lr;
  const progress = T > W ? Math.min(1, (step - W) / (T - W)) : 1;
  return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
