import { ObservedState, UploadBatch } from "../../shared/contracts/sync";

export const agentModel = {
  pollBody: ObservedState,
  uploadBody: UploadBatch,
};

export const SERVER_TIME_HEADER = "x-skylapse-server-time";
