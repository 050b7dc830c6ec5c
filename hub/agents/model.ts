import { ObservedState, UploadBatch } from "../../shared/contracts/sync";

export const agentModel = {
  pollBody: ObservedState,
  uploadBody: UploadBatch,
};

export { SERVER_TIME_HEADER } from "../../shared/contracts/sync";
