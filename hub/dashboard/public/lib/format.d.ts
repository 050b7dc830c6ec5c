// Types of format.js, for the unit tests (the browser loads the .js as is).
type Moment = number | string;
export function formatDateTime(t: Moment | null | undefined, timeZone: string, options?: { seconds?: boolean; year?: boolean }): string;
export function formatTime(t: Moment, timeZone: string, options?: { seconds?: boolean }): string;
export function zoneName(t: Moment, timeZone: string): string;
export function localDate(t: Moment, timeZone: string): string;
export function zonedTimeToUtc(date: string, time: string, timeZone: string): number;
export function startOfLocalDay(date: string, timeZone: string): number;
export function addDays(date: string, days: number): string;
export function toLocalInput(t: Moment, timeZone: string): string;
export function fromLocalInput(value: string | null | undefined, timeZone: string): string | null;
export function formatDuration(seconds: number | null | undefined): string;
export function formatAgo(t: Moment | null | undefined, now: Moment): string;
export function formatBytes(n: number | null | undefined): string;
export function formatShutter(us: number | null | undefined): string;
export function formatSigned(n: number | null | undefined, digits?: number): string;
export const ATTENTION_WEIGHT: Record<string, number>;
export const ATTENTION_TEXT: Record<string, string>;
export interface AttentionCamera {
  id: string;
  attention?: string[];
  behind_since?: string | null;
}
export function attentionScore(camera: AttentionCamera): number;
export function sortByAttention<T extends AttentionCamera>(cameras: T[]): T[];
export function contactStatus(
  camera: { status?: string; online: boolean; last_contact_at: string | null; offline_since: string | null },
  now: Moment,
  timeZone: string,
): { tone: "ok" | "bad" | "muted"; text: string };
export function exposureIssueLines(exposure: { issues?: { text: string; since: string; truncated: boolean }[] } | null | undefined, timeZone: string): string[];
export function issueField(path: string | null | undefined): string;
export function issuesFor<T extends { path: string }>(issues: T[], fieldPath: string): T[];
export function compareVersions(a: string, b: string): number;
export function previousVersion(versions: string[], current: string): string | null;
export function plural(n: number, one: string, many?: string): string;
export function pairsProgress(test: { pairs_done?: Record<string, number>; pairs_target?: number | null; camera_ids?: string[] }): { total: string; cameras: string | null };
