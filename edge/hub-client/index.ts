export { HubClient, type HubClientOptions, type HubDownload, type HubReply, type HubRequest, type Traffic } from "./client";
export { HubError, type HubErrorKind, parseRetryAfter, statusOf } from "./errors";
export { LinkBudget, sleep } from "./budget";
